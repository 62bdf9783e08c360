/**
 * Fuzzy person search and duplicate candidate lookup on the demo seed (called by bench/people.ts after its child
 * record page rows; goals on the national seed: search p95 ≤ 150 ms, duplicate lookup p95 ≤ 20 ms).
 *
 * In process and sequential, one transaction per call, as a social worker of the demo exploitation team: each
 * call with the real access checks (the scope narrowing, the policy's decision on every row and an audit row
 * for every person shown) beside the same query without them (no scope, no policy, no audit). Queries are
 * names of people of the seed (most of them people the worker may not see) with one letter changed, and for
 * duplicates the same changed name with the person's date of birth, as "Add a person" would send them.
 */
import { fakerEN_GB as faker } from '@faker-js/faker'
import pg from 'pg'
import { withTransaction } from '../src/db/database.ts'
import { duplicateRepository } from '../src/features/duplicates/duplicate-repository.ts'
import { scoreDuplicate } from '../src/features/duplicates/duplicate-scoring.ts'
import { parseSearch } from '../src/features/search/search-input.ts'
import { searchRepository } from '../src/features/search/search-repository.ts'
import { actorOf } from '../src/platform/access/actor.ts'
import type { Runtime } from '../src/runtime.ts'
import { percentile } from './load.ts'

interface SearchBenchRow {
  name: string
  connections: number
  requestsPerSecond: number
  p50: number
  p95: number
  p97_5: number
  p99: number
  errors: number
}

interface Sample {
  givenName: string
  familyName: string
  dateOfBirth: string | null
}

const CTX = { requestId: 'bench-people-search', ip: '127.0.0.1' }

function row(name: string, samples: number[], errors: number): SearchBenchRow {
  const sorted = [...samples].sort((a, b) => a - b)
  const p50 = percentile(sorted, 0.5)
  return {
    name,
    connections: 1,
    requestsPerSecond: Math.round(1000 / Math.max(p50, 0.001)),
    p50: Number(p50.toFixed(2)),
    p95: Number(percentile(sorted, 0.95).toFixed(2)),
    p97_5: Number(percentile(sorted, 0.975).toFixed(2)),
    p99: Number(percentile(sorted, 0.99).toFixed(2)),
    errors,
  }
}

/** One letter of the name changed (a typo), keeping its length. */
function typo(name: string): string {
  if (name.length < 4) return name
  const i = faker.number.int({ min: 1, max: name.length - 2 })
  const letter = faker.string.alpha({ length: 1, casing: 'lower' })
  return name.slice(0, i) + letter + name.slice(i + 1)
}

/** Runs `fn` over the samples in turn for `seconds`; the latency of each call, and how many failed. */
async function timed(seconds: number, count: number, fn: (i: number) => Promise<unknown>) {
  const samples: number[] = []
  let errors = 0
  const until = performance.now() + seconds * 1000
  for (let i = 0; performance.now() < until || samples.length < 20; i++) {
    const start = performance.now()
    try {
      await fn(i % count)
    } catch {
      errors++
    }
    samples.push(performance.now() - start)
  }
  return { samples, errors }
}

export async function searchBenchRows(runtime: Runtime, seconds: number): Promise<SearchBenchRow[]> {
  const { database, services } = runtime
  faker.seed(4)
  const owner = new pg.Client({ connectionString: runtime.target.ownerUrl })
  await owner.connect()
  let samples: Sample[]
  let userId: string
  try {
    const { rows: teams } = await owner.query<{ id: string; agency_id: string; partnership_id: string }>(
      `SELECT t.id, t.agency_id, t.partnership_id FROM team t JOIN partnership p ON p.id = t.partnership_id
        WHERE p.code = 'northshire' AND t.name = 'Exploitation Team'`,
    )
    const team = teams[0]
    if (team === undefined) throw new Error('the demo exploitation team is missing')
    userId = await services.auth.createUser({
      partnershipId: team.partnership_id,
      agencyId: team.agency_id,
      teamId: team.id,
      email: `bench.search.${Date.now().toString(36)}@northshire.example`,
      displayName: 'Bench Searcher',
      password: 'bench passphrase for the search suite',
      roles: ['social-worker'],
    })
    const { rows } = await owner.query<{ given_name: string; family_name: string; dob: string | null }>(
      `SELECT given_name, coalesce(family_name, '') AS family_name, date_of_birth::text AS dob
         FROM person TABLESAMPLE SYSTEM (1)
        WHERE partnership_id = $1 AND merged_into_id IS NULL
        LIMIT 300`,
      [team.partnership_id],
    )
    samples = rows.map((r) => ({ givenName: r.given_name, familyName: r.family_name, dateOfBirth: r.dob }))
  } finally {
    await owner.end()
  }
  if (samples.length === 0) throw new Error('no people in the demo partnership to search for')
  const current = await services.auth.currentUser(userId)
  if (current === undefined) throw new Error('the bench user is missing')
  const actor = actorOf(current)
  const context = { actorId: actor.userId, partnershipId: actor.partnershipId }
  const names = samples.map((s) => `${typo(s.givenName)} ${s.familyName}`)
  const wouldBe = samples.map((s) => ({
    givenName: typo(s.givenName),
    familyName: s.familyName,
    dateOfBirth: s.dateOfBirth ?? '',
  }))
  const searches = searchRepository()
  const duplicates = duplicateRepository()

  const plainSearch = async (i: number) => {
    const parsed = parseSearch({ name: names[i] ?? '' })
    if ('errors' in parsed) throw new Error('bad sample')
    return withTransaction(database, context, (trx) =>
      searches.search(trx, {
        partnershipId: actor.partnershipId,
        actorId: actor.userId,
        criteria: parsed.ok.criteria,
        scope: null,
        after: null,
        limit: 20,
      }),
    )
  }
  const guardedSearch = (i: number) => services.search.search(actor, { name: names[i] ?? '' }, CTX)
  const plainDuplicates = async (i: number) => {
    const input = wouldBe[i]
    if (input === undefined) return []
    const subject = {
      givenName: input.givenName,
      familyName: input.familyName,
      dateOfBirth: input.dateOfBirth === '' ? null : input.dateOfBirth,
      nhsNumber: null,
      upn: null,
      laChildId: null,
      policeId: null,
    }
    return withTransaction(database, context, async (trx) => {
      const rows = await duplicates.candidates(trx, {
        ...subject,
        partnershipId: actor.partnershipId,
        actorId: actor.userId,
        personId: null,
        locationIds: [],
      })
      return rows.map((r) => scoreDuplicate(subject, r))
    })
  }
  const guardedDuplicates = (i: number) => services.duplicates.forNew(actor, wouldBe[i] ?? {}, CTX)

  // Warm-up: statements prepared, index pages cached; not measured.
  await timed(Math.min(3, seconds), samples.length, plainSearch)
  await timed(Math.min(3, seconds), samples.length, guardedDuplicates)

  const rows: SearchBenchRow[] = []
  const measure = async (name: string, fn: (i: number) => Promise<unknown>) => {
    const { samples: latencies, errors } = await timed(seconds, samples.length, fn)
    const result = row(name, latencies, errors)
    rows.push(result)
    return result
  }
  const s0 = await measure('fuzzy person search, same query without access checks', plainSearch)
  const s1 = await measure('fuzzy person search (scope + policy per row + audit per result)', guardedSearch)
  const d0 = await measure('duplicate candidates, same lookup without access checks', plainDuplicates)
  const d1 = await measure('duplicate candidates (policy per candidate + audit per shown)', guardedDuplicates)
  console.log(
    `fuzzy person search: p95 ${String(s1.p95)} ms (goal ≤ 150 ms), p50 ${String(s1.p50)} ms; without access ` +
      `checks p95 ${String(s0.p95)} ms, p50 ${String(s0.p50)} ms`,
  )
  console.log(
    `duplicate candidates: p95 ${String(d1.p95)} ms (goal ≤ 20 ms), p50 ${String(d1.p50)} ms; without access ` +
      `checks p95 ${String(d0.p95)} ms, p50 ${String(d0.p50)} ms`,
  )
  return rows
}
