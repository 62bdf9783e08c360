/**
 * How alike two person records are, as a score from 0 to 100 with the reasons that make it up. The score only
 * orders the list and hides weak matches: a person decides whether two records are the same child (Principle 1,
 * professional judgement, not a score), so every point is explained on the page.
 */

export interface DuplicateSubject {
  givenName: string
  familyName: string | null
  dateOfBirth: string | null
  nhsNumber: string | null
  upn: string | null
  laChildId: string | null
  policeId: string | null
}

/** What the database measured about one candidate against the subject. */
export interface CandidateMeasures extends DuplicateSubject {
  /** pg_trgm similarity of the full names, 0..1. */
  nameSimilarity: number
  /** Best similarity between a name and an alias of the other record, 0..1. */
  aliasSimilarity: number
  /** Double metaphone keys of the family and given names agree. */
  familySoundsAlike: boolean
  givenSoundsAlike: boolean
  /** Both have a current "lives at" link to the same location. */
  sharesAddress: boolean
}

export interface DuplicateScore {
  score: number
  reasons: string[]
}

/**
 * Below this a candidate is not shown: at national scale dozens share a date of birth and hundreds a name, so
 * one of those alone is not enough; together, or with an identifier, alias or home, they are.
 */
export const DUPLICATE_THRESHOLD = 40

const SAME = (a: string | null, b: string | null) => a !== null && b !== null && a === b
const DIFFERENT = (a: string | null, b: string | null) => a !== null && b !== null && a !== b

/** The same day and month the other way round (12/03 for 03/12), a common keying slip. */
export function transposedDate(date: string): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date)
  if (m === null) return null
  const [, y, mo, d] = m as unknown as [string, string, string, string]
  if (mo === d || Number(d) > 12) return null
  return `${y}-${d}-${mo}`
}

const fullName = (p: DuplicateSubject) =>
  `${p.givenName} ${p.familyName ?? ''}`.toLowerCase().replace(/\s+/g, ' ').trim()

export function scoreDuplicate(subject: DuplicateSubject, candidate: CandidateMeasures): DuplicateScore {
  const reasons: string[] = []
  let score = 0
  const add = (points: number, reason: string) => {
    score += points
    reasons.push(reason)
  }

  if (SAME(subject.nhsNumber, candidate.nhsNumber)) add(60, 'Same NHS number')
  if (SAME(subject.upn, candidate.upn)) add(50, 'Same unique pupil number')
  if (SAME(subject.laChildId, candidate.laChildId)) add(50, 'Same local authority ID')
  if (SAME(subject.policeId, candidate.policeId)) add(40, 'Same police ID')
  if (DIFFERENT(subject.nhsNumber, candidate.nhsNumber)) add(-40, 'Different NHS numbers')

  // The strongest name signal counts, not their sum: one name can be similar, sound alike and be an alias.
  const exact = fullName(subject) === fullName(candidate)
  const names: Array<[number, string]> = []
  if (exact) names.push([35, 'Same name'])
  else if (candidate.nameSimilarity >= 0.5) {
    names.push([
      Math.round(30 * candidate.nameSimilarity),
      `Similar name (${String(Math.round(candidate.nameSimilarity * 100))}% alike)`,
    ])
  }
  if (!exact && candidate.familySoundsAlike && candidate.givenSoundsAlike) {
    names.push([20, 'Names sound alike'])
  }
  if (candidate.aliasSimilarity >= 0.5) {
    names.push([
      Math.round(25 * candidate.aliasSimilarity),
      candidate.aliasSimilarity >= 0.99 ? 'Name matches an alias' : 'Name is like an alias',
    ])
  }
  const bestName = names.sort((a, b) => b[0] - a[0])[0]
  if (bestName !== undefined) add(bestName[0], bestName[1])

  const a = subject.dateOfBirth
  const b = candidate.dateOfBirth
  if (a !== null && b !== null) {
    if (a === b) add(30, 'Same date of birth')
    else if (transposedDate(a) === b) add(20, 'Date of birth with the day and month swapped')
    else if (a.slice(0, 4) === b.slice(0, 4)) add(5, 'Born in the same year')
  }
  if (candidate.sharesAddress) add(20, 'Lives at the same address')

  return { score: Math.max(0, Math.min(100, score)), reasons }
}
