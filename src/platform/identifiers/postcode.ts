/**
 * UK postcodes (Royal Mail's grammar): an outward code of one of the six shapes A9, A99, AA9, AA99, A9A, AA9A and
 * an inward code 9AA, stored upper case with one space ("NS1 4AB"), as the database check expects.
 *
 * Letters are restricted by position: the first is never Q, V or X; the second never I, J or Z; the third (A9A)
 * one of ABCDEFGHJKPSTUW; the fourth (AA9A) one of ABEHMNPRVWXY; the inward letters never C, I, K, M, O or V.
 * The non-geographic GIR 0AA, BFPO numbers and overseas territories' codes (e.g. ASCN 1ZZ) are not accepted: they
 * are not addresses a safeguarding partnership records, and the database's pattern does not admit them.
 */

const FIRST = '[ABCDEFGHIJKLMNOPRSTUWYZ]'
const SECOND = '[ABCDEFGHKLMNOPQRSTUVWXY]'
const THIRD = '[ABCDEFGHJKPSTUW]'
const FOURTH = '[ABEHMNPRVWXY]'
const INWARD = '[0-9][ABDEFGHJLNPQRSTUWXYZ]{2}'

const OUTWARD = [
  `${FIRST}[0-9]`, // A9
  `${FIRST}[0-9][0-9]`, // A99
  `${FIRST}${SECOND}[0-9]`, // AA9
  `${FIRST}${SECOND}[0-9][0-9]`, // AA99
  `${FIRST}[0-9]${THIRD}`, // A9A
  `${FIRST}${SECOND}[0-9]${FOURTH}`, // AA9A
]

// eslint-disable-next-line security/detect-non-literal-regexp -- built from the constants above only
const POSTCODE = new RegExp(`^(?:${OUTWARD.join('|')})${INWARD}$`)

/** "ns14ab", " NS1  4AB " → "NS1 4AB"; undefined when it is not a UK postcode. */
export function normalisePostcode(input: string): string | undefined {
  const compact = input.replace(/\s+/g, '').toUpperCase()
  if (compact.length < 5 || compact.length > 7 || !POSTCODE.test(compact)) return undefined
  return `${compact.slice(0, -3)} ${compact.slice(-3)}`
}

/** The outward code of a normalised postcode ("NS1 4AB" → "NS1"), for searching a district. */
export function outwardCode(postcode: string): string {
  return postcode.split(' ')[0] ?? postcode
}
