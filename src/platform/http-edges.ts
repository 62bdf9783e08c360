import { randomUUID } from 'node:crypto'
import http from 'node:http'
import type { Socket } from 'node:net'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Config } from '../config.ts'
import { PROBLEM_CONTENT_TYPE, type Problem } from './errors.ts'

/**
 * What is refused before any route runs still answers in RFC 9457 problem+json, like every other error
 * (error-handler.ts), and never hangs:
 *
 * - the router's refusals (a path parameter longer than `maxParamLength`: 414; a path that cannot be decoded:
 *   400), which Fastify otherwise answers in its own JSON: `frameworkErrors` (error-handler.ts's
 *   frameworkErrorHandler: problem+json, or the GOV.UK page for a page's path);
 * - Node's HTTP parser's and its request timeout's refusals (headers past `http.maxHeaderSize`: 431; a request
 *   not in full within the request timeout: 408; malformed HTTP: 400), which Fastify otherwise writes to the
 *   socket as its own JSON: `clientErrorHandler`, which has only the socket, so it writes a minimal response by
 *   hand and closes the connection;
 * - the request timeout itself. Fastify sets `requestTimeout` on the server after creating it, which leaves
 *   Node's `headersTimeout` at its 60 s default, and Node 20 (measured) times out a request whose headers came
 *   but whose body did not only after the longer of the two: so such a request was dropped, unanswered, when
 *   the idle socket timed out (`connectionTimeout`, 60 s). Both are given at creation here (the headers timeout
 *   no longer than the request timeout), with a `connectionsCheckingInterval` (Node's default: 30 s) of a
 *   tenth of the timeout, so the 408 comes at most that late.
 *
 * Merge `httpEdgeOptions(config)` into the `Fastify({...})` options, then call `setUpHttpEdges(app)`.
 */

/** How often Node looks for requests past their timeout: a tenth of it, at most a second. */
export function connectionsCheckingInterval(requestTimeoutMs: number): number {
  return Math.max(10, Math.min(1_000, Math.ceil(requestTimeoutMs / 10)))
}

/** The request on a connection that has been received but not yet answered (for requestId and instance). */
const inFlight = new WeakMap<Socket, { request: FastifyRequest; reply: FastifyReply }>()

const pathOf = (url: string) => url.split('?')[0] ?? url

function clientProblem(error: NodeJS.ErrnoException, requestTimeoutMs: number) {
  switch (error.code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return {
        status: 408,
        title: 'Request timeout',
        detail: `The request did not arrive in full within ${requestTimeoutMs / 1000} s`,
      }
    case 'HPE_HEADER_OVERFLOW':
      return {
        status: 431,
        title: 'Request header fields too large',
        detail: `The request headers (with the address) are larger than the limit of ${http.maxHeaderSize} bytes`,
      }
    default:
      return { status: 400, title: 'Bad request', detail: 'The request is not valid HTTP/1.1' }
  }
}

/** The path of the request line at the start of what the parser refused, if it is there and plausible. */
function requestLinePath(error: NodeJS.ErrnoException & { rawPacket?: unknown }): string | undefined {
  if (!Buffer.isBuffer(error.rawPacket)) return undefined
  const line = error.rawPacket.subarray(0, 2_100).toString('latin1')
  const path = /^[A-Z]{3,10} (\/[!-~]{0,2047}) HTTP\/1\.[01]\r\n/.exec(line)?.[1]
  return path === undefined ? undefined : pathOf(path)
}

export function httpEdgeOptions(config: Pick<Config, 'requestTimeoutMs'>) {
  const requestTimeoutMs = config.requestTimeoutMs

  return {
    http: {
      requestTimeout: requestTimeoutMs,
      headersTimeout: Math.min(60_000, requestTimeoutMs),
      connectionsCheckingInterval: connectionsCheckingInterval(requestTimeoutMs),
    },

    clientErrorHandler(this: FastifyInstance, error: NodeJS.ErrnoException, socket: Socket): void {
      // A reset connection has no one to answer (as Fastify's default handler); one already answered here
      // (then the client's FIN reads as a malformed end of request) has nothing more to hear.
      if (error.code === 'ECONNRESET' || socket.destroyed || !socket.writable) {
        socket.destroy()
        return
      }
      const current = inFlight.get(socket)
      const described = clientProblem(error, requestTimeoutMs)
      const requestId = current?.request.id ?? randomUUID()
      this.log.info({ code: error.code, status: described.status, requestId }, 'request refused')
      // Never a second status line once a response has begun: then the connection is only closed.
      if (current?.reply.raw.headersSent === true) {
        socket.destroy()
        return
      }
      const instance =
        current !== undefined
          ? pathOf(current.request.url)
          : (requestLinePath(error) ?? `urn:uuid:${requestId}`)
      const problem: Problem = { type: 'about:blank', ...described, instance, requestId }
      const body = JSON.stringify(problem)
      socket.end(
        `HTTP/1.1 ${described.status} ${http.STATUS_CODES[described.status] ?? ''}\r\n` +
          `Content-Type: ${PROBLEM_CONTENT_TYPE}\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\n` +
          `Date: ${new Date().toUTCString()}\r\n` +
          'Cache-Control: no-store\r\n' +
          'X-Content-Type-Options: nosniff\r\n' +
          `X-Request-Id: ${requestId}\r\n` +
          'Connection: close\r\n' +
          `\r\n${body}`,
      )
      // end() sends the answer, then FIN; a peer that never closes its side is cut off shortly after.
      setTimeout(() => socket.destroy(), 2_000).unref()
    },
  }
}

/** Tracks the request each connection is receiving, for clientErrorHandler's requestId and instance. */
export function setUpHttpEdges(app: FastifyInstance): void {
  app.addHook('onRequest', async (request, reply) => {
    inFlight.set(request.raw.socket, { request, reply })
  })
  app.addHook('onResponse', async (request) => {
    if (inFlight.get(request.raw.socket)?.request === request) inFlight.delete(request.raw.socket)
  })
}
