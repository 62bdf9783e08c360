/** Dates as people type them: GOV.UK's three-part date input (day, month, year) or ISO "YYYY-MM-DD" (the API). */

export type DateInput = string | { day?: string; month?: string; year?: string }

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/

/** The ISO date of that day, month and year if it exists in the calendar and the year is in range. */
export function realDate(year: number, month: number, day: number, earliestYear = 1): string | undefined {
  if (year < earliestYear || year > 9999 || month < 1 || month > 12 || day < 1 || day > 31) return undefined
  const date = new Date(Date.UTC(year, month - 1, day))
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) {
    return undefined
  }
  return date.toISOString().slice(0, 10)
}

/** An ISO "YYYY-MM-DD" string's date, if it is a real one. */
export function realIsoDate(value: string, earliestYear = 1): string | undefined {
  const match = ISO_DATE.exec(value)
  return match === null
    ? undefined
    : realDate(Number(match[1]), Number(match[2]), Number(match[3]), earliestYear)
}

/**
 * A calendar date from either form, null when nothing was given, or the GOV.UK message for what is wrong.
 * `label` starts the message ("Date of birth must be a real date"); a year before `earliestYear` is not real.
 */
export function parseDate(
  input: DateInput,
  label: string,
  earliestYear: number,
): { date: string | null } | { error: string } {
  if (typeof input === 'string') {
    const value = input.trim()
    if (value === '') return { date: null }
    const date = realIsoDate(value, earliestYear)
    return date ? { date } : { error: `${label} must be a real date, written as YYYY-MM-DD` }
  }
  const parts = {
    day: (input.day ?? '').trim(),
    month: (input.month ?? '').trim(),
    year: (input.year ?? '').trim(),
  }
  const missing = (['day', 'month', 'year'] as const).filter((p) => parts[p] === '')
  if (missing.length === 3) return { date: null }
  if (missing.length > 0) return { error: `${label} must include a ${missing.join(' and ')}` }
  if (!/^\d{1,2}$/.test(parts.day) || !/^\d{1,2}$/.test(parts.month) || !/^\d{4}$/.test(parts.year)) {
    return { error: `${label} must be a real date` }
  }
  const date = realDate(Number(parts.year), Number(parts.month), Number(parts.day), earliestYear)
  return date ? { date } : { error: `${label} must be a real date` }
}
