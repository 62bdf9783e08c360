/** Dates and times as GOV.UK pages show them, in England's time zone. */

const DATE_TIME = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/London',
  day: 'numeric',
  month: 'long',
  year: 'numeric',
  hour: 'numeric',
  minute: '2-digit',
  hourCycle: 'h12', // 12:59am, not 0:59am (en-GB's default with hour12 is h11)
})

const DATE = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'UTC',
  day: 'numeric',
  month: 'long',
  year: 'numeric',
})

// formatToParts is slow (a queue page formats a hundred times), and the same minutes come round on every request
// for a list: recent results are kept, keyed by the minute, in a bounded map dropped whole when it fills.
const MINUTE_MS = 60_000
const MAX_CACHED = 5000
const dateTimeCache = new Map<number, string>()

/** "28 November 2026 at 3:05pm" */
export function dateTime(value: Date | string | null | undefined): string {
  if (value === null || value === undefined) return ''
  const date = value instanceof Date ? value : new Date(value)
  const time = date.getTime()
  if (Number.isNaN(time)) return ''
  const minute = Math.floor(time / MINUTE_MS)
  const cached = dateTimeCache.get(minute)
  if (cached !== undefined) return cached
  const parts = Object.fromEntries(DATE_TIME.formatToParts(date).map((p) => [p.type, p.value]))
  const dayPeriod = (parts.dayPeriod ?? '').toLowerCase().replace(/\s/g, '')
  const text = `${parts.day ?? ''} ${parts.month ?? ''} ${parts.year ?? ''} at ${parts.hour ?? ''}:${parts.minute ?? ''}${dayPeriod}`
  if (dateTimeCache.size >= MAX_CACHED) dateTimeCache.clear()
  dateTimeCache.set(minute, text)
  return text
}

/** A calendar date 'YYYY-MM-DD' as "15 June 2010". */
export function calendarDate(value: string | null | undefined): string {
  if (value === null || value === undefined || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return ''
  return DATE.format(new Date(`${value}T00:00:00Z`))
}

export const format = { dateTime, calendarDate }
