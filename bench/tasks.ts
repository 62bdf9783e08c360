/**
 * Bench `tasks` (issue 13): "my tasks" with 50,000 open tasks in the demo partnership (1,000 of them, 50 each, for
 * twenty social workers of one team, about children allocated to it; the rest for another team), as a ratio to
 * the bare task query (the repository's SELECT alone, in a transaction with row-level security on). Rounds run
 * A/B/A/B (the service's list: subjects loaded, the policy per task, the audit rows; then the bare query), one
 * caller in process; p95 and CPU per call of each round, and the ratio of the medians. Goal: ≤ 1.5×. Then the page
 * over HTTP at twenty signed-in users, with the server's CPU per response.
 *
 *   npm run bench -- tasks
 */
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import pg from 'pg'
import { buildApp } from '../src/app.ts'
import { loadConfig } from '../src/config.ts'
import { withTransaction } from '../src/db/database.ts'
import { taskRepository } from '../src/features/tasks/task-repository.ts'
import { rlsContextOf } from '../src/platform/access/actor.ts'
import type { Actor } from '../src/platform/access/policy.ts'
import { createLogger } from '../src/platform/logger.ts'
import { openRuntime } from '../src/runtime.ts'
import { loadWithSessions, percentile, signInCookie, type LoadRow } from './load.ts'

const USERS = 20
const MINE = 50
const TOTAL = 50_000
const ROUNDS = 4
const PASSWORD = 'bench passphrase for the tasks suite'

/** `fn` called for `seconds` (after a warm-up): each call's time, and the process's CPU time per call. */
async function timed(
  seconds: number,
  fn: () => Promise<unknown>,
): Promise<{ samples: number[]; cpuMs: number }> {
  for (let i = 0; i < 20; i++) await fn()
  const samples: number[] = []
  const cpu = process.cpuUsage()
  const end = performance.now() + seconds * 1000
  while (performance.now() < end) {
    const start = performance.now()
    await fn()
    samples.push(performance.now() - start)
  }
  const used = process.cpuUsage(cpu)
  return { samples, cpuMs: (used.user + used.system) / 1000 / samples.length }
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN
}

function row(name: string, run: { samples: number[]; cpuMs: number }): LoadRow {
  const sorted = [...run.samples].sort((a, b) => a - b)
  const at = (p: number) => Number(percentile(sorted, p).toFixed(2))
  return {
    name,
    connections: 1,
    requestsPerSecond: Math.round(1000 / median(run.samples)),
    p50: at(0.5),
    p95: at(0.95),
    p97_5: at(0.975),
    p99: at(0.99),
    errors: 0,
    cpuMsPerRequest: Number(run.cpuMs.toFixed(3)),
  }
}

/** The bench team, its twenty social workers and their children and tasks, as the owner in a few statements. */
async function seedTasks(ownerUrl: string, app: Awaited<ReturnType<typeof openRuntime>>) {
  const client = new pg.Client({ connectionString: ownerUrl })
  await client.connect()
  try {
    const { rows } = await client.query<{ partnership_id: string; agency_id: string; id: string }>(
      `SELECT t.partnership_id, t.agency_id, t.id FROM team t JOIN partnership p ON p.id = t.partnership_id
        WHERE p.code = 'northshire' ORDER BY t.name LIMIT 1`,
    )
    const other = rows[0]
    if (other === undefined) throw new Error('the demo partnership has no team')
    const { rows: made } = await client.query<{ id: string }>(
      `INSERT INTO team (partnership_id, agency_id, name) VALUES ($1, $2, 'Bench tasks team') RETURNING id`,
      [other.partnership_id, other.agency_id],
    )
    const teamId = made[0]?.id ?? ''
    const users: Array<{ id: string; email: string }> = []
    const run = Date.now().toString(36)
    for (let i = 0; i < USERS; i++) {
      const email = `bench.tasks.${run}.${String(i)}@northshire.example`
      const id = await app.services.auth.createUser({
        partnershipId: other.partnership_id,
        agencyId: other.agency_id,
        teamId,
        email,
        displayName: `Bench Worker ${String(i + 1)}`,
        password: PASSWORD,
        roles: ['social-worker'],
      })
      users.push({ id, email })
    }
    const started = performance.now()
    await client.query('BEGIN')
    await client.query(
      `CREATE TEMP TABLE bench_child ON COMMIT DROP AS
       SELECT gen_random_uuid() AS id, g AS n FROM generate_series(1, $1) g`,
      [USERS * MINE],
    )
    await client.query(
      `INSERT INTO person (id, partnership_id, kind, given_name, family_name, date_of_birth, allocated_team_id,
                           allocated_worker_id, is_demo, updated_at)
       SELECT c.id, $1, 'child', (ARRAY['Alex','Sam','Jordan','Riley','Casey','Morgan'])[1 + c.n % 6],
              'Bench' || c.n, date '2010-01-01' + (c.n % 2500), $2, ($3::uuid[])[1 + c.n % $4], true, now()
         FROM bench_child c`,
      [other.partnership_id, teamId, users.map((u) => u.id), USERS],
    )
    // Each worker's fifty tasks, about their own children: due from ten days ago to forty days ahead.
    await client.query(
      `INSERT INTO task (partnership_id, kind, subject_kind, subject_id, assigned_user_id, assigned_team_id, reason,
                         due_at, dedup_key, is_demo)
       SELECT $1, 'flag-review', 'person', c.id, ($2::uuid[])[1 + c.n % $3], $4, 'Bench task',
              now() + make_interval(hours => (c.n % 1200) - 240), 'bench-' || c.n, true
         FROM bench_child c`,
      [other.partnership_id, users.map((u) => u.id), USERS, teamId],
    )
    // The rest of the partnership's open tasks: another team's, about the demo's children.
    await client.query(
      `INSERT INTO task (partnership_id, kind, subject_kind, subject_id, assigned_team_id, reason, due_at, dedup_key,
                         is_demo)
       SELECT $1, 'flag-review', 'person', (SELECT id FROM person WHERE partnership_id = $1 LIMIT 1), $2,
              'Bench task', now() + make_interval(hours => g % 2000 - 500), 'bench-other-' || g, true
         FROM generate_series(1, $3) g`,
      [other.partnership_id, other.id, TOTAL - USERS * MINE],
    )
    await client.query('COMMIT')
    await client.query('ANALYZE person, task')
    const open = await client.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM task WHERE status = 'open'",
    )
    console.log(
      `seeded ${String(open.rows[0]?.n)} open tasks in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    )
    return { partnershipId: other.partnership_id, agencyId: other.agency_id, teamId, users }
  } finally {
    await client.end()
  }
}

export async function taskBenchRows(seconds: number): Promise<LoadRow[]> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'openmace-bench-'))
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', OPENMACE_DATA_DIR: dir })
  const runtime = await openRuntime(config, createLogger('silent'))
  const { services: built, database } = runtime
  await built.demo.seed()
  const app = await buildApp({ config, services: built })
  try {
    const seeded = await seedTasks(runtime.target.ownerUrl, runtime)
    const first = seeded.users[0]
    if (first === undefined) throw new Error('no bench users')
    const actor: Actor = {
      userId: first.id,
      partnershipId: seeded.partnershipId,
      agencyId: seeded.agencyId,
      teamIds: [seeded.teamId],
      managedTeamIds: [],
      roles: ['social-worker'],
    }
    const ctx = { requestId: 'bench', ip: '127.0.0.1' }
    const repository = taskRepository()
    const scope = { list: 'mine' as const, userId: actor.userId, teamIds: actor.teamIds, managedTeamIds: [] }
    const listed = await built.tasks.list(actor, 'mine', ctx, 'bench')
    if (listed.length !== MINE)
      throw new Error(`my tasks listed ${String(listed.length)}, not ${String(MINE)}`)
    const service = () => built.tasks.list(actor, 'mine', ctx, 'bench')
    const bare = () =>
      withTransaction(database, rlsContextOf(actor), (trx) =>
        repository.open(trx, actor.partnershipId, scope, 100),
      )
    const rows: LoadRow[] = []
    const p95 = { service: [] as number[], bare: [] as number[] }
    const perRound = Math.max(2, seconds / 2)
    for (let round = 1; round <= ROUNDS / 2; round++) {
      const a = row(
        `A${String(round)}: my tasks (service: subjects, policy per task, audit)`,
        await timed(perRound, service),
      )
      const b = row(`B${String(round)}: the bare task query (SELECT, RLS on)`, await timed(perRound, bare))
      p95.service.push(a.p95)
      p95.bare.push(b.p95)
      rows.push(a, b)
    }
    const ratio = median(p95.service) / median(p95.bare)
    console.log(
      `my tasks with ${String(TOTAL)} open tasks: p95 ${String(median(p95.service))} ms against the bare query's ${String(median(p95.bare))} ms: ${ratio.toFixed(2)}× (goal ≤ 1.5×)`,
    )
    const cookies: string[] = []
    for (const [i, user] of seeded.users.entries()) {
      cookies.push(await signInCookie(app, user.email, PASSWORD, `127.4.0.${String(i + 1)}`))
    }
    const origin = await app.listen({ host: '127.0.0.1', port: 0 })
    const load = { cookies, connections: USERS }
    const over = (url: string, name: string, duration = seconds) =>
      loadWithSessions({ ...load, name, url: `${origin}${url}`, duration })
    await over('/tasks/mine', 'warm-up', 3)
    rows.push(await over('/health', 'GET /health (floor)'))
    rows.push(await over('/tasks/mine', `GET /tasks/mine (${String(MINE)} of ${String(TOTAL)} open tasks)`))
    rows.push(await over('/api/v1/tasks', 'GET /api/v1/tasks (JSON, session)'))
    return rows
  } finally {
    await app.close()
    await runtime.close()
    await fs.rm(dir, { recursive: true, force: true })
  }
}
