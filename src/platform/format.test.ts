import assert from 'node:assert/strict'
import { it } from 'node:test'
import { calendarDate, dateTime } from './format.ts'

it('shows times in England, with am/pm as GOV.UK style has it', () => {
  assert.equal(dateTime(new Date('2026-07-01T14:05:00Z')), '1 July 2026 at 3:05pm') // British Summer Time
  assert.equal(dateTime(new Date('2026-12-01T09:30:00Z')), '1 December 2026 at 9:30am')
  assert.equal(dateTime(null), '')
})

it('shows a calendar date without shifting it by a time zone', () => {
  assert.equal(calendarDate('2010-06-15'), '15 June 2010')
  assert.equal(calendarDate('not a date'), '')
})

it('formats each minute on its own, also when asked again (cached) and across the clocks going forward', () => {
  for (let round = 0; round < 2; round++) {
    assert.equal(dateTime('2026-03-29T00:59:59Z'), '29 March 2026 at 12:59am')
    assert.equal(dateTime('2026-03-29T01:00:00Z'), '29 March 2026 at 2:00am')
    assert.equal(dateTime(new Date('2026-03-29T01:00:59.999Z')), '29 March 2026 at 2:00am')
    // Before the epoch, and in British Standard Time (UTC+1 all year, 1968–71)
    assert.equal(dateTime('1969-12-31T23:59:30Z'), '1 January 1970 at 12:59am')
  }
})
