import assert from 'node:assert/strict'
import { it } from 'node:test'
import fc from 'fast-check'
import { formatNhsNumber, nhsCheckDigit, normaliseNhsNumber, testNhsNumber } from './nhs-number.ts'

it('accepts a number whose check digit is right, written with or without spaces', () => {
  // 943 476 5919 is the NHS's published example of a valid number.
  assert.equal(normaliseNhsNumber('9434765919'), '9434765919')
  assert.equal(normaliseNhsNumber('943 476 5919'), '9434765919')
  assert.equal(normaliseNhsNumber('943-476-5919'), '9434765919')
})

it('refuses a wrong check digit, the wrong length and letters', () => {
  assert.equal(normaliseNhsNumber('9434765918'), undefined)
  assert.equal(normaliseNhsNumber('943476591'), undefined)
  assert.equal(normaliseNhsNumber('94347659190'), undefined)
  assert.equal(normaliseNhsNumber('943476591A'), undefined)
})

it('no valid number has check value 10', () => {
  // 000000010: sum = 1*2 = 2 → 11 - 2 = 9; find a prefix with check value 10 by search instead.
  const prefix = Array.from({ length: 1000 }, (_, i) => String(i).padStart(9, '0')).find(
    (p) => nhsCheckDigit(p) === undefined,
  )
  assert.ok(prefix !== undefined)
  for (let d = 0; d <= 9; d++) assert.equal(normaliseNhsNumber(`${prefix}${String(d)}`), undefined)
})

it('test numbers are valid and in the reserved 999 range', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (seed) => {
      let state = seed
      const number = testNhsNumber((max) => (state = (state * 48_271 + 11) % 2_147_483_647) % (max + 1))
      assert.match(number, /^999[0-9]{7}$/)
      assert.equal(normaliseNhsNumber(number), number)
    }),
  )
})

it('formats as three, three and four digits', () => {
  assert.equal(formatNhsNumber('9434765919'), '943 476 5919')
})
