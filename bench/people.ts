/**
 * Bench `people`: the child record page on the national-scale demo seed (`--scale county` for a quick run).
 *
 *   npm run bench -- people                 seeds ≈1M people, places and things and ≈5M links first (minutes)
 *   npm run bench -- people --scale county  ≈40k people
 *   OPENMACE_BENCH_DATA_DIR=/path           reuses (and keeps) a data folder already seeded at that scale
 *
 * GET /people/:id at 20 concurrent users (20 signed-in social workers of the team that holds the exploited
 * children, each request a different child) through the real route (policy facts, decide(), the audit row,
 * the page), beside a bench-only page that does the same record query and renders the same template without
 * the policy or the audit, and the child's chronology page. p95 is computed from every response's latency. Then
 * bench/people-search.ts's
 * `searchBenchRows` (fuzzy search and duplicate candidates) when that file exists.
 */
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { loadWithSessions, percentile, signInCookie, type LoadRow } from './load.ts'
import pg from 'pg'
import { buildApp } from '../src/app.ts'
import { loadConfig } from '../src/config.ts'
import { withTransaction } from '../src/db/database.ts'
import { actorOf } from '../src/platform/access/actor.ts'
import { SCALES, type Scale } from '../src/features/demo/demo-scale.ts'
import { personRepository } from '../src/features/people/person-repository.ts'
import { createLogger } from '../src/platform/logger.ts'
import { openRuntime, type Runtime } from '../src/runtime.ts'

export type PeopleRow = LoadRow

const USERS = 20
const PASSWORD = 'bench passphrase for the people suite'

async function analyse(ownerUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: ownerUrl })
  await client.connect()
  try {
    await client.query('ANALYZE')
  } finally {
    await client.end()
  }
}

/** A search/duplicates suite from the helper that owns them, when it exists (bench/people-search.ts). */
async function searchSuite(): Promise<
  ((runtime: Runtime, seconds: number) => Promise<Array<Record<string, unknown>>>) | undefined
> {
  const file = path.join(import.meta.dirname, 'people-search.ts')
  try {
    await fs.access(file)
  } catch {
    return undefined
  }
  // eslint-disable-next-line no-unsanitized/method -- a fixed file next to this one, never input
  const module = (await import(file)) as { searchBenchRows?: unknown }
  return typeof module.searchBenchRows === 'function'
    ? (module.searchBenchRows as (
        runtime: Runtime,
        seconds: number,
      ) => Promise<Array<Record<string, unknown>>>)
    : undefined
}

export async function people(seconds: number, options: { scale?: string } = {}): Promise<PeopleRow[]> {
  const scaleName = options.scale ?? 'national'
  if (!Object.hasOwn(SCALES, scaleName)) throw new Error('--scale takes county, region or national')
  const scale = scaleName as Scale
  const kept = process.env.OPENMACE_BENCH_DATA_DIR
  const dir = kept ?? (await fs.mkdtemp(path.join(os.tmpdir(), 'openmace-bench-')))
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    OPENMACE_DATA_DIR: dir,
    // The pool at its default size (10), as `npm start` runs: one connection per user (20) was slower, with
    // twenty backends contending for two cores.
  })
  const runtime = await openRuntime(config, createLogger('silent'))
  const { database, services: built } = runtime
  let lastShown = 0
  const seeded = await built.demo.seedScale(
    scale,
    (done, total, phase) => {
      if (performance.now() - lastShown < 15_000) return
      lastShown = performance.now()
      console.log(
        `  seeding: ${phase}, ${Math.round((100 * done) / total)}% (${String(Math.round(done))} rows)`,
      )
    },
    { ownerUrl: runtime.target.ownerUrl },
  )
  if (seeded.created && seeded.counts !== undefined) {
    const c = seeded.counts
    console.log(
      `seeded ${scale} in ${seeded.seconds.toFixed(1)} s: ${String(c.persons)} people, ${String(c.locations)} places, ` +
        `${String(c.objects)} things, ${String(c.links)} links, ${String(c.flags)} flags`,
    )
    await analyse(runtime.target.ownerUrl)
  } else {
    console.log(`reusing the seed in ${dir}: ${String(seeded.people)} people`)
  }

  const app = await buildApp({ config, services: built })
  // Bench only: the same record query and template as GET /people/:id, without the policy and the audit.
  const repository = personRepository()
  app.get<{ Params: { id: string } }>(
    '/bench-plain-person/:id',
    { config: { access: { capability: 'person:read' } } },
    async function benchPlainPerson(request, reply) {
      const user = request.user
      if (user === undefined) throw new Error('not signed in')
      const found = await withTransaction(
        database,
        { actorId: user.id, partnershipId: user.partnershipId },
        (trx) => repository.findWithFacts(trx, request.params.id, user.id),
      )
      if (found === undefined) return reply.code(404).send('not found')
      const p = found.person
      return reply.view('features/people/views/person.njk', {
        person: { ...p, id: p.id },
        breakGlassUntil: null,
        canSeeViews: true,
      })
    },
  )

  try {
    // The demo partnership's exploitation team, its allocated children, and 20 bench social workers in it.
    const owner = new pg.Client({ connectionString: runtime.target.ownerUrl })
    await owner.connect()
    let children: string[]
    const cookies: string[] = []
    const userIds: string[] = []
    try {
      const { rows: teams } = await owner.query<{ id: string; agency_id: string; partnership_id: string }>(
        `SELECT t.id, t.agency_id, t.partnership_id FROM team t JOIN partnership p ON p.id = t.partnership_id
          WHERE p.code = 'northshire' AND t.name = 'Exploitation Team'`,
      )
      const team = teams[0]
      if (team === undefined) throw new Error('the demo exploitation team is missing')
      const { rows } = await owner.query<{ id: string }>(
        'SELECT id FROM person WHERE allocated_team_id = $1 AND merged_into_id IS NULL',
        [team.id],
      )
      children = rows.map((r) => r.id)
      const run = Date.now().toString(36)
      for (let i = 0; i < USERS; i++) {
        const email = `bench.worker.${run}.${String(i)}@northshire.example`
        const userId = await built.auth.createUser({
          partnershipId: team.partnership_id,
          agencyId: team.agency_id,
          teamId: team.id,
          email,
          displayName: `Bench Worker ${String(i + 1)}`,
          password: PASSWORD,
          roles: ['social-worker'],
        })
        userIds.push(userId)
        // Signed in through the app (a loopback address per user keeps the sign-in rate limit out of the way).
        cookies.push(await signInCookie(app, email, PASSWORD, `127.2.0.${String(i + 1)}`))
      }
    } finally {
      await owner.end()
    }
    console.log(`${String(children.length)} children allocated to the team; ${String(USERS)} users signed in`)

    await app.listen({ host: '127.0.0.1', port: 0 })
    const { port } = app.server.address() as { port: number }
    let pick = 0
    const nextChild = () => children[pick++ % children.length] ?? ''
    const over = (
      prefix: string,
      name: string,
      { duration = seconds, suffix = '' } = {},
    ): Promise<PeopleRow> =>
      loadWithSessions({
        name,
        url: `http://127.0.0.1:${String(port)}`,
        cookies,
        connections: USERS,
        duration,
        paths: children.map((child) => `${prefix}/${child}${suffix}`),
      })
    // Warm-up (templates compiled, statements prepared, caches filled), not measured.
    await over('/bench-plain-person', 'warm-up', { duration: 3 })
    await over('/people', 'warm-up', { duration: 3 })
    const plain = await over('/bench-plain-person', 'child page, same query + template, no policy or audit')
    const guarded = await over('/people', 'GET /people/:id (policy facts + decide + audit + page)')
    const chronology = await over('/people', 'GET /people/:id/chronology (policy + audit + timeline)', {
      suffix: '/chronology',
    })
    const rows = [plain, guarded, chronology]
    console.log(
      `child record page at ${String(USERS)} users: p95 ${String(guarded.p95)} ms (goal ≤ 100 ms), p50 ` +
        `${String(guarded.p50)} ms; without access checks p95 ${String(plain.p95)} ms, p50 ${String(plain.p50)} ms ` +
        `(p50 ratio ${(guarded.p50 / Math.max(plain.p50, 0.01)).toFixed(2)}x)`,
    )

    // Where a record page's time goes, in process and sequential (one transaction each, as the route does them).
    const current = await built.auth.currentUser(userIds[0] ?? '')
    if (current === undefined) throw new Error('bench user missing')
    const actor = actorOf(current)
    const ctx = { requestId: 'bench-people', ip: '127.0.0.1' }
    const inProcess = async (name: string, fn: (child: string) => Promise<unknown>): Promise<PeopleRow> => {
      for (let i = 0; i < 20; i++) await fn(nextChild())
      const samples: number[] = []
      const end = performance.now() + seconds * 500
      while (performance.now() < end) {
        const child = nextChild()
        const started = performance.now()
        await fn(child)
        samples.push(performance.now() - started)
      }
      const sorted = samples.sort((a, b) => a - b)
      return {
        name,
        connections: 1,
        requestsPerSecond: Math.round(1000 / Math.max(percentile(sorted, 0.5), 0.001)),
        p50: Number(percentile(sorted, 0.5).toFixed(2)),
        p95: Number(percentile(sorted, 0.95).toFixed(2)),
        p97_5: Number(percentile(sorted, 0.975).toFixed(2)),
        p99: Number(percentile(sorted, 0.99).toFixed(2)),
        errors: 0,
      }
    }
    rows.push(
      await inProcess('in process: record query only (no policy, no audit)', (child) =>
        withTransaction(database, { actorId: actor.userId, partnershipId: actor.partnershipId }, (trx) =>
          repository.findWithFacts(trx, child, actor.userId),
        ),
      ),
      await inProcess('in process: people.read (facts + decide + audit)', (child) =>
        built.people.read(actor, child, ctx),
      ),
      await inProcess('in process: links.forPerson (the record page’s links)', (child) =>
        built.links.forPerson(actor, child, ctx),
      ),
      await inProcess('in process: chronology.read', (child) =>
        built.chronology.read(actor, child, { types: [], agencyIds: [] }, ctx),
      ),
    )

    const search = await searchSuite()
    if (search === undefined) {
      console.log(
        'bench/people-search.ts (searchBenchRows) is not there: fuzzy search and duplicates not measured',
      )
    } else {
      for (const extra of await search(runtime, seconds)) rows.push(extra as unknown as PeopleRow)
    }
    return rows
  } finally {
    await app.close()
    await runtime.close()
    if (kept === undefined) await fs.rm(dir, { recursive: true, force: true })
  }
}
