import { ValidationError, type FieldError } from '../../platform/errors.ts'

export const REASON_MAX = 2000
/** A review further off than this is almost always a typo in the year. */
export const REVIEW_MAX_DAYS = 730

/** A flag's review date from a GOV.UK date input (day, month, year) or the API ("YYYY-MM-DD"). */
export interface DateParts {
  day?: string
  month?: string
  year?: string
}

const pad = (n: number, width: number) => String(n).padStart(width, '0')

export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T12:00:00Z`)
  d.setUTCDate(d.getUTCDate() + days)
  return d.toISOString().slice(0, 10)
}

/** The parts as "YYYY-MM-DD", or a message saying what is wrong. */
export function dateFromParts(parts: DateParts): { date: string } | { message: string } {
  const day = (parts.day ?? '').trim()
  const month = (parts.month ?? '').trim()
  const year = (parts.year ?? '').trim()
  if (day === '' && month === '' && year === '') return { message: 'Enter the review date' }
  const missing = [day === '' ? 'day' : '', month === '' ? 'month' : '', year === '' ? 'year' : ''].filter(
    (part) => part !== '',
  )
  if (missing.length > 0) return { message: `Review date must include a ${missing.join(' and ')}` }
  if (!/^\d{1,2}$/.test(day) || !/^\d{1,2}$/.test(month) || !/^\d{4}$/.test(year)) {
    return { message: 'Review date must be a real date, like 27 3 2027' }
  }
  const [d, m, y] = [Number(day), Number(month), Number(year)]
  const date = new Date(Date.UTC(y, m - 1, d))
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) {
    return { message: 'Review date must be a real date, like 27 3 2027' }
  }
  return { date: `${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}` }
}

/** "YYYY-MM-DD" → its parts, for the API and for refilling a form. */
export function partsOf(date: string): DateParts {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date)
  if (match === null) return { day: '', month: '', year: '' }
  return { year: match[1], month: String(Number(match[2])), day: String(Number(match[3])) }
}

/**
 * A review date must be a real date after today (England) and within two years. `field` names the input the
 * message belongs to ("reviewDate").
 */
export function checkReviewDate(parts: DateParts, today: string, errors: FieldError[]): string | undefined {
  const parsed = dateFromParts(parts)
  if ('message' in parsed) {
    errors.push({ field: 'reviewDate', message: parsed.message })
    return undefined
  }
  if (parsed.date <= today) {
    errors.push({ field: 'reviewDate', message: 'Review date must be in the future' })
    return undefined
  }
  if (parsed.date > addDays(today, REVIEW_MAX_DAYS)) {
    errors.push({ field: 'reviewDate', message: 'Review date must be within 2 years' })
    return undefined
  }
  return parsed.date
}

export function checkReason(raw: string | undefined, field: string, missing: string, errors: FieldError[]) {
  const reason = (raw ?? '').trim()
  if (reason === '') errors.push({ field, message: missing })
  else if (reason.length > REASON_MAX) {
    errors.push({ field, message: `Reason must be ${String(REASON_MAX)} characters or fewer` })
  }
  return reason
}

export interface NewFlagForm {
  flagType?: string
  reason?: string
  reviewDate: DateParts
  /** The intelligence entry the flag is based on (i12d): its reason is then the entry's, not typed. */
  intelligenceId?: string
}

/** Checks a new flag against the flag types that apply to its subject. */
export function parseNewFlag(
  form: NewFlagForm,
  typeCodes: readonly string[],
  today: string,
): { flagType: string; reason: string; reviewDate: string } {
  const errors: FieldError[] = []
  const flagType = (form.flagType ?? '').trim()
  if (!typeCodes.includes(flagType)) {
    errors.push({ field: 'flagType', message: 'Select the kind of flag, on its policy definition' })
  }
  const reason = checkReason(
    form.reason,
    'reason',
    'Enter the reason: what you know that meets the definition, and where it came from',
    errors,
  )
  const reviewDate = checkReviewDate(form.reviewDate, today, errors)
  if (errors.length > 0 || reviewDate === undefined) throw new ValidationError(errors)
  return { flagType, reason, reviewDate }
}
