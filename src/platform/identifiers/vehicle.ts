/**
 * Vehicle registration marks, stored upper case without spaces ("AB12CDE"), 1 to 8 letters and digits. Accepted
 * when they have the shape of a mark issued in Great Britain or Northern Ireland:
 * - current (since 2001): two letters, two digits, three letters — AB12 CDE
 * - prefix (1983–2001): a letter, 1–3 digits, three letters — A123 BCD
 * - suffix (1963–1983): three letters, 1–3 digits, a letter — ABC 123D
 * - dateless (before 1963, and cherished marks): 1–3 letters then 1–4 digits, or 1–4 digits then 1–3 letters — AB 1234
 * - Northern Ireland: three letters (the second I or Z) then up to four digits — AIZ 1234 (a dateless shape)
 * A foreign plate does not fit these; record it as another kind of object with a description.
 */

export type RegistrationFormat = 'current' | 'prefix' | 'suffix' | 'dateless'

const FORMATS: ReadonlyArray<{ format: RegistrationFormat; pattern: RegExp; split: (v: string) => string }> =
  [
    // I, Q and Z are never used in the memory tag (the first two letters) of a current mark.
    {
      format: 'current',
      pattern: /^[A-HJ-PR-Y]{2}[0-9]{2}[A-Z]{3}$/,
      split: (v) => `${v.slice(0, 4)} ${v.slice(4)}`,
    },
    {
      format: 'prefix',
      pattern: /^[A-Z][0-9]{1,3}[A-Z]{3}$/,
      split: (v) => `${v.slice(0, -3)} ${v.slice(-3)}`,
    },
    {
      format: 'suffix',
      pattern: /^[A-Z]{3}[0-9]{1,3}[A-Z]$/,
      split: (v) => `${v.slice(0, 3)} ${v.slice(3)}`,
    },
    {
      format: 'dateless',
      pattern: /^(?:[A-Z]{1,3}[0-9]{1,4}|[0-9]{1,4}[A-Z]{1,3})$/,
      split: (v) =>
        v.replace(/^([A-Z]+)([0-9]+)$|^([0-9]+)([A-Z]+)$/, (_m, a, b, c, d) =>
          a !== undefined ? `${String(a)} ${String(b)}` : `${String(c)} ${String(d)}`,
        ),
    },
  ]

/** "ab12 cde" → "AB12CDE"; undefined when it is not a UK registration mark. */
export function normaliseRegistration(input: string): string | undefined {
  const compact = input.replace(/[\s-]+/g, '').toUpperCase()
  if (!/^[A-Z0-9]{1,8}$/.test(compact)) return undefined
  return registrationFormat(compact) === undefined ? undefined : compact
}

export function registrationFormat(compact: string): RegistrationFormat | undefined {
  return FORMATS.find((f) => f.pattern.test(compact))?.format
}

/** "AB12CDE" → "AB12 CDE", as it appears on the plate. */
export function formatRegistration(compact: string): string {
  const found = FORMATS.find((f) => f.pattern.test(compact))
  return found === undefined ? compact : found.split(compact)
}
