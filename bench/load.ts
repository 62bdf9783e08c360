/**
 * What the bench suites share: a percentile over sorted samples, and a load of signed-in users over HTTP with
 * autocannon that keeps every response's latency (so p95 comes from all of them, not autocannon's buckets).
 */
import autocannon from 'autocannon'

export interface LoadRow {
  name: string
  connections: number
  requestsPerSecond: number
  p50: number
  p95: number
  p97_5: number
  p99: number
  errors: number
}

export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? Number.NaN
}

/**
 * `connections` clients, each with one of `cookies` (round robin), for `duration` seconds against `url`; `path`
 * gives each request's path when it varies (a different record each time).
 */
export async function loadWithSessions(options: {
  name: string
  url: string
  cookies: readonly string[]
  connections: number
  duration: number
  path?: () => string
}): Promise<LoadRow> {
  const latencies: number[] = []
  let user = 0
  const { path } = options
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: options.url,
        connections: options.connections,
        duration: options.duration,
        setupClient: (client) => {
          client.setHeaders({ cookie: options.cookies[user++ % options.cookies.length] ?? '' })
        },
        ...(path === undefined
          ? {}
          : { requests: [{ setupRequest: (request) => ({ ...request, path: path() }) }] }),
      },
      (error, finished) => {
        if (error !== null && error !== undefined)
          reject(error instanceof Error ? error : new Error(String(error)))
        else resolve(finished)
      },
    )
    instance.on('response', (_client, _status, _bytes, responseTime) => latencies.push(responseTime))
  })
  const sorted = latencies.sort((a, b) => a - b)
  return {
    name: options.name,
    connections: options.connections,
    requestsPerSecond: Math.round(result.requests.average),
    p50: Number(percentile(sorted, 0.5).toFixed(2)),
    p95: Number(percentile(sorted, 0.95).toFixed(2)),
    p97_5: Number(percentile(sorted, 0.975).toFixed(2)),
    p99: Number(percentile(sorted, 0.99).toFixed(2)),
    errors: result.errors + result.non2xx,
  }
}
