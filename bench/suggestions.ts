/**
 * Bench `suggestions` (issue 12, i12-suggest): suggested links on the demo seed at scale (`--scale`, national by
 * default; `--scale county` for a quick run). Measures refreshFor for one changed record (what a create or change
 * of a person, location or object costs on top), p50 and p95 over a sample of records of each kind, and the full
 * rebuild (`openmace suggestions rebuild`) over the whole partnership. Issue 12 "done when": p95 ≤ 20 ms, rebuild
 * of the national seed ≤ 120 s.
 *
 *   npm run bench -- suggestions --scale county
 *   OPENMACE_BENCH_DATA_DIR=/path   reuses (and keeps) a data folder already seeded at that scale
 */
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import pg from 'pg'
import { loadConfig } from '../src/config.ts'
import { SCALES, type Scale } from '../src/features/demo/demo-scale.ts'
import type { EntityKind } from '../src/db/schema.ts'
import type { Actor } from '../src/platform/access/policy.ts'
import { createLogger } from '../src/platform/logger.ts'
import { openRuntime } from '../src/runtime.ts'
import { machineBusyMs, percentile, type LoadRow } from './load.ts'

/**
 * A row of the suggestions bench: the load rows' shape, with this process's CPU per call (process.cpuUsage: the
 * app's side) and the whole machine's busy CPU per call (the database's work included) beside the latencies.
 */
export type SuggestionBenchRow = LoadRow

const SAMPLE = 300

/** The load rows' percentile (p from 0 to 1), to 0.01 ms. */
const ms = (sorted: number[], p: number) => Math.round((percentile(sorted, p) || 0) * 100) / 100

export async function suggestionBenchRows(options: { scale?: string } = {}): Promise<SuggestionBenchRow[]> {
  const scaleName = options.scale ?? 'national'
  if (!Object.hasOwn(SCALES, scaleName)) throw new Error('--scale takes county, region or national')
  const scale = scaleName as Scale
  const kept = process.env.OPENMACE_BENCH_DATA_DIR
  const dir = kept ?? (await fs.mkdtemp(path.join(os.tmpdir(), 'openmace-bench-')))
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', OPENMACE_DATA_DIR: dir })
  const runtime = await openRuntime(config, createLogger('silent'))
  const { services } = runtime
  try {
    const seeded = await services.demo.seedScale(scale, undefined, { ownerUrl: runtime.target.ownerUrl })
    console.log(`${seeded.created ? 'seeded' : 'reusing'} ${scale}: ${String(seeded.people)} people`)
    const owner = new pg.Client({ connectionString: runtime.target.ownerUrl })
    await owner.connect()
    let actor: Actor
    const samples = new Map<EntityKind, string[]>()
    try {
      await owner.query(
        'ANALYZE person, person_alias, person_name_key, location, object, link, link_suggestion',
      )
      const { rows } = await owner.query<{ id: string; partnership_id: string; agency_id: string }>(
        `SELECT u.id, u.partnership_id, u.agency_id FROM app_user u JOIN partnership p ON p.id = u.partnership_id
          WHERE p.code = 'northshire' ORDER BY u.email LIMIT 1`,
      )
      const user = rows[0]
      if (user === undefined) throw new Error('the demo partnership has no users')
      actor = {
        userId: user.id,
        partnershipId: user.partnership_id,
        agencyId: user.agency_id,
        teamIds: [],
        managedTeamIds: [],
        roles: ['police-intelligence'],
      }
      for (const kind of ['person', 'location', 'object'] as const) {
        const sample = await owner.query<{ id: string }>(
          `SELECT id FROM ${kind} TABLESAMPLE SYSTEM (5) WHERE partnership_id = $1 LIMIT ${String(SAMPLE)}`,
          [user.partnership_id],
        )
        samples.set(
          kind,
          sample.rows.map((r) => r.id),
        )
      }
    } finally {
      await owner.end()
    }
    const rows: SuggestionBenchRow[] = []
    const all: number[] = []
    const allCpu: SuggestionBenchRow[] = []
    for (const [kind, ids] of samples) {
      const times: number[] = []
      const cpu = cpuMeter()
      for (const id of ids) {
        const started = performance.now()
        await services.suggestions.refreshFor(actor, kind, id)
        times.push(performance.now() - started)
      }
      all.push(...times)
      rows.push({ ...row(`refreshFor(${kind}) one changed record`, times), ...cpu(times.length) })
      allCpu.push(rows[rows.length - 1] ?? row('', []))
    }
    rows.push({
      ...row('refreshFor, all kinds', all),
      cpuMsPerRequest: mean(allCpu.map((r) => r.cpuMsPerRequest ?? 0)),
      machineCpuMsPerRequest: mean(allCpu.map((r) => r.machineCpuMsPerRequest ?? 0)),
    })
    console.log(`refreshFor: ${String(all.length)} records sampled`)
    const started = performance.now()
    const rebuildCpu = cpuMeter()
    const rebuilt = await services.suggestions.rebuild(actor.partnershipId)
    const seconds = (performance.now() - started) / 1000
    const rebuildCpuMs = rebuildCpu(1)
    console.log(
      `rebuild of ${String(rebuilt.records)} records in ${seconds.toFixed(1)} s (goal ≤ 120 s on the national seed); ${String(rebuilt.pending)} pending`,
    )
    rows.push({
      name: `rebuild: ${String(rebuilt.records)} records, ${seconds.toFixed(1)} s`,
      connections: 1,
      requestsPerSecond: Math.round(rebuilt.records / seconds),
      p50: 0,
      p95: 0,
      p97_5: 0,
      p99: 0,
      errors: 0,
      ...rebuildCpuMs,
    })
    console.log(
      `rebuild CPU: this process ${String(rebuildCpuMs.cpuMsPerRequest / 1000)} s, machine ${String((rebuildCpuMs.machineCpuMsPerRequest ?? 0) / 1000)} s`,
    )
    console.log(`refreshFor p95 ${String(rows[rows.length - 2]?.p95)} ms (goal ≤ 20 ms)`)
    return rows
  } finally {
    await runtime.close()
    if (kept === undefined) await fs.rm(dir, { recursive: true, force: true })
  }
}

function row(name: string, times: number[]): SuggestionBenchRow {
  const sorted = [...times].sort((a, b) => a - b)
  const total = times.reduce((sum, t) => sum + t, 0)
  return {
    name,
    connections: 1,
    requestsPerSecond: total === 0 ? 0 : Math.round((1000 * times.length) / total),
    p50: ms(sorted, 0.5),
    p95: ms(sorted, 0.95),
    p97_5: ms(sorted, 0.975),
    p99: ms(sorted, 0.99),
    errors: 0,
  }
}

const mean = (xs: number[]) =>
  xs.length === 0 ? 0 : Math.round((100 * xs.reduce((a, b) => a + b, 0)) / xs.length) / 100

/** From now: this process's CPU (user + system) and the machine's busy CPU, in ms per call over `calls`. */
function cpuMeter() {
  const own = process.cpuUsage()
  const machine = machineBusyMs()
  return (calls: number) => {
    const used = process.cpuUsage(own)
    const machineAfter = machineBusyMs()
    const per = (ms: number) => Math.round((100 * ms) / Math.max(calls, 1)) / 100
    return {
      cpuMsPerRequest: per((used.user + used.system) / 1000),
      ...(machine === undefined || machineAfter === undefined
        ? {}
        : { machineCpuMsPerRequest: per(machineAfter - machine) }),
    }
  }
}
