/**
 * What the bench suites share: a percentile over sorted samples, and a load of signed-in users over HTTP with
 * autocannon (in its own thread) that keeps every response's latency (so p95 comes from all of them, not
 * autocannon's buckets).
 */
import { promises as fs, readFileSync } from 'node:fs'
import { Session } from 'node:inspector/promises'
import path from 'node:path'
import { Worker } from 'node:worker_threads'
import type { FastifyInstance } from 'fastify'
import type { LoadJob, LoadOutcome } from './load-worker.ts'

export interface LoadRow {
  name: string
  connections: number
  requestsPerSecond: number
  p50: number
  p95: number
  p97_5: number
  p99: number
  errors: number
  /**
   * The server's main thread's CPU time per response, in ms (Linux only): steadier than latency on a noisy
   * machine, so the figure to compare when a change should make each request cheaper.
   */
  cpuMsPerRequest?: number
  /** The whole machine's busy CPU time per response, in ms (Linux only): server, database and load generator. */
  machineCpuMsPerRequest?: number
}

const WORKER = new URL('./load-worker.ts', import.meta.url).href

export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? Number.NaN
}

/**
 * `connections` clients, each with one of `cookies` (round robin), for `duration` seconds against `url`; `paths`
 * gives the requests' paths in turn when they vary (a different record each time). The load runs in a worker
 * thread, so the server's event loop carries only the server's work.
 */
export async function loadWithSessions(options: {
  name: string
  url: string
  cookies: readonly string[]
  headers?: Readonly<Record<string, string>>
  connections: number
  duration: number
  paths?: readonly string[]
}): Promise<LoadRow> {
  const job: LoadJob = {
    url: options.url,
    cookies: options.cookies,
    connections: options.connections,
    duration: options.duration,
    ...(options.paths === undefined ? {} : { paths: options.paths }),
    ...(options.headers === undefined ? {} : { headers: options.headers }),
  }
  // The worker registers tsx's loader itself before importing the TypeScript file: module hooks are per thread,
  // and a worker given a .ts file directly fails (tsx issue #354).
  const worker = new Worker(
    `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(WORKER)}) })`,
    { eval: true, workerData: job },
  )
  const profile = await startProfile()
  const cpuBefore = mainThreadCpuMs()
  const machineBefore = machineBusyMs()
  const outcome = await new Promise<LoadOutcome>((resolve, reject) => {
    worker.once('message', (message: LoadOutcome) => resolve(message))
    worker.once('error', reject)
    worker.once('exit', (code) => reject(new Error(`the load worker stopped (exit ${String(code)})`)))
  })
  const cpuAfter = mainThreadCpuMs()
  const machineAfter = machineBusyMs()
  await profile?.(options.name)
  await worker.terminate()
  const sorted = outcome.latencies.sort((a, b) => a - b)
  const cpu =
    cpuBefore === undefined || cpuAfter === undefined || sorted.length === 0
      ? {}
      : { cpuMsPerRequest: Number(((cpuAfter - cpuBefore) / sorted.length).toFixed(2)) }
  const machine =
    machineBefore === undefined || machineAfter === undefined || sorted.length === 0
      ? {}
      : { machineCpuMsPerRequest: Number(((machineAfter - machineBefore) / sorted.length).toFixed(2)) }
  return {
    name: options.name,
    connections: options.connections,
    requestsPerSecond: outcome.requestsPerSecond,
    p50: Number(percentile(sorted, 0.5).toFixed(2)),
    p95: Number(percentile(sorted, 0.95).toFixed(2)),
    p97_5: Number(percentile(sorted, 0.975).toFixed(2)),
    p99: Number(percentile(sorted, 0.99).toFixed(2)),
    errors: outcome.errors,
    ...cpu,
    ...machine,
  }
}

/**
 * A /proc file, or undefined off Linux. Read synchronously: an asynchronous read runs on a libuv pool thread, and
 * /proc/thread-self would be that thread.
 */
function readProc(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8')
  } catch {
    return undefined
  }
}

/** The machine's busy CPU time in ms from /proc/stat (every CPU; idle and I/O wait left out). */
export function machineBusyMs(): number | undefined {
  const stat = readProc('/proc/stat')
  if (stat === undefined) return undefined
  // cpu  user nice system idle iowait irq softirq steal ...
  const ticks = (stat.split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number)
  const busy = ticks.slice(0, 8).reduce((sum, t, i) => (i === 3 || i === 4 ? sum : sum + t), 0)
  return busy * 10
}

/** This thread's user + system CPU time in ms from /proc (clock ticks of 10 ms), or undefined off Linux. */
function mainThreadCpuMs(): number | undefined {
  const stat = readProc('/proc/thread-self/stat')
  if (stat === undefined) return undefined
  // Fields after the command name (which may hold spaces, so split after its closing parenthesis): utime is the
  // 14th field of the line, stime the 15th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) * 10
}

/**
 * With `OPENMACE_BENCH_PROFILE=/folder`, each load's server-side CPU profile (this thread only, so the server and
 * not the load generator) is written there as `<name>.cpuprofile`, for Chrome DevTools or any cpuprofile viewer.
 */
async function startProfile(): Promise<((name: string) => Promise<void>) | undefined> {
  const folder = process.env['OPENMACE_BENCH_PROFILE']
  if (folder === undefined || folder === '') return undefined
  const session = new Session()
  session.connect()
  await session.post('Profiler.enable')
  await session.post('Profiler.start')
  return async (name) => {
    const { profile } = await session.post('Profiler.stop')
    session.disconnect()
    await fs.mkdir(folder, { recursive: true })
    const file = path.join(folder, `${name.replace(/[^A-Za-z0-9]+/g, '-').slice(0, 60)}.cpuprofile`)
    await fs.writeFile(file, JSON.stringify(profile))
    console.log(`CPU profile: ${file}`)
  }
}

/**
 * Signs `email` in through the app's own sign-in page (CSRF included) and returns the session cookie as a header
 * value. `remoteAddress` should differ per user, so the per-address sign-in limit stays out of the way.
 */
export async function signInCookie(
  app: FastifyInstance,
  email: string,
  password: string,
  remoteAddress: string,
): Promise<string> {
  const form = await app.inject({ url: '/sign-in', remoteAddress })
  const csrf = /name="_csrf" value="([^"]+)"/.exec(form.body)?.[1] ?? ''
  const pre = form.cookies[0]
  const res = await app.inject({
    method: 'POST',
    url: '/sign-in',
    remoteAddress,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    cookies: pre === undefined ? {} : { [pre.name]: pre.value },
    payload: new URLSearchParams({ _csrf: csrf, email, password }).toString(),
  })
  const session = res.cookies.at(-1)
  if (res.statusCode !== 303 || session === undefined) throw new Error(`sign-in answered ${res.statusCode}`)
  return `${session.name}=${session.value}`
}
