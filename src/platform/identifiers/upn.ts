/**
 * School unique pupil numbers (UPN), as the Department for Education defines them (Government Data Standards
 * Catalogue, "Unique Pupil Number" 2.0; the school census validation 1510): 13 characters, a check letter then
 * 12 — a 3-digit local authority number, a 4-digit establishment number, 2 digits of the year of issue and 3
 * serial digits; a temporary UPN has 2 serial digits and a letter instead.
 *
 * The check letter: multiply characters 2 to 13 by their positions (2 to 13), counting a temporary UPN's final
 * letter by its place in the letter table; the sum modulo 23 indexes the table A–Z without I, O and S.
 */

/** The 23 letters in order of their value (0 to 22); I, O and S are never used. */
export const UPN_LETTERS = 'ABCDEFGHJKLMNPQRTUVWXYZ'

const BODY = /^[0-9]{11}[0-9ABCDEFGHJKLMNPQRTUVWXYZ]$/

/** The check letter for the 12 characters after it, or undefined when they are not a UPN's. */
export function upnCheckLetter(body: string): string | undefined {
  if (!BODY.test(body)) return undefined
  let sum = 0
  for (let i = 0; i < 12; i++) {
    const char = body.charAt(i)
    const value = /[0-9]/.test(char) ? Number(char) : UPN_LETTERS.indexOf(char)
    sum += value * (i + 2)
  }
  return UPN_LETTERS.charAt(sum % 23)
}

export type UpnProblem = 'format' | 'check-letter'

/**
 * Upper-cases and drops spaces as people type them; returns the UPN, or why it is not one: 'format' (not a
 * letter and 12 characters of the right kinds) or 'check-letter' (well formed, but the first letter is wrong).
 */
export function parseUpn(input: string): { upn: string } | { problem: UpnProblem } {
  const upn = input.replace(/\s/g, '').toUpperCase()
  const check = upn.charAt(0)
  const body = upn.slice(1)
  if (upn.length !== 13 || !UPN_LETTERS.includes(check) || check === '' || !BODY.test(body)) {
    return { problem: 'format' }
  }
  return upnCheckLetter(body) === check ? { upn } : { problem: 'check-letter' }
}

/** A valid permanent UPN made from random digits, for fictional data only (`next` gives random integers). */
export function testUpn(next: (max: number) => number): string {
  const body = Array.from({ length: 12 }, () => String(next(9))).join('')
  return `${upnCheckLetter(body) ?? 'A'}${body}`
}
