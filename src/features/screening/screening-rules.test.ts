import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { createTestDatabase } from '../../../test/helpers/database.ts'
import { screeningRepository, type Guide } from './screening-repository.ts'
import { findStreetTerms, suggestLevel, type ChildFacts, type Tick } from './screening-rules.ts'

const RECENCIES = ['current', 'within-6-months', '6-to-12-months', 'older'] as const
const adult15 = { ageYears: 15, learningDisability: false }

describe('screening: the suggested level from the seeded guide', () => {
  let guide: Omit<Guide, 'streetTerms'>
  const suggest = (ticks: Tick[], child: ChildFacts = adult15) =>
    suggestLevel(guide.rules, guide.items, guide.levels, ticks, child)

  it('loads the current guide with its items and the five-level scale (street terms: the partnership’s)', async (t) => {
    const { database } = await createTestDatabase(t)
    guide = await screeningRepository().guide(database.db)
    assert.equal(guide.version, 1)
    assert.deepEqual(
      guide.levels.map((l) => l.code),
      ['none', 'low', 'medium', 'high', 'severe'],
    )
    assert.ok(guide.items.some((i) => i.code === 'missing-out-of-area' && i.kind === 'significant'))
    assert.ok(guide.items.filter((i) => i.kind === 'vulnerability').length >= 9)
  })

  it('nothing ticked suggests no significant risk, and says so', () => {
    const s = suggest([])
    assert.equal(s.level, 'none')
    assert.equal(s.score, 0)
    assert.match(s.reasons.join(' '), /Nothing ticked/)
  })

  it('scores vulnerabilities, recent and older indicators in the SERAF shape, and gives the band', () => {
    const s = suggest([
      { itemCode: 'prior-abuse', recency: 'older' }, // 1
      { itemCode: 'in-care', recency: 'current' }, // 1
      { itemCode: 'unexplained-money', recency: 'current' }, // 1
      { itemCode: 'school-decline', recency: 'older' }, // 0
      { itemCode: 'missing-out-of-area', recency: 'within-6-months' }, // 5
      { itemCode: 'carrying-weapons', recency: '6-to-12-months' }, // 1
    ])
    assert.equal(s.score, 9)
    assert.equal(s.level, 'low')
    assert.match(s.reasons[0] ?? '', /^2 vulnerabilities: 2 points$/)
    assert.ok(
      s.reasons.includes(
        'Significant indicator “Persistently going missing from school or home, or found out of area” (in the last 6 months): 5 points',
      ),
    )
    assert.match(s.reasons.at(-1) ?? '', /Total 9 points: Low \(emerging\) \(6 to 10\)/)
  })

  it('reaches high at 16 and never suggests severe, which only judgement gives', () => {
    const s = suggest(
      ['missing-out-of-area', 'controlling-relationships', 'assault-injuries', 'carrying-weapons'].map(
        (code) => ({
          itemCode: code,
          recency: 'current' as const,
        }),
      ),
    )
    assert.equal(s.score, 20)
    assert.equal(s.level, 'high')
    assert.match(s.reasons.at(-1) ?? '', /16 or more/)
  })

  it('a child under 13 or with a learning disability showing indicators is never suggested as no or low risk', () => {
    const ticks: Tick[] = [{ itemCode: 'unexplained-money', recency: 'current' }]
    assert.equal(suggest(ticks).level, 'none')
    const young = suggest(ticks, { ageYears: 12, learningDisability: false })
    assert.equal(young.level, 'medium')
    assert.match(young.reasons.at(-1) ?? '', /The child is 12: a child under 13 showing risk indicators/)
    const disabled = suggest(ticks, { ageYears: 16, learningDisability: true })
    assert.equal(disabled.level, 'medium')
    assert.match(disabled.reasons.at(-1) ?? '', /learning disability/)
    // Vulnerabilities alone are not indicators of exploitation: no floor.
    assert.equal(
      suggest([{ itemCode: 'in-care', recency: 'current' }], { ageYears: 10, learningDisability: false })
        .level,
      'none',
    )
  })

  it('an item not in the guide is refused', () => {
    assert.throws(() => suggest([{ itemCode: 'made-up', recency: 'current' }]), /not an item of this guide/)
  })

  it('property: ticking one more item, or making one more recent, never lowers the suggestion', () => {
    const order = new Map(guide.levels.map((l) => [l.code, l.sortOrder]))
    const codes = guide.items.map((i) => i.code)
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.constantFrom(...codes), { maxLength: codes.length }),
        fc.array(fc.constantFrom(...RECENCIES), { minLength: codes.length, maxLength: codes.length }),
        fc.option(fc.integer({ min: 8, max: 19 }), { nil: null }),
        fc.boolean(),
        (chosen, recencies, ageYears, learningDisability) => {
          const child = { ageYears, learningDisability }
          const ticks = chosen.map((itemCode, i) => ({ itemCode, recency: recencies[i] ?? 'older' }))
          const base = suggest(ticks.slice(0, -1), child)
          const more = suggest(ticks, child)
          assert.ok((order.get(more.level) ?? 0) >= (order.get(base.level) ?? 0))
          assert.ok(more.score >= base.score)
          const fresher = suggest(
            ticks.map((tick) => ({ ...tick, recency: 'current' as const })),
            child,
          )
          assert.ok(fresher.score >= more.score)
        },
      ),
      { numRuns: 300 },
    )
  })
})

describe('screening: street terms in a concern', () => {
  const terms = [
    {
      code: 'line',
      term: 'Line',
      meaning: 'A deal line',
      patterns: ['deal line', 'the line'],
      indicatorCodes: [],
    },
    {
      code: 'cuckooing',
      term: 'Cuckooing',
      meaning: '…',
      patterns: ['cuckooing', 'cuckooed'],
      indicatorCodes: [],
    },
    { code: 'tool', term: 'Tool', meaning: '…', patterns: ['tooled up', 'tool'], indicatorCodes: [] },
  ]

  it('finds terms on word boundaries, whatever the case, with where they are', () => {
    const text = 'He said his flat got Cuckooed and he was TOOLED UP, running the deal-line.'
    const found = findStreetTerms(text, terms)
    assert.deepEqual(
      found.map((m) => [m.code, m.text]),
      [
        ['cuckooing', 'Cuckooed'],
        ['tool', 'TOOLED UP'],
        ['line', 'deal-line'],
      ],
    )
    const first = found[0]
    assert.ok(first)
    assert.equal(text.slice(first.start, first.start + first.length), 'Cuckooed')
  })

  it('does not match inside other words', () => {
    assert.deepEqual(findStreetTerms('The toolbox and the lines at school', terms), [])
  })

  it('keeps the longer of two overlapping matches', () => {
    const both = [
      ...terms,
      { code: 'line-short', term: 'Line', meaning: '…', patterns: ['line'], indicatorCodes: [] },
    ]
    assert.deepEqual(
      findStreetTerms('a deal line', both).map((m) => m.code),
      ['line'],
    )
  })
})
