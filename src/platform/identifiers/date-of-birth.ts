import { todayInLondon } from '../calendar.ts'
import { realDate, realIsoDate } from '../dates.ts'

/** The three parts of a GOV.UK date input (as typed), or an ISO date "YYYY-MM-DD" (as the API sends it). */
export interface DateOfBirthInput {
  dateOfBirth?: string
  dobDay?: string
  dobMonth?: string
  dobYear?: string
}

/**
 * A date of birth from "YYYY-MM-DD" or day/month/year parts: undefined when none is given, a message when it is
 * not a real date, in the future, or before 1900. One definition for search and the duplicate check, so that
 * both take and refuse the same dates.
 */
export function parseDateOfBirth(input: DateOfBirthInput): { date?: string; error?: string } {
  const parts = [input.dobDay, input.dobMonth, input.dobYear].map((p) => (p ?? '').trim())
  const iso = (input.dateOfBirth ?? '').trim()
  if (iso === '' && parts.every((p) => p === '')) return {}
  let date: string | undefined
  if (iso !== '') {
    date = realIsoDate(iso)
  } else {
    if (parts.some((p) => p === '')) return { error: 'Date of birth must include a day, month and year' }
    const [d, m, y] = parts.map(Number) as [number, number, number]
    date =
      parts.every((p) => /^\d+$/.test(p)) && (parts[2] ?? '').length === 4 ? realDate(y, m, d) : undefined
  }
  if (date === undefined) return { error: 'Date of birth must be a real date' }
  if (date > todayInLondon()) return { error: 'Date of birth must be today or in the past' }
  if (date < '1900-01-01') return { error: 'Date of birth must be after 1 January 1900' }
  return { date }
}
