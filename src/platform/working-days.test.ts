import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import {
  addWorkingDays,
  bankHoliday,
  fromLondonWallTime,
  isWorkingDay,
  londonWallTime,
  nextWorkingDay,
} from './working-days.ts'

describe('working days in England', () => {
  it('knows weekends, bank holidays and substitute days', () => {
    assert.equal(isWorkingDay('2026-11-30'), true) // a Monday
    assert.equal(isWorkingDay('2026-11-28'), false) // Saturday
    assert.equal(isWorkingDay('2026-11-29'), false) // Sunday
    assert.equal(bankHoliday('2026-12-25'), 'Christmas Day')
    assert.equal(isWorkingDay('2026-12-28'), false) // Boxing Day falls on a Saturday: substitute on Monday
    assert.equal(isWorkingDay('2027-12-27'), false) // both Christmas days at a weekend in 2027
    assert.equal(isWorkingDay('2027-12-28'), false)
    assert.equal(isWorkingDay('2026-04-06'), false) // Easter Monday
    assert.equal(isWorkingDay('2022-09-19'), false) // a one-off bank holiday
    assert.equal(nextWorkingDay('2026-12-24'), '2026-12-29')
  })

  it('is due the same time on the next working day', () => {
    // From → due, one working day later.
    for (const [from, due] of <Array<[string, string]>>[
      // Monday 10:15 GMT → Tuesday 10:15
      ['2026-11-30T10:15:00Z', '2026-12-01T10:15:00.000Z'],
      // Friday 16:00 → Monday 16:00
      ['2026-12-04T16:00:00Z', '2026-12-07T16:00:00.000Z'],
      // Thursday 24 December 11:00 → Tuesday 29 December 11:00 (Christmas, Boxing Day substitute, weekend)
      ['2026-12-24T11:00:00Z', '2026-12-29T11:00:00.000Z'],
      // Thursday before Easter, 09:30 BST → Tuesday after Easter Monday 09:30 BST
      ['2026-04-02T08:30:00Z', '2026-04-07T08:30:00.000Z'],
    ]) {
      assert.equal(addWorkingDays(new Date(from), 1).toISOString(), due, from)
    }
  })

  it('counts a receipt at the weekend from the start of the next working day', () => {
    // Saturday afternoon → due by the end of Monday (00:00 on Tuesday)
    assert.equal(
      addWorkingDays(new Date('2026-11-28T14:00:00Z'), 1).toISOString(),
      '2026-12-01T00:00:00.000Z',
    )
  })

  it('keeps the time on the clock across the change to summer time', () => {
    // From → due, one working day later.
    for (const [from, due] of <Array<[string, string]>>[
      // Friday 27 March 2026 09:00 GMT → Monday 30 March 09:00 BST (08:00 UTC)
      ['2026-03-27T09:00:00Z', '2026-03-30T08:00:00.000Z'],
      // Friday 23 October 2026 09:00 BST → Monday 26 October 09:00 GMT
      ['2026-10-23T08:00:00Z', '2026-10-26T09:00:00.000Z'],
    ]) {
      assert.equal(addWorkingDays(new Date(from), 1).toISOString(), due, from)
    }
  })

  it('refuses a negative or fractional number of days', () => {
    assert.throws(() => addWorkingDays(new Date(), -1), RangeError)
    assert.throws(() => addWorkingDays(new Date(), 1.5), RangeError)
  })

  it('property: the deadline is later, on a working day, and within a fortnight for one day', () => {
    fc.assert(
      fc.property(
        fc.date({
          min: new Date('2020-01-01T00:00:00Z'),
          max: new Date('2030-12-31T00:00:00Z'),
          noInvalidDate: true,
        }),
        (received) => {
          const due = addWorkingDays(received, 1)
          assert.ok(due > received)
          // Due on a working day, or at midnight at the end of one (a receipt at the weekend).
          const dueWall = londonWallTime(due)
          const midnight = dueWall.hour === 0 && dueWall.minute === 0 && dueWall.second === 0
          assert.ok(
            isWorkingDay(dueWall.date) ||
              (midnight && isWorkingDay(londonWallTime(new Date(due.getTime() - 1)).date)),
          )
          assert.ok(due.getTime() - received.getTime() <= 14 * 86_400_000)
          // The wall-clock conversion round-trips (as a clock reading: 01:30 happens twice in October).
          const wall = londonWallTime(received)
          assert.deepEqual(londonWallTime(fromLondonWallTime(wall)), wall)
        },
      ),
      { numRuns: 300 },
    )
  })
})
