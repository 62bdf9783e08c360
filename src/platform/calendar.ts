/** Ages and dates as people in England mean them: calendar dates in Europe/London, whole years. */

const LONDON_DATE = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'Europe/London',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
})

/** Today's date in England as YYYY-MM-DD. */
export function todayInLondon(now: Date = new Date()): string {
  return LONDON_DATE.format(now)
}

function parts(date: string): [number, number, number] {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date)
  if (match === null) throw new RangeError(`not a YYYY-MM-DD date: ${date}`)
  return [Number(match[1]), Number(match[2]), Number(match[3])]
}

/**
 * Whole years from `from` to `on` (a birthday on 29 February counts on 1 March in other years, as UK law has it
 * for coming of age). Negative when `on` is before `from`.
 */
export function ageInYears(from: string, on: string): number {
  const [fy, fm, fd] = parts(from)
  const [oy, om, od] = parts(on)
  let years = oy - fy
  const leapling = fm === 2 && fd === 29
  const isLeap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0
  const [bm, bd] = leapling && !isLeap(oy) ? [3, 1] : [fm, fd]
  if (om < bm || (om === bm && od < bd)) years -= 1
  return years
}
