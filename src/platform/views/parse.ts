import { isRowVersion } from '../integer-bounds.ts'

/**
 * Parsers for the text a page's form sends. A form's hidden `version` is the record version it was rendered
 * with: anything but a whole number in 1…2147483647 (the PostgreSQL `integer` column) cannot be one, so it is
 * undefined, and the page answers as for a stale form, rather than the database refusing the number (a 500).
 */
export function versionOf(value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  const text = value.trim()
  // Decimal digits only: Number() would also read "1e3", "0x10", "1.0" and " " (as 0).
  if (!/^[0-9]{1,10}$/.test(text)) return undefined
  const n = Number(text)
  return isRowVersion(n) ? n : undefined
}
