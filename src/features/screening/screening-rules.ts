/**
 * The screening tool's suggestion (issue 5): from the ticked items of the CSE/CCE vulnerabilities and risk
 * indicators guide, a suggested risk level and the reasons that produced it. The practitioner then records their
 * own judgement and why: the tool suggests, it never decides. Points, bands and the young-child rule come from the
 * guide's reference data (migration 0010), never from this file.
 */
import type { Recency, ScreeningItemKind } from '../../db/schema.ts'

export interface GuideRules {
  vulnerabilityPoints: number
  moderatePoints: number
  significantRecentPoints: number
  significantOlderPoints: number
  youngChildAge: number
  youngChildFloor: string
}

export interface GuideItem {
  code: string
  kind: ScreeningItemKind
  label: string
}

export interface Level {
  code: string
  label: string
  /** The lowest total that suggests this level; null for a level only judgement gives. */
  minScore: number | null
  sortOrder: number
}

export interface Tick {
  itemCode: string
  recency: Recency
}

export interface ChildFacts {
  /** Whole years; null when neither date of birth nor an estimate is known. */
  ageYears: number | null
  learningDisability: boolean
}

export interface Suggestion {
  level: string
  score: number
  reasons: string[]
}

const RECENT: ReadonlySet<Recency> = new Set(['current', 'within-6-months'])

const RECENCY_WORDS: Readonly<Record<Recency, string>> = {
  current: 'current',
  'within-6-months': 'in the last 6 months',
  '6-to-12-months': '6 to 12 months ago',
  older: 'more than 12 months ago',
}

function pointsFor(rules: GuideRules, kind: ScreeningItemKind, recency: Recency): number {
  switch (kind) {
    case 'vulnerability':
      return rules.vulnerabilityPoints
    case 'moderate':
      return RECENT.has(recency) ? rules.moderatePoints : 0
    case 'significant':
      return RECENT.has(recency)
        ? rules.significantRecentPoints
        : recency === '6-to-12-months'
          ? rules.significantOlderPoints
          : 0
  }
}

const plural = (n: number, word: string, many = `${word}s`) => `${String(n)} ${n === 1 ? word : many}`

/**
 * The suggested level for these ticks. Unknown item codes are a programming error (the service validates the
 * form against the same guide first) and throw.
 */
export function suggestLevel(
  rules: GuideRules,
  items: readonly GuideItem[],
  levels: readonly Level[],
  ticks: readonly Tick[],
  child: ChildFacts,
): Suggestion {
  const byCode = new Map(items.map((item) => [item.code, item]))
  const scored = [...levels].filter((l) => l.minScore !== null).sort((a, b) => a.sortOrder - b.sortOrder)
  const lowest = scored[0]
  if (lowest === undefined) throw new Error('the risk scale has no scored level')

  const reasons: string[] = []
  let score = 0
  let vulnerabilities = 0
  let indicators = 0
  for (const tick of ticks) {
    const item = byCode.get(tick.itemCode)
    if (item === undefined) throw new Error(`not an item of this guide: ${tick.itemCode}`)
    const points = pointsFor(rules, item.kind, tick.recency)
    score += points
    if (item.kind === 'vulnerability') {
      vulnerabilities++
      continue
    }
    indicators++
    const kind = item.kind === 'significant' ? 'Significant indicator' : 'Indicator'
    reasons.push(`${kind} “${item.label}” (${RECENCY_WORDS[tick.recency]}): ${plural(points, 'point')}`)
  }
  if (vulnerabilities > 0) {
    reasons.unshift(
      `${plural(vulnerabilities, 'vulnerability', 'vulnerabilities')}: ${plural(vulnerabilities * rules.vulnerabilityPoints, 'point')}`,
    )
  }

  let level = lowest
  for (const candidate of scored) if (score >= (candidate.minScore ?? Infinity)) level = candidate
  const next = scored[scored.indexOf(level) + 1]
  const band =
    next === undefined
      ? `${String(level.minScore)} or more`
      : `${String(level.minScore)} to ${String((next.minScore ?? 0) - 1)}`
  reasons.push(
    ticks.length === 0
      ? 'Nothing ticked: a total of 0'
      : `Total ${plural(score, 'point')}: ${level.label} (${band})`,
  )

  // A child under the guide's age, or with a learning disability, showing any risk indicator is never suggested
  // below the floor (DOMAIN.md: never rated no or low).
  const young = child.ageYears !== null && child.ageYears < rules.youngChildAge
  if (indicators > 0 && (young || child.learningDisability)) {
    const floor = levels.find((l) => l.code === rules.youngChildFloor)
    if (floor !== undefined && floor.sortOrder > level.sortOrder) {
      level = floor
      const who = young
        ? `The child is ${String(child.ageYears)}: a child under ${String(rules.youngChildAge)}`
        : 'The child has a learning disability: a child with a learning disability'
      reasons.push(`${who} showing risk indicators is never suggested below ${floor.label}`)
    }
  }
  return { level: level.code, score, reasons }
}

export interface StreetTerm {
  code: string
  term: string
  meaning: string
  patterns: readonly string[]
  indicatorCodes: readonly string[]
}

export interface TermMatch {
  code: string
  /** Where the words were found in the text (for highlighting): start index and length. */
  start: number
  length: number
  text: string
}

const escapeForRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/**
 * The street terms found in `text`, each pattern matched case-insensitively on word boundaries, in the order they
 * appear; overlapping matches keep the longer (so "deal line" wins over "line"). Highlighting only: a match never
 * ticks an indicator by itself.
 */
export function findStreetTerms(text: string, terms: readonly StreetTerm[]): TermMatch[] {
  const found: TermMatch[] = []
  for (const term of terms) {
    for (const pattern of term.patterns) {
      const words = pattern.trim().split(/\s+/).map(escapeForRegExp).join('[\\s-]+')
      // eslint-disable-next-line security/detect-non-literal-regexp -- built from reference data, escaped above
      const re = new RegExp(`(?<![\\p{L}\\p{N}])${words}(?![\\p{L}\\p{N}])`, 'giu')
      for (const m of text.matchAll(re)) {
        found.push({ code: term.code, start: m.index, length: m[0].length, text: m[0] })
      }
    }
  }
  found.sort((a, b) => a.start - b.start || b.length - a.length)
  const kept: TermMatch[] = []
  for (const match of found) {
    const last = kept.at(-1)
    if (last !== undefined && match.start < last.start + last.length) continue
    kept.push(match)
  }
  return kept
}
