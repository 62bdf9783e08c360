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
