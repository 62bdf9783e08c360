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
import { pingDatabase } from '../src/db/database.ts'
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

const SUITES: Record<string, (seconds: number) => Promise<Row[]>> = { platform }

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
