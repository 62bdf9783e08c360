import assert from 'node:assert/strict'
import { it } from 'node:test'
import fc from 'fast-check'
import { parseUpn, testUpn, UPN_LETTERS, upnCheckLetter } from './upn.ts'

it('computes the check letter of the census error 1510 example body 207000016049 by the DfE rule', () => {
  // (2×2)+(4×7)+(9×1)+(10×6)+(12×4)+(13×9) = 266; 266 mod 23 = 13 → P (the 13th letter from 0, skipping I and O).
  // Schools' help pages quoting this example print the sum as 267 and the letter as Q: their arithmetic slips,
  // the rule in the Government Data Standards Catalogue gives P.
  assert.equal(upnCheckLetter('207000016049'), 'P')
  assert.deepEqual(parseUpn('P207000016049'), { upn: 'P207000016049' })
  assert.deepEqual(parseUpn('B207000016049'), { problem: 'check-letter' })
})

it('accepts a published valid UPN and refuses it with another check letter', () => {
  assert.deepEqual(parseUpn('B801200005001'), { upn: 'B801200005001' })
  assert.deepEqual(parseUpn('A801200005001'), { problem: 'check-letter' })
})

it('reads lower case and spaces as people type them', () => {
  assert.deepEqual(parseUpn(' b801 2000 05001 '), { upn: 'B801200005001' })
})

it('counts a temporary UPN’s final letter by its place in the letter table', () => {
  // Body 80120000500 + 'B' (value 1): 8×2+0×3+1×4+2×5+0+0+0+0+5×10+0+0+1×13 = 93; 93 mod 23 = 1 → B
  assert.equal(upnCheckLetter('80120000500B'), 'B')
  assert.deepEqual(parseUpn('B80120000500B'), { upn: 'B80120000500B' })
})

it('refuses the wrong length, letters in the middle, and the unused letters I, O and S', () => {
  for (const bad of ['B80120000500', 'B8012000050011', 'X80120000A001', '1801200005001', 'I801200005001']) {
    assert.deepEqual(parseUpn(bad), { problem: 'format' }, bad)
  }
  assert.deepEqual(parseUpn('B80120000500S'), { problem: 'format' })
  assert.equal(upnCheckLetter('80120000500O'), undefined)
})

it('the letter table has 23 letters without I, O and S', () => {
  assert.equal(UPN_LETTERS.length, 23)
  assert.doesNotMatch(UPN_LETTERS, /[IOS]/)
})

it('any single changed digit is caught, and generated test UPNs are valid', () => {
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 12, maxLength: 12 }),
      fc.nat(11),
      (digits, at) => {
        const body = digits.join('')
        const upn = `${upnCheckLetter(body) ?? ''}${body}`
        assert.deepEqual(parseUpn(upn), { upn })
        const changed = `${upn.slice(0, at + 1)}${String((Number(upn[at + 1]) + 1) % 10)}${upn.slice(at + 2)}`
        // Weights 2..13 are all below 23 (prime), so changing one digit always changes the sum mod 23.
        assert.deepEqual(parseUpn(changed), { problem: 'check-letter' })
      },
    ),
  )
  let n = 0
  const upn = testUpn((max) => (n++ * 7) % (max + 1))
  assert.ok('upn' in parseUpn(upn))
})
