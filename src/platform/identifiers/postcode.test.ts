import assert from 'node:assert/strict'
import { it } from 'node:test'
import fc from 'fast-check'
import { normalisePostcode, outwardCode } from './postcode.ts'

const DB_CHECK = /^[A-Z]{1,2}[0-9][A-Z0-9]? [0-9][A-Z]{2}$/

it('accepts each of the six outward shapes, in any case and spacing, as upper case with one space', () => {
  assert.equal(normalisePostcode('m1 1ae'), 'M1 1AE') // A9
  assert.equal(normalisePostcode('B33 8TH'), 'B33 8TH') // A99
  assert.equal(normalisePostcode('cr26xh'), 'CR2 6XH') // AA9
  assert.equal(normalisePostcode(' DN55  1PT '), 'DN55 1PT') // AA99
  assert.equal(normalisePostcode('W1A 0AX'), 'W1A 0AX') // A9A
  assert.equal(normalisePostcode('ec1a1bb'), 'EC1A 1BB') // AA9A
})

it('refuses letters in positions the grammar does not allow', () => {
  assert.equal(normalisePostcode('Q1 1AA'), undefined, 'first letter Q')
  assert.equal(normalisePostcode('V1 1AA'), undefined, 'first letter V')
  assert.equal(normalisePostcode('X1 1AA'), undefined, 'first letter X')
  assert.equal(normalisePostcode('AI1 1AA'), undefined, 'second letter I')
  assert.equal(normalisePostcode('AZ1 1AA'), undefined, 'second letter Z')
  assert.equal(normalisePostcode('W1I 0AX'), undefined, 'third letter I in A9A')
  assert.equal(normalisePostcode('EC1C 1BB'), undefined, 'fourth letter C in AA9A')
  assert.equal(normalisePostcode('M1 1CA'), undefined, 'inward letter C')
  assert.equal(normalisePostcode('M1 1AV'), undefined, 'inward letter V')
  assert.equal(normalisePostcode('M1 1AO'), undefined, 'inward letter O')
})

it('refuses malformed input, GIR 0AA, BFPO and overseas territories', () => {
  for (const bad of [
    '',
    'M1',
    '11 1AA',
    'M1 AAA',
    'M1 11A',
    'MMM1 1AA',
    'M1 1AA1',
    'M1-1AA',
    'GIR 0AA',
    'BFPO 123',
    'ASCN 1ZZ',
    'M1 1AÉ',
  ]) {
    assert.equal(normalisePostcode(bad), undefined, bad)
  }
})

it('whatever it accepts, the database check accepts too', () => {
  fc.assert(
    fc.property(fc.stringMatching(/^[A-Za-z0-9 ]{0,10}$/), (input) => {
      const postcode = normalisePostcode(input)
      if (postcode !== undefined) assert.match(postcode, DB_CHECK)
    }),
  )
})

it('the outward code is the district', () => {
  assert.equal(outwardCode('EC1A 1BB'), 'EC1A')
})
