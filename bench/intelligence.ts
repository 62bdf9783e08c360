/**
 * Bench `intelligence`: the child's record page for a MACE member, for a child with intelligence they may see
 * (three entries: the page lists them, each checked and audited) against a child on the same agenda without any.
 * The two sides alternate (A/B/A/B…) and each side's figures are the medians of its rounds: compare the ratio,
 * not the absolute numbers, on a shared machine. Issue 12's goal: ≤ 1.2×.
 *
 *   npm run bench -- intelligence
 */
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { sql } from 'kysely'
import { buildApp } from '../src/app.ts'
import { withTransaction } from '../src/db/database.ts'
import { loadConfig } from '../src/config.ts'
import { createLogger } from '../src/platform/logger.ts'
import { openRuntime } from '../src/runtime.ts'
import { loadWithSessions, signInCookie, type LoadRow } from './load.ts'

const ROUNDS = 4
const CONNECTIONS = 10

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN

export async function intelligenceBenchRows(seconds: number): Promise<LoadRow[]> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'openmace-bench-'))
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', OPENMACE_DATA_DIR: dir })
  const runtime = await openRuntime(config, createLogger('silent'))
  try {
    const seeded = await runtime.services.demo.seed()
    const worker = seeded.users?.find((u) => u.role === 'social-worker')
    if (worker === undefined || seeded.password === undefined) throw new Error('demo social worker missing')
    const children = await withTransaction(runtime.database, {}, async (trx) => {
      const partnership = await sql<{ id: string }>`SELECT id FROM partnership WHERE is_demo`.execute(trx)
      await sql`SELECT set_config('app.partnership_id', ${partnership.rows[0]?.id ?? ''}, true)`.execute(trx)
      // As the demo's police intelligence officer, who may see every entry's subjects.
      await sql`SELECT set_config('app.actor_id', (SELECT ur.user_id::text FROM user_role ur
                                                    WHERE ur.role = 'police-intelligence' LIMIT 1), true)`.execute(
        trx,
      )
      return (
        await sql<{ id: string; entries: number }>`
          SELECT ai.person_id AS id,
                 (SELECT count(*)::int FROM intelligence_subject s WHERE s.entity_id = ai.person_id) AS entries
            FROM agenda_item ai ORDER BY entries DESC, ai.person_id`.execute(trx)
      ).rows
    })
    const withEntries = children.find((c) => c.entries > 0)
    const without = children.find((c) => c.entries === 0)
    if (withEntries === undefined || without === undefined)
      throw new Error('agenda children with and without intelligence missing')
    const app = await buildApp({ config, services: runtime.services })
    await app.listen({ host: '127.0.0.1', port: 0 })
    try {
      const { port } = app.server.address() as { port: number }
      const cookie = await signInCookie(app, worker.email, seeded.password, '127.0.0.2')
      const page = (id: string, name: string) =>
        loadWithSessions({
          name,
          url: `http://127.0.0.1:${port}/people/${id}`,
          cookies: [cookie],
          connections: CONNECTIONS,
          duration: seconds,
        })
      await page(withEntries.id, 'warm-up')
      const sides: Record<'A' | 'B', LoadRow[]> = { A: [], B: [] }
      for (let round = 0; round < ROUNDS; round++) {
        sides.A.push(await page(withEntries.id, 'with intelligence'))
        sides.B.push(await page(without.id, 'without'))
      }
      const summary = (rows: LoadRow[], name: string): LoadRow => ({
        name,
        connections: CONNECTIONS,
        requestsPerSecond: median(rows.map((r) => r.requestsPerSecond)),
        p50: median(rows.map((r) => r.p50)),
        p95: median(rows.map((r) => r.p95)),
        p97_5: median(rows.map((r) => r.p97_5)),
        p99: median(rows.map((r) => r.p99)),
        errors: rows.reduce((n, r) => n + r.errors, 0),
        cpuMsPerRequest: median(rows.map((r) => r.cpuMsPerRequest ?? Number.NaN)),
        machineCpuMsPerRequest: median(rows.map((r) => r.machineCpuMsPerRequest ?? Number.NaN)),
      })
      const a = summary(
        sides.A,
        `child page, MACE member, ${String(withEntries.entries)} entries listed (median of ${String(ROUNDS)})`,
      )
      const b = summary(sides.B, `child page, MACE member, no intelligence (median of ${String(ROUNDS)})`)
      console.log(
        `ratio with/without: p50 ${(a.p50 / b.p50).toFixed(2)}×, p95 ${(a.p95 / b.p95).toFixed(2)}×, ` +
          `server CPU per response ${((a.cpuMsPerRequest ?? 0) / (b.cpuMsPerRequest ?? 1)).toFixed(2)}×`,
      )
      return [a, b]
    } finally {
      await app.close()
    }
  } finally {
    await runtime.close()
    await fs.rm(dir, { recursive: true, force: true })
  }
}
