import Holidays from 'date-holidays'

/**
 * Working days in England, for statutory and local deadlines (a front-door decision is due within one working day
 * of a referral's receipt). A working day is Monday to Friday except England's bank holidays, substitute days and
 * one-off holidays (from `date-holidays`, the ENG region of GB). Times are read on the clock in England
 * (Europe/London), so a deadline keeps its time of day across the change to and from summer time.
 */

const ZONE = 'Europe/London'
const holidays = new Holidays('GB', 'ENG', { types: ['public', 'bank'] })

const LONDON_PARTS = new Intl.DateTimeFormat('en-GB', {
  timeZone: ZONE,
  hourCycle: 'h23',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
})

interface WallTime {
  date: string // YYYY-MM-DD
  hour: number
  minute: number
  second: number
  millisecond: number
}

/** The date and time on the clock in England at `instant`. */
export function londonWallTime(instant: Date): WallTime {
  const parts = Object.fromEntries(LONDON_PARTS.formatToParts(instant).map((p) => [p.type, p.value]))
  return {
    date: `${parts.year ?? ''}-${parts.month ?? ''}-${parts.day ?? ''}`,
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    second: Number(parts.second),
    millisecond: instant.getUTCMilliseconds(),
  }
}

/** The instant at which the clock in England shows `wall` (in the hour skipped in March, the hour after). */
export function fromLondonWallTime(wall: WallTime): Date {
  const [y, m, d] = wall.date.split('-').map(Number) as [number, number, number]
  const asUtc = Date.UTC(y, m - 1, d, wall.hour, wall.minute, wall.second, wall.millisecond)
  // England is UTC+0 or UTC+1: try both offsets, take the one whose clock reading matches.
  for (const offsetHours of [1, 0]) {
    const candidate = new Date(asUtc - offsetHours * 3_600_000)
    const seen = londonWallTime(candidate)
    if (seen.date === wall.date && seen.hour === wall.hour && seen.minute === wall.minute) return candidate
  }
  return new Date(asUtc) // the skipped hour: 01:xx GMT is 02:xx BST
}

function nextDate(date: string): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number]
  return new Date(Date.UTC(y, m - 1, d + 1)).toISOString().slice(0, 10)
}

/** The bank holiday on `date` (YYYY-MM-DD) in England, if any: its name. */
export function bankHoliday(date: string): string | undefined {
  const found = holidays.isHoliday(new Date(`${date}T12:00:00Z`))
  return found === false ? undefined : found[0]?.name
}

export function isWorkingDay(date: string): boolean {
  const weekday = new Date(`${date}T12:00:00Z`).getUTCDay()
  return weekday !== 0 && weekday !== 6 && bankHoliday(date) === undefined
}

/** The first working day after `date`. */
export function nextWorkingDay(date: string): string {
  let day = nextDate(date)
  while (!isWorkingDay(day)) day = nextDate(day)
  return day
}

/**
 * When something received at `receivedAt` is due, `days` working days later: the same time on the clock on the
 * working day `days` on. Receipt on a weekend or bank holiday counts from the start (00:00) of the next working
 * day, so a referral sent on Saturday is due by the end of Monday, and one sent on a Friday at 16:00 by 16:00 on
 * Monday (Tuesday after a bank holiday Monday).
 */
export function addWorkingDays(receivedAt: Date, days: number): Date {
  if (!Number.isInteger(days) || days < 0) throw new RangeError('days must be a whole number, 0 or more')
  let wall = londonWallTime(receivedAt)
  if (!isWorkingDay(wall.date)) {
    wall = { date: nextWorkingDay(wall.date), hour: 0, minute: 0, second: 0, millisecond: 0 }
  }
  let date = wall.date
  for (let i = 0; i < days; i++) date = nextWorkingDay(date)
  return fromLondonWallTime({ ...wall, date })
}
