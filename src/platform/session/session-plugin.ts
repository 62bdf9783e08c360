import { randomBytes } from 'node:crypto'
import cookie from '@fastify/cookie'
import Tokens from '@fastify/csrf'
import type { FastifyInstance, FastifyReply } from 'fastify'
import type { Config } from '../../config.ts'
import { AppError } from '../errors.ts'
import { hashSessionId, newSessionId, Session } from './session.ts'
import { TOUCH_INTERVAL_MS, type SessionService } from './session-service.ts'

/** `__Host-`: Secure, Path=/, no Domain, so no other host or path can set or read it (ASVS 3.3.x). */
export const SESSION_COOKIE = '__Host-openmace-session'

declare module 'fastify' {
  interface FastifyRequest {
    session: Session
  }
  interface FastifyReply {
    /** A CSRF token for a form on this page (creates the session's secret if needed). */
    csrfToken(): string
  }
}

export class CsrfError extends AppError {
  constructor() {
    super(
      403,
      'This form has expired',
      'The form you sent has expired or did not come from this service, so nothing was saved. Go back, reload the page and try again.',
    )
  }
}

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

/**
 * Sessions in PostgreSQL and synchroniser-token CSRF protection for every state-changing page request, registered
 * in the pages surface only (src/platform/surfaces.ts): assets, health checks and the API never touch a session.
 * The cookie holds a signed random id; the table holds its SHA-256, the user id and the sign-in state.
 * Expiry (idle and absolute) is decided by the database row on every request, not by the cookie.
 */
export async function setUpSessions(app: FastifyInstance, sessions: SessionService): Promise<void> {
  const tokens = Tokens()

  const cookieOptions = {
    path: '/',
    httpOnly: true,
    // Always Secure, even over http in development and tests: browsers treat localhost as a secure context.
    secure: true,
    sameSite: 'lax',
    signed: true,
  } as const

  // Replaced in onRequest for every request, so it is never shared between requests.
  app.decorateRequest('session', null as unknown as Session)

  app.decorateReply('csrfToken', function csrfToken(this: FastifyReply) {
    const session = this.request.session
    let csrfSecret = session.get('csrfSecret')
    if (csrfSecret === undefined) {
      csrfSecret = tokens.secretSync()
      session.set('csrfSecret', csrfSecret)
    }
    return tokens.create(csrfSecret)
  })

  app.addHook('onRequest', async (request) => {
    request.session = new Session(undefined, {}, undefined, false)
    const raw = request.cookies[SESSION_COOKIE]
    if (raw === undefined) return
    const unsigned = request.unsignCookie(raw)
    if (!unsigned.valid) {
      request.log.warn({ event: 'session-cookie-invalid' }, 'session cookie signature is not valid')
      request.session = new Session(undefined, {}, undefined, true)
      return
    }
    const stored = await sessions.find(hashSessionId(unsigned.value))
    if (stored === undefined) {
      request.log.info({ event: 'session-ended' }, 'session expired or unknown')
      request.session = new Session(undefined, {}, undefined, true)
      // Expired rows are deleted now: a later request with the same cookie finds nothing either way.
      await sessions.destroy(hashSessionId(unsigned.value))
      return
    }
    request.session = new Session(unsigned.value, stored.data, stored.lastSeenAt, false)
    request.session.loadedUser = stored.user
  })

  // Every state-changing request to a page carries the token of a form this session was given.
  app.addHook('preValidation', async (request) => {
    if (!STATE_CHANGING.has(request.method)) return
    const body = request.body as { _csrf?: unknown } | undefined
    const token = typeof body?._csrf === 'string' ? body._csrf : request.headers['x-csrf-token']
    const csrfSecret = request.session.get('csrfSecret')
    if (typeof token !== 'string' || csrfSecret === undefined || !tokens.verify(csrfSecret, token)) {
      request.log.warn(
        { event: 'csrf-refused', hasSession: !request.session.isNew, hasToken: typeof token === 'string' },
        'CSRF token missing or invalid',
      )
      throw new CsrfError()
    }
  })

  app.addHook('onSend', async (request, reply) => {
    const session = request.session
    if (session.discardedId !== undefined) await sessions.destroy(hashSessionId(session.discardedId))
    if (session.destroyed && session.id === undefined) {
      reply.clearCookie(SESSION_COOKIE, { path: '/', secure: true, httpOnly: true, sameSite: 'lax' })
      return
    }
    if (session.isNew) {
      if (!session.changed) {
        if (session.ended) reply.clearCookie(SESSION_COOKIE, { path: '/', secure: true })
        return
      }
      session.id ??= newSessionId()
      await sessions.create(hashSessionId(session.id), session.data.userId ?? null, { ...session.data })
      reply.setCookie(SESSION_COOKIE, session.id, cookieOptions)
      return
    }
    const id = session.id
    if (id === undefined) return
    const stale = Date.now() - (session.lastSeenAt?.getTime() ?? 0) >= TOUCH_INTERVAL_MS
    if (session.changed) {
      await sessions.touch(hashSessionId(id), {
        userId: session.data.userId ?? null,
        data: { ...session.data },
      })
    } else if (stale) {
      await sessions.touch(hashSessionId(id))
    }
  })
}

/**
 * Signed cookies for every surface (the API reads a session's cookie for a GET without a token). Outside
 * production an unset secret is random per process: sessions then end when the server restarts.
 */
export async function setUpCookies(app: FastifyInstance, config: Config): Promise<void> {
  const secret = config.sessionSecret ?? randomBytes(32).toString('base64url')
  await app.register(cookie, { secret, hook: 'onRequest' })
}
