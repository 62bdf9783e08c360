import assert from 'node:assert/strict'
import { test } from 'node:test'
import { parseDate, realDate, realIsoDate } from './dates.ts'

test('realDate takes the days the calendar has, in the years allowed', () => {
  assert.equal(realDate(2012, 2, 29), '2012-02-29')
  assert.equal(realDate(2013, 2, 29), undefined)
  assert.equal(realDate(2020, 4, 31), undefined)
  assert.equal(realDate(2020, 13, 1), undefined)
  assert.equal(realDate(1899, 12, 31, 1900), undefined)
  assert.equal(realDate(1900, 1, 1, 1900), '1900-01-01')
  assert.equal(realDate(10000, 1, 1), undefined)
})

test('realIsoDate reads only YYYY-MM-DD', () => {
  assert.equal(realIsoDate('2011-03-09'), '2011-03-09')
  assert.equal(realIsoDate('2011-3-9'), undefined)
  assert.equal(realIsoDate('09/03/2011'), undefined)
  assert.equal(realIsoDate('0999-01-01', 1000), undefined)
})

test('parseDate reads either form and says what is wrong, starting with the label', () => {
  assert.deepEqual(parseDate(' 2011-03-09 ', 'Date', 1900), { date: '2011-03-09' })
  assert.deepEqual(parseDate({ day: '9', month: '3', year: '2011' }, 'Date', 1900), { date: '2011-03-09' })
  assert.deepEqual(parseDate('', 'Date', 1900), { date: null })
  assert.deepEqual(parseDate({}, 'Date', 1900), { date: null })
  assert.deepEqual(parseDate({ day: '1', year: '2011' }, 'Start date', 1900), {
    error: 'Start date must include a month',
  })
  assert.deepEqual(parseDate({ day: '1', month: '', year: '' }, 'Start date', 1900), {
    error: 'Start date must include a month and year',
  })
  assert.deepEqual(parseDate({ day: 'one', month: '3', year: '2011' }, 'Date', 1900), {
    error: 'Date must be a real date',
  })
  assert.deepEqual(parseDate({ day: '1', month: '1', year: '1899' }, 'Date', 1900), {
    error: 'Date must be a real date',
  })
  assert.deepEqual(parseDate({ day: '1', month: '1', year: '1899' }, 'Date', 1000), { date: '1899-01-01' })
  assert.deepEqual(parseDate('2013-02-29', 'Date', 1900), {
    error: 'Date must be a real date, written as YYYY-MM-DD',
  })
})
