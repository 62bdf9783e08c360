/** Dates and times as GOV.UK pages show them, in England's time zone. */

const DATE_TIME = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/London',
  day: 'numeric',
  month: 'long',
  year: 'numeric',
  hour: 'numeric',
  minute: '2-digit',
  hour12: true,
})

const DATE = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'UTC',
  day: 'numeric',
  month: 'long',
  year: 'numeric',
})

/** "28 November 2026 at 3:05pm" */
export function dateTime(value: Date | string | null | undefined): string {
  if (value === null || value === undefined) return ''
  const date = value instanceof Date ? value : new Date(value)
  if (Number.isNaN(date.getTime())) return ''
  const parts = Object.fromEntries(DATE_TIME.formatToParts(date).map((p) => [p.type, p.value]))
  const dayPeriod = (parts.dayPeriod ?? '').toLowerCase().replace(/\s/g, '')
  return `${parts.day ?? ''} ${parts.month ?? ''} ${parts.year ?? ''} at ${parts.hour ?? ''}:${parts.minute ?? ''}${dayPeriod}`
}

/** A calendar date 'YYYY-MM-DD' as "15 June 2010". */
export function calendarDate(value: string | null | undefined): string {
  if (value === null || value === undefined || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return ''
  return DATE.format(new Date(`${value}T00:00:00Z`))
}

export const format = { dateTime, calendarDate }
