/**
 * Benchmarks: `npm run bench` (all suites) or `npm run bench -- platform`.
 * Each suite starts its own embedded PostgreSQL in a temporary folder, builds the real app and loads it over
 * loopback with autocannon. Figures are medians and tail latencies from one run on this machine: compare
 * ratios within a run, not absolute numbers across machines.
 */
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import autocannon from 'autocannon'
import { Command } from 'commander'
import { buildApp } from '../src/app.ts'
import { pingDatabase, withTransaction } from '../src/db/database.ts'
import type { Transaction } from 'kysely'
import type { DB } from '../src/db/schema.ts'
import { actorOf } from '../src/platform/access/actor.ts'
import { auditWriter } from '../src/platform/audit/audit-writer.ts'
import { personRepository } from '../src/features/people/person-repository.ts'
import { hashPassword, verifyPassword } from '../src/platform/auth/passwords.ts'
import { loadConfig } from '../src/config.ts'
import { createLogger } from '../src/platform/logger.ts'
import { openRuntime } from '../src/runtime.ts'
import { personToken } from '../test/helpers/tokens.ts'
import { people } from './people.ts'
import { frontDoorBenchRows } from './front-door.ts'
import { intelligenceBenchRows } from './intelligence.ts'
import { suggestionBenchRows } from './suggestions.ts'
// t13: the task engine.
import { taskBenchRows } from './tasks.ts'
import { loadWithSessions, signInCookie } from './load.ts'

interface Row {
  name: string
  connections: number
  requestsPerSecond: number
  p50: number
  p95?: number
  p97_5: number
  p99: number
  errors: number
}

async function load(url: string, name: string, connections: number, seconds: number): Promise<Row> {
  const result = await autocannon({ url, connections, duration: seconds })
  return {
    name,
    connections,
    requestsPerSecond: Math.round(result.requests.average),
    p50: result.latency.p50,
    p97_5: result.latency.p97_5,
    p99: result.latency.p99,
    errors: result.errors + result.non2xx,
  }
}

async function platform(seconds: number): Promise<Row[]> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'openmace-bench-'))
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', OPENMACE_DATA_DIR: dir })
  const runtime = await openRuntime(config, createLogger('silent'))
  const { database, services: built } = runtime
  await built.demo.seed()
  const app = await buildApp({ config, services: built })
  await app.listen({ host: '127.0.0.1', port: 0 })
  const { port } = app.server.address() as { port: number }
  const base = `http://127.0.0.1:${port}`
  try {
    const rows: Row[] = []
    // Baseline: the same database round trip without HTTP, pages or security headers.
    const started = performance.now()
    let pings = 0
    while (performance.now() - started < seconds * 1000) {
      await pingDatabase(database)
      pings++
    }
    const baseline = ((performance.now() - started) / pings).toFixed(2)
    console.log(`baseline: SELECT 1 through the pool, sequential: ${baseline} ms per query`)
    for (const [name, url] of [
      ['GET /health', `${base}/health`],
      ['GET / (start page)', `${base}/`],
      ['GET /api/v1/service', `${base}/api/v1/service`],
    ] as const) {
      rows.push(await load(url, name, 20, seconds))
    }
    return rows
  } finally {
    await app.close()
    await runtime.close()
    await fs.rm(dir, { recursive: true, force: true })
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? Number.NaN
}

/** Times `fn` for about `seconds`, after a short warm-up; returns per-call milliseconds. */
async function timed(seconds: number, fn: () => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < 20; i++) await fn()
  const samples: number[] = []
  const end = performance.now() + seconds * 1000
  while (performance.now() < end) {
    const start = performance.now()
    await fn()
    samples.push(performance.now() - start)
  }
  return samples
}

function row(name: string, samples: number[]): Row {
  return {
    name,
    connections: 1,
    requestsPerSecond: Math.round(1000 / median(samples)),
    p50: Number(median(samples).toFixed(3)),
    p97_5: Number(percentile(samples, 0.975).toFixed(3)),
    p99: Number(percentile(samples, 0.99).toFixed(3)),
    errors: 0,
  }
}

/**
 * Sign-in cost (argon2id verify, and the whole password POST through the app), and the overhead of the access
 * policy and the audit write on a read of a child's record, as a ratio to the same read without them: in
 * process (sequential, one transaction each) and over HTTP at 20 connections behind the same token check.
 */
async function auth(seconds: number): Promise<Row[]> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'openmace-bench-'))
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', OPENMACE_DATA_DIR: dir })
  const runtime = await openRuntime(config, createLogger('silent'))
  const { database, services: built } = runtime
  const seeded = await built.demo.seed()
  const app = await buildApp({ config, services: built })
  // Bench only: the plain read of a person over HTTP, behind the same token check as the real route.
  let plainRead: () => Promise<unknown> = () => Promise.resolve(null)
  let auditedRead: () => Promise<unknown> = () => Promise.resolve(null)
  app.get('/api/v1/bench-plain-person/:id', { config: { access: { capability: 'person:read' } } }, () =>
    plainRead(),
  )
  // ... and the same plain read with the audit row written in its transaction (no policy): the split of the cost.
  app.get('/api/v1/bench-audited-person/:id', { config: { access: { capability: 'person:read' } } }, () =>
    auditedRead(),
  )
  try {
    const user = seeded.users?.find((u) => u.role === 'social-worker')
    if (user === undefined || seeded.password === undefined) throw new Error('demo users missing')
    const hash = await hashPassword(seeded.password)
    let attempt = 0
    const rows: Row[] = [
      row(
        'argon2id verify (one password)',
        await timed(seconds, () => verifyPassword(hash, seeded.password!)),
      ),
    ]

    rows.push(
      row(
        'POST /sign-in, correct password (app.inject, CSRF included)',
        await timed(seconds, async () => {
          // A different loopback address per attempt keeps the per-address rate limit out of the measurement.
          attempt++
          const remoteAddress = `127.1.${(attempt >> 8) & 255}.${attempt & 255}`
          await signInCookie(app, user.email, seeded.password!, remoteAddress)
        }),
      ),
    )

    // A child's record read, as the app does it (policy facts, decide(), the audit row, in one transaction),
    // against the same read of the same row without the policy and the audit.
    const reader = seeded.users?.find((u) => u.role === 'social-worker')
    const [readerRow] = (
      await database.pool.query<{ id: string }>('SELECT id FROM app_user WHERE lower(email) = lower($1)', [
        reader?.email ?? '',
      ])
    ).rows
    const readerUser = readerRow === undefined ? undefined : await built.auth.currentUser(readerRow.id)
    if (readerUser === undefined) throw new Error('reader missing')
    const actor = actorOf(readerUser)
    const [child] = (
      await withTransaction(database, { partnershipId: actor.partnershipId }, (trx) =>
        trx.selectFrom('person').select('id').where('allocated_worker_id', '=', actor.userId).execute(),
      )
    ).map((r) => r.id)
    if (child === undefined) throw new Error('the demo social worker has no allocated child')
    // The same data the API's read returns (the record with its labels, other names and statuses), without the
    // policy facts, the decision or the audit row.
    const repository = personRepository()
    const selectChild = async (trx: Transaction<DB>) => {
      const found = await trx
        .selectFrom('person as p')
        .innerJoin('person_kind as k', 'k.code', 'p.kind')
        .leftJoin('app_user as w', 'w.id', 'p.allocated_worker_id')
        .leftJoin('team as t', 't.id', 'p.allocated_team_id')
        .leftJoin('ethnicity as e', 'e.code', 'p.ethnicity')
        .leftJoin('agency as s', 's.id', 'p.school_agency_id')
        .selectAll('p')
        .select([
          'k.label',
          'w.display_name',
          't.name',
          'e.label as ethnicity_label',
          's.name as school_name',
        ])
        .where('p.id', '=', child)
        .executeTakeFirstOrThrow()
      return {
        ...found,
        aliases: await repository.aliases(trx, child),
        statuses: await repository.statuses(trx, child),
      }
    }
    const txContext = { actorId: actor.userId, partnershipId: actor.partnershipId }
    plainRead = () => withTransaction(database, txContext, selectChild)
    const writer = auditWriter()
    auditedRead = () =>
      withTransaction(database, txContext, async (trx) => {
        const found = await selectChild(trx)
        // As the app writes a read's audit row: with the COMMIT.
        await writer.writeAtCommit(trx, [
          {
            action: 'record.read',
            outcome: 'allowed',
            partnershipId: actor.partnershipId,
            actor: { id: actor.userId, role: actor.roles.join(' '), agencyId: actor.agencyId },
            record: { type: 'person', id: child },
            requestId: 'bench',
            ip: '127.0.0.1',
          },
        ])
        return found
      })
    const ctx = { requestId: 'bench', ip: '127.0.0.1' }
    const plain = await timed(seconds, plainRead)
    const audited = await timed(seconds, auditedRead)
    const guarded = await timed(seconds, () => built.people.read(actor, child, ctx, { via: 'api' }))
    rows.push(row('person read, no policy or audit (one transaction, RLS on)', plain))
    rows.push(row('person read + the audit row only (no policy)', audited))
    rows.push(row('person read through the service: facts + decide() + audit row', guarded))
    const serviceRatio = median(guarded) / median(plain)

    // The same comparison over HTTP at 20 connections, both behind the same bearer-token authentication: the
    // real API route against a bench-only route that does the plain read.
    // As the social worker (the child's allocated worker): a person's account, so not through the token service.
    const token = await personToken(runtime, reader?.email ?? '', ['person:read'], { name: 'bench' })
    await app.listen({ host: '127.0.0.1', port: 0 })
    const { port } = app.server.address() as { port: number }
    const headers = { authorization: `Bearer ${token.token}` }
    const over = async (url: string, name: string): Promise<Row> => {
      return loadWithSessions({
        name,
        url: `http://127.0.0.1:${port}${url}`,
        cookies: [],
        headers,
        connections: 20,
        duration: seconds,
      })
    }
    // Warm-up (statements prepared, caches filled), not measured.
    await over(`/api/v1/people/${child}`, 'warm-up')
    const httpPlain = await over(
      `/api/v1/bench-plain-person/${child}`,
      'GET plain person read (token auth only)',
    )
    const httpAudited = await over(
      `/api/v1/bench-audited-person/${child}`,
      'GET plain person read + audit row (token auth only)',
    )
    const httpGuarded = await over(`/api/v1/people/${child}`, 'GET /api/v1/people/:id (policy + audit)')
    rows.push(httpPlain, httpAudited, httpGuarded)
    const slower = (base: Row, other: Row) =>
      (base.requestsPerSecond / Math.max(other.requestsPerSecond, 1)).toFixed(2)
    console.log(
      `policy + audit overhead on a record read: in process ${serviceRatio.toFixed(2)}x (median latency); ` +
        `over HTTP ${slower(httpPlain, httpGuarded)}x (throughput), p50 ${String(httpPlain.p50)} → ` +
        `${String(httpGuarded.p50)} ms (goal < 1.3x); of which the audit row alone ${slower(httpPlain, httpAudited)}x ` +
        `and the policy on top of it ${slower(httpAudited, httpGuarded)}x`,
    )
    return rows
  } finally {
    await app.close()
    await runtime.close()
    await fs.rm(dir, { recursive: true, force: true })
  }
}

const SUITES: Record<string, (seconds: number, options: { scale?: string }) => Promise<Row[]>> = {
  platform,
  auth,
  people,
  'front-door': (seconds) => frontDoorBenchRows(seconds),
  intelligence: (seconds) => intelligenceBenchRows(seconds),
  // Suggested links (issue 12, i12-suggest).
  suggestions: (_seconds, options) => suggestionBenchRows(options),
  // t13: the task engine.
  tasks: (seconds) => taskBenchRows(seconds),
}

const program = new Command('bench')
  .argument('[suites...]', `suites to run: ${Object.keys(SUITES).join(', ')} (default: all)`)
  .option('-s, --seconds <n>', 'seconds of load per endpoint', '10')
  .option('--scale <scale>', 'people: the demo seed to measure on (national, region or county)', 'national')
  .action(async (names: string[], options: { seconds: string; scale: string }) => {
    const chosen = names.length > 0 ? names : Object.keys(SUITES)
    for (const name of chosen) {
      const suite = SUITES[name]
      if (suite === undefined) throw new Error(`unknown suite ${name}: ${Object.keys(SUITES).join(', ')}`)
      console.log(`\n## ${name} (${os.cpus().length} cores, Node ${process.version})`)
      const rows = await suite(Number(options.seconds), { scale: options.scale })
      console.table(rows)
      await fs.mkdir('bench/results', { recursive: true })
      await fs.writeFile(
        `bench/results/${name}.json`,
        JSON.stringify({ at: new Date().toISOString(), rows }, null, 2),
      )
    }
  })

await program.parseAsync()
