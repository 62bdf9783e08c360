import assert from 'node:assert/strict'
import { it } from 'node:test'
import { formatRegistration, normaliseRegistration, registrationFormat } from './vehicle.ts'

it('accepts current, prefix, suffix and dateless marks, upper case without spaces', () => {
  // As typed → as stored, and the format it is.
  for (const [typed, stored, format] of [
    ['ab12 cde', 'AB12CDE', 'current'],
    ['A123 BCD', 'A123BCD', 'prefix'],
    ['abc 123d', 'ABC123D', 'suffix'],
    ['AIZ 1234', 'AIZ1234', 'dateless'],
  ] as const) {
    assert.equal(normaliseRegistration(typed), stored)
    assert.equal(registrationFormat(stored), format)
  }
  assert.equal(normaliseRegistration('1 A'), '1A')
  assert.equal(normaliseRegistration('ab-12-cde'), 'AB12CDE')
})

it('refuses malformed marks', () => {
  for (const bad of [
    '',
    'AB12CDEF',
    'ABCDEFGHI',
    'AB12 CD3',
    '123456789',
    'ABCD',
    '12345',
    'AB12!CD',
    'IQ12ABC',
    'ÄB12CDE',
  ]) {
    assert.equal(normaliseRegistration(bad), undefined, bad)
  }
})

it('shows a mark as it appears on the plate', () => {
  for (const [stored, plate] of [
    ['AB12CDE', 'AB12 CDE'],
    ['A123BCD', 'A123 BCD'],
    ['ABC123D', 'ABC 123D'],
    ['AIZ1234', 'AIZ 1234'],
    ['1234AB', '1234 AB'],
  ] as const) {
    assert.equal(formatRegistration(stored), plate)
  }
})
