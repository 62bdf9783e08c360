import assert from 'node:assert/strict'
import net from 'node:net'
import { Writable } from 'node:stream'
import { describe, it, type TestContext } from 'node:test'
import { testConfig } from '../../test/helpers/build.ts'
import { createTestDatabase } from '../../test/helpers/database.ts'
import { buildApp } from '../app.ts'
import { latestMigration } from '../runtime.ts'
import { services } from '../services.ts'
import { createLogger } from './logger.ts'
import { paths } from './paths.ts'

/**
 * The HTTP edges, over a real listening socket: what the router, Node's HTTP parser and its request timeout
 * refuse before a route runs must still answer in problem+json, and never hang.
 */

const TIMEOUT_MS = 1_000

interface Answer {
  status: number
  headers: Record<string, string>
  body: string
  /** From sending the request to the end of the answer. */
  elapsedMs: number
}

/** A raw TCP connection to the app, collecting everything it answers. */
class Connection {
  private received = Buffer.alloc(0)
  private closed = false
  private readonly waiters = new Set<() => void>()
  private readonly socket: net.Socket
  private readonly started = Date.now()

  constructor(port: number) {
    this.socket = net.connect({ host: '127.0.0.1', port })
    this.socket.on('data', (chunk: Buffer) => {
      this.received = Buffer.concat([this.received, chunk])
      this.wake()
    })
    // A refused request may be followed by a reset once the server closes: what arrived before counts.
    this.socket.on('error', () => undefined)
    this.socket.on('close', () => {
      this.closed = true
      this.wake()
    })
  }

  private wake() {
    for (const waiter of this.waiters) waiter()
  }

  send(data: string): void {
    this.socket.write(data)
  }

  get isClosed(): boolean {
    return this.closed
  }

  get bytes(): number {
    return this.received.length
  }

  /** Resolves when `done` holds, or rejects after `ms`. */
  async until(done: () => boolean, ms: number, what: string): Promise<void> {
    if (done()) return
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(check)
        reject(new Error(`no ${what} within ${ms} ms (received ${this.received.length} bytes)`))
      }, ms)
      const check = () => {
        if (!done()) return
        clearTimeout(timer)
        this.waiters.delete(check)
        resolve()
      }
      this.waiters.add(check)
    })
  }

  /** The first complete response (status line, headers, Content-Length body). */
  async answer(ms = 10_000): Promise<Answer> {
    let parsed: Answer | undefined
    await this.until(
      () => {
        parsed = parse(this.received, Date.now() - this.started)
        return parsed !== undefined
      },
      ms,
      'complete response',
    )
    return parsed!
  }

  close(): void {
    this.socket.destroy()
  }
}

function parse(data: Buffer, elapsedMs: number): Answer | undefined {
  const end = data.indexOf('\r\n\r\n')
  if (end === -1) return undefined
  const [statusLine, ...lines] = data.subarray(0, end).toString('latin1').split('\r\n')
  const status = Number(/^HTTP\/1\.1 (\d{3}) /.exec(statusLine ?? '')?.[1])
  const headers: Record<string, string> = {}
  for (const line of lines) {
    const colon = line.indexOf(':')
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
  }
  const length = Number(headers['content-length'])
  assert.ok(Number.isInteger(length), `a Content-Length in ${JSON.stringify(headers)}`)
  const body = data.subarray(end + 4)
  if (body.length < length) return undefined
  return { status, headers, body: body.subarray(0, length).toString('utf8'), elapsedMs }
}

/** The real app on a real port, with a short request timeout; its log lines are kept. */
async function listening(t: TestContext) {
  const logs: Array<{ level: number; msg: string }> = []
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logs.push(JSON.parse(chunk.toString()) as { level: number; msg: string })
      done()
    },
  })
  const config = testConfig({ OPENMACE_REQUEST_TIMEOUT_MS: String(TIMEOUT_MS) })
  const db = await createTestDatabase(t)
  const built = services(config, db.database, { latestMigration: await latestMigration() })
  const app = await buildApp({ config, services: built, logger: createLogger('info', sink) })
  t.after(() => app.close())
  await app.listen({ host: '127.0.0.1', port: 0 })
  const { port } = app.server.address() as net.AddressInfo
  const open = (): Connection => {
    const connection = new Connection(port)
    t.after(() => connection.close())
    return connection
  }
  return { app, open, logs }
}

function assertProblem(
  answer: Answer,
  expected: { status: number; title: string; detail: RegExp; instance?: string; requestId?: string },
) {
  assert.equal(answer.status, expected.status, answer.body)
  assert.equal(answer.headers['content-type'], 'application/problem+json; charset=utf-8')
  assert.equal(Number(answer.headers['content-length']), Buffer.byteLength(answer.body))
  const problem = JSON.parse(answer.body) as Record<string, unknown>
  assert.deepEqual(Object.keys(problem).sort(), [
    'detail',
    'instance',
    'requestId',
    'status',
    'title',
    'type',
  ])
  assert.equal(problem.type, 'about:blank')
  assert.equal(problem.status, expected.status)
  assert.equal(problem.title, expected.title)
  assert.match(String(problem.detail), expected.detail)
  if (expected.instance !== undefined) assert.equal(problem.instance, expected.instance)
  assert.equal(typeof problem.requestId, 'string')
  assert.ok(String(problem.requestId).length >= 8)
  if (expected.requestId !== undefined) assert.equal(problem.requestId, expected.requestId)
  assert.equal(answer.headers['x-request-id'], problem.requestId, 'the same id in the header')
  assert.equal(answer.headers['cache-control'], 'no-store')
  return problem
}

describe('the HTTP edges answer in problem+json', () => {
  it('a path parameter longer than the router allows: 414', async (t) => {
    const { open } = await listening(t)
    const connection = open()
    const url = `${paths.api.people()}/${'a'.repeat(5000)}`
    connection.send(`GET ${url} HTTP/1.1\r\nHost: localhost\r\nX-Request-Id: edge-test-414\r\n\r\n`)
    assertProblem(await connection.answer(), {
      status: 414,
      title: 'URI too long',
      detail: /longer than 100 characters/,
      instance: url,
      requestId: 'edge-test-414',
    })
  })

  it('request headers larger than Node accepts: 431, and the connection is closed', async (t) => {
    const { open } = await listening(t)
    const connection = open()
    connection.send(
      `GET ${paths.api.people()} HTTP/1.1\r\nHost: localhost\r\nX-Big: ${'b'.repeat(20 * 1024)}\r\n\r\n`,
    )
    assertProblem(await connection.answer(), {
      status: 431,
      title: 'Request header fields too large',
      detail: /larger than the limit of 16384 bytes/,
      instance: paths.api.people(),
    })
    await connection.until(() => connection.isClosed, 5_000, 'close')
  })

  it('a body that never arrives in full: 408 within about the request timeout, and the connection is closed', async (t) => {
    const { open, logs } = await listening(t)
    const connection = open()
    connection.send(
      `POST ${paths.api.people()} HTTP/1.1\r\nHost: localhost\r\nX-Request-Id: edge-test-408\r\n` +
        'Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"givenName":',
    )
    const answer = await connection.answer(TIMEOUT_MS * 5)
    assertProblem(answer, {
      status: 408,
      title: 'Request timeout',
      detail: /did not arrive in full within 1 s/,
      instance: paths.api.people(),
      requestId: 'edge-test-408',
    })
    assert.equal(answer.headers.connection, 'close')
    assert.ok(answer.elapsedMs >= TIMEOUT_MS * 0.9, `not before the timeout (${answer.elapsedMs} ms)`)
    assert.ok(answer.elapsedMs < TIMEOUT_MS * 1.5 + 200, `soon after it (${answer.elapsedMs} ms)`)
    await connection.until(() => connection.isClosed, 5_000, 'close')
    // The body's parser then sees the connection gone: that is the client's doing, never an error (nor a 503).
    await new Promise((resolve) => setTimeout(resolve, 100))
    assert.deepEqual(
      logs.filter((line) => line.level >= 50),
      [],
    )
    assert.ok(logs.some((line) => line.msg === 'client went away'))
  })

  it('a complete request on a kept-alive connection is answered as usual, and its idle connection gets no stray 408', async (t) => {
    const { open } = await listening(t)
    const connection = open()
    connection.send(`GET ${paths.health.liveness} HTTP/1.1\r\nHost: localhost\r\n\r\n`)
    const answer = await connection.answer()
    assert.equal(answer.status, 200)
    const after = connection.bytes
    await new Promise((resolve) => setTimeout(resolve, TIMEOUT_MS * 2.5))
    assert.equal(connection.bytes, after, 'nothing more was sent')
    assert.equal(connection.isClosed, false)
  })
})
