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
import { actorOf } from '../src/platform/access/actor.ts'
import { decide, visibleFields } from '../src/platform/access/policy.ts'
import { auditWriter } from '../src/platform/audit/audit-writer.ts'
import { hashPassword, verifyPassword } from '../src/platform/auth/passwords.ts'
import { loadConfig } from '../src/config.ts'
import { createLogger } from '../src/platform/logger.ts'
import { openRuntime } from '../src/runtime.ts'

interface Row {
  name: string
  connections: number
  requestsPerSecond: number
  p50: number
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
 * policy and the audit write on a read of one record, as a ratio to the same read without them. Until people
 * records exist (issue 4) the record is an account row read by id: the same shape of work (one indexed read in
 * one transaction) that a child's record read will do, plus decide() and one audit insert.
 */
async function auth(seconds: number): Promise<Row[]> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'openmace-bench-'))
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', OPENMACE_DATA_DIR: dir })
  const runtime = await openRuntime(config, createLogger('silent'))
  const { database, services: built } = runtime
  const seeded = await built.demo.seed()
  const app = await buildApp({ config, services: built })
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
          const form = await app.inject({ url: '/sign-in', remoteAddress })
          const token = /name="_csrf" value="([^"]+)"/.exec(form.body)?.[1] ?? ''
          const cookie = form.cookies[0]
          const res = await app.inject({
            method: 'POST',
            url: '/sign-in',
            remoteAddress,
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            cookies: cookie === undefined ? {} : { [cookie.name]: cookie.value },
            payload: new URLSearchParams({
              _csrf: token,
              email: user.email,
              password: seeded.password!,
            }).toString(),
          })
          if (res.statusCode !== 303) throw new Error(`sign-in answered ${res.statusCode}`)
        }),
      ),
    )

    const [target] = (
      await database.pool.query<{ id: string; partnership_id: string }>(
        'SELECT id, partnership_id FROM app_user ORDER BY email LIMIT 1',
      )
    ).rows
    const [reader] = (
      await database.pool.query<{ id: string }>('SELECT id FROM app_user WHERE lower(email) = lower($1)', [
        user.email,
      ])
    ).rows
    if (target === undefined || reader === undefined) throw new Error('no accounts')
    const readerUser = await built.auth.currentUser(reader.id)
    if (readerUser === undefined) throw new Error('reader missing')
    const actor = actorOf(readerUser)
    const audit = auditWriter()
    const readRecord = (trx: Parameters<Parameters<typeof withTransaction>[2]>[0]) =>
      trx
        .selectFrom('app_user')
        .select(['id', 'display_name', 'email', 'agency_id'])
        .where('id', '=', target.id)
        .executeTakeFirstOrThrow()

    const plain = await timed(seconds, () => withTransaction(database, {}, readRecord))
    const guarded = await timed(seconds, () =>
      withTransaction(
        database,
        { actorId: actor.userId, partnershipId: actor.partnershipId },
        async (trx) => {
          const record = await readRecord(trx)
          const decision = decide(actor, 'read', {
            kind: 'person',
            partnershipId: target.partnership_id,
            allocatedWorkerId: actor.userId,
          })
          await audit.write(trx, {
            action: 'record.read',
            outcome: decision.allowed ? 'allowed' : 'denied',
            partnershipId: actor.partnershipId,
            actor: { id: actor.userId, role: actor.roles.join(' '), agencyId: actor.agencyId },
            record: { type: 'person', id: record.id },
            requestId: 'bench',
            ip: '127.0.0.1',
          })
          return visibleFields(decision, record, {
            id: 'identity',
            display_name: 'identity',
            email: 'details',
            agency_id: 'details',
          })
        },
      ),
    )
    rows.push(row('record read, no policy or audit (one transaction)', plain))
    rows.push(row('record read + decide() + audit row (same transaction)', guarded))
    console.log(
      `policy + audit overhead on a record read: ${(median(guarded) / median(plain)).toFixed(2)}x (median ratio; goal < 1.3x)`,
    )
    return rows
  } finally {
    await app.close()
    await runtime.close()
    await fs.rm(dir, { recursive: true, force: true })
  }
}

const SUITES: Record<string, (seconds: number) => Promise<Row[]>> = { platform, auth }

const program = new Command('bench')
  .argument('[suites...]', `suites to run: ${Object.keys(SUITES).join(', ')} (default: all)`)
  .option('-s, --seconds <n>', 'seconds of load per endpoint', '10')
  .action(async (names: string[], options: { seconds: string }) => {
    const chosen = names.length > 0 ? names : Object.keys(SUITES)
    for (const name of chosen) {
      const suite = SUITES[name]
      if (suite === undefined) throw new Error(`unknown suite ${name}: ${Object.keys(SUITES).join(', ')}`)
      console.log(`\n## ${name} (${os.cpus().length} cores, Node ${process.version})`)
      const rows = await suite(Number(options.seconds))
      console.table(rows)
      await fs.mkdir('bench/results', { recursive: true })
      await fs.writeFile(
        `bench/results/${name}.json`,
        JSON.stringify({ at: new Date().toISOString(), rows }, null, 2),
      )
    }
  })

await program.parseAsync()
