import assert from 'node:assert/strict'
import { it } from 'node:test'
import fc from 'fast-check'
import { formatPhone, normalisePhone, testPhoneNumber } from './phone.ts'

it('normalises UK numbers however written to E.164, assuming the UK without a country code', () => {
  assert.equal(normalisePhone('0113 496 0000'), '+441134960000')
  assert.equal(normalisePhone('+44 113 496 0000'), '+441134960000')
  assert.equal(normalisePhone('0044 113 496 0000'), '+441134960000')
  assert.equal(normalisePhone('(020) 7946-0018'), '+442079460018')
})

it('accepts Ofcom’s drama mobile range (07700 900000 to 900999) however written, and shows it nationally', () => {
  for (const written of ['07700 900982', '07700 900 982', '+44 7700 900982', '0044 7700 900982']) {
    assert.equal(normalisePhone(written), '+447700900982', written)
  }
  assert.equal(normalisePhone('07700 900000'), '+447700900000')
  assert.equal(normalisePhone('07700 900999'), '+447700900999')
  assert.equal(formatPhone('+447700900982'), '07700 900982')
})

it('keeps another country’s number in its own country', () => {
  assert.equal(normalisePhone('+33 6 12 34 56 78'), '+33612345678')
})

it('refuses numbers that are too short, too long, letters, or not in the numbering plan', () => {
  for (const bad of [
    '',
    '0123',
    '999',
    '0113 496 000',
    '0113 496 00000',
    '0113 ABC 0000',
    'call me',
    // Next to the drama range, still outside the numbering plan.
    '07700 901123',
    '07700 90012',
    '07700 9001234',
  ]) {
    assert.equal(normalisePhone(bad), undefined, bad)
  }
})

it('shows UK numbers nationally and others internationally, the same when asked again (kept)', () => {
  for (let round = 0; round < 2; round++) {
    assert.equal(formatPhone('+441134960000'), '0113 496 0000')
    assert.equal(formatPhone('+33612345678'), '+33 6 12 34 56 78')
    assert.equal(formatPhone('not a number'), 'not a number')
  }
})

it('fictional numbers are valid and from the drama ranges', () => {
  fc.assert(
    fc.property(fc.infiniteStream(fc.nat()), (stream) => {
      const iterator = stream[Symbol.iterator]()
      const number = testPhoneNumber((max) => (iterator.next().value as number) % (max + 1))
      const e164 = normalisePhone(number)
      assert.ok(e164 !== undefined, number)
      assert.match(e164, /^\+44(1(1[346-8]|[2-6]1)4960|2079460|7700900)\d{3}$/)
    }),
  )
})
