/**
 * The load generator's own thread (see load.ts): autocannon runs here so that the client's work never shares an
 * event loop with the server under test, which would add the client's time to every latency measured.
 */
import { parentPort, workerData } from 'node:worker_threads'
import autocannon from 'autocannon'

export interface LoadJob {
  url: string
  cookies: readonly string[]
  /** Headers every request carries (a bearer token). */
  headers?: Readonly<Record<string, string>>
  connections: number
  duration: number
  /** Request paths taken in turn (a different record each time); the url's path when absent. */
  paths?: readonly string[]
}

export interface LoadOutcome {
  latencies: number[]
  requestsPerSecond: number
  errors: number
}

const job = workerData as LoadJob
const latencies: number[] = []
let user = 0
let next = 0
const { paths } = job
const instance = autocannon(
  {
    url: job.url,
    connections: job.connections,
    duration: job.duration,
    setupClient: (client) => {
      const cookie =
        job.cookies.length === 0 ? {} : { cookie: job.cookies[user++ % job.cookies.length] ?? '' }
      client.setHeaders({ ...job.headers, ...cookie })
    },
    ...(paths === undefined || paths.length === 0
      ? {}
      : {
          requests: [
            { setupRequest: (request) => ({ ...request, path: paths[next++ % paths.length] ?? '/' }) },
          ],
        }),
  },
  (error, finished) => {
    if (error !== null && error !== undefined) throw error instanceof Error ? error : new Error(String(error))
    const outcome: LoadOutcome = {
      latencies,
      requestsPerSecond: Math.round(latencies.length / job.duration),
      errors: finished.errors + finished.non2xx,
    }
    parentPort?.postMessage(outcome)
  },
)
instance.on('response', (_client, _status, _bytes, responseTime) => latencies.push(responseTime))
