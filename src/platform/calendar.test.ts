import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ageInYears, todayInLondon } from './calendar.ts'

describe('ageInYears', () => {
  it('counts whole years, turning on the birthday', () => {
    assert.equal(ageInYears('2010-06-15', '2026-06-14'), 15)
    assert.equal(ageInYears('2010-06-15', '2026-06-15'), 16)
    assert.equal(ageInYears('2010-06-15', '2026-12-31'), 16)
  })

  it('a 29 February birthday counts on 1 March in other years', () => {
    assert.equal(ageInYears('2008-02-29', '2026-02-28'), 17)
    assert.equal(ageInYears('2008-02-29', '2026-03-01'), 18)
    assert.equal(ageInYears('2008-02-29', '2028-02-29'), 20)
  })

  it('refuses something that is not a date', () => {
    assert.throws(() => ageInYears('15/06/2010', '2026-01-01'), RangeError)
  })
})

describe('todayInLondon', () => {
  it('uses the date in England, not UTC (British Summer Time)', () => {
    // 23:30 UTC on 30 June is 00:30 on 1 July in London.
    assert.equal(todayInLondon(new Date('2026-06-30T23:30:00Z')), '2026-07-01')
    assert.equal(todayInLondon(new Date('2026-12-31T23:30:00Z')), '2026-12-31')
  })
})
