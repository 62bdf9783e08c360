import assert from 'node:assert/strict'
import { it } from 'node:test'
import { formatRegistration, normaliseRegistration, registrationFormat } from './vehicle.ts'

it('accepts current, prefix, suffix and dateless marks, upper case without spaces', () => {
  assert.equal(normaliseRegistration('ab12 cde'), 'AB12CDE')
  assert.equal(registrationFormat('AB12CDE'), 'current')
  assert.equal(normaliseRegistration('A123 BCD'), 'A123BCD')
  assert.equal(registrationFormat('A123BCD'), 'prefix')
  assert.equal(normaliseRegistration('abc 123d'), 'ABC123D')
  assert.equal(registrationFormat('ABC123D'), 'suffix')
  assert.equal(normaliseRegistration('AIZ 1234'), 'AIZ1234')
  assert.equal(registrationFormat('AIZ1234'), 'dateless')
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
  assert.equal(formatRegistration('AB12CDE'), 'AB12 CDE')
  assert.equal(formatRegistration('A123BCD'), 'A123 BCD')
  assert.equal(formatRegistration('ABC123D'), 'ABC 123D')
  assert.equal(formatRegistration('AIZ1234'), 'AIZ 1234')
  assert.equal(formatRegistration('1234AB'), '1234 AB')
})
