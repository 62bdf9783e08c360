import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Services } from '../../services.ts'
import { actorOf } from '../access/actor.ts'
import type { Actor } from '../access/policy.ts'
import { requestContext } from '../auth/request-context.ts'
import type { CurrentUser } from '../auth/user-repository.ts'
import { ForbiddenError, UnauthorizedError } from '../errors.ts'
import { hashSessionId } from '../session/session.ts'
import { SESSION_COOKIE } from '../session/session-plugin.ts'

/**
 * Who calls an /api/v1 route. Its `actor` carries the token's scopes, so the policy narrows the user's
 * capabilities to them: API handlers must use `apiActor(request)`, never `actorOf(request.user)` (which would
 * give a token its user's full roles). `request.user` stays the session's user only.
 */
export type ApiCaller =
  | { via: 'token'; user: CurrentUser; actor: Actor; tokenId: string; expiresAt: Date }
  | { via: 'session'; user: CurrentUser; actor: Actor; tokenId: null; expiresAt: null }

declare module 'fastify' {
  interface FastifyRequest {
    /** The API caller, set for /api/v1 routes that are not public. */
    apiCaller?: ApiCaller
  }
}

/** For API handlers behind this plugin: the caller's actor, narrowed by the token's scopes. */
export function apiActor(request: FastifyRequest): Actor {
  if (request.apiCaller === undefined) throw new Error('API auth missing: no caller for this route')
  return request.apiCaller.actor
}

const SAFE_METHODS = new Set(['GET', 'HEAD'])

/**
 * Enforces `config.access` on the API surface's routes (registered there only: src/platform/surfaces.ts; pages are
 * guarded by route-guard.ts): 'public' needs nothing;
 * anything else needs a valid bearer token, or, for reading (GET/HEAD, so no CSRF exposure) without an
 * Authorization header, a signed-in session. Otherwise 401 problem+json with `WWW-Authenticate: Bearer`, never
 * saying why (the reason is logged and audited). `{ capability }` also needs the caller's roles, narrowed by
 * the token's scopes, to grant it: 403 problem+json, with the denial audited.
 *
 * Runs in preValidation, before schema validation, so an unauthenticated caller learns nothing from validation
 * errors.
 */
export function setUpApiAuth(app: FastifyInstance, services: Services): void {
  app.decorateRequest('apiCaller', undefined)
  app.addHook('preValidation', async (request) => {
    const access = request.routeOptions.config.access
    if (access === undefined || access === 'public') return
    const caller = await authenticate(request, services)
    request.apiCaller = caller
    if (
      typeof access === 'object' &&
      !(await services.access.check(caller.actor, access.capability, requestContext(request)))
    ) {
      throw new ForbiddenError(
        caller.via === 'token'
          ? `This token may not do this: it needs the ${access.capability} scope, and a role that grants it`
          : `Your roles do not allow this: it needs ${access.capability}`,
      )
    }
  })
}

async function authenticate(request: FastifyRequest, services: Services): Promise<ApiCaller> {
  const header = request.headers.authorization
  if (header === undefined) {
    const user = SAFE_METHODS.has(request.method) ? await sessionUser(request, services) : undefined
    if (user !== undefined) {
      return { via: 'session', user, actor: actorOf(user), tokenId: null, expiresAt: null }
    }
    throw new UnauthorizedError()
  }
  const result = await services.tokens.authenticate(header, requestContext(request))
  if (!result.ok) {
    request.log.info({ event: 'token-refused', reason: result.reason }, 'API token refused')
    throw new UnauthorizedError(
      'The API token is not valid. Check it, or ask your administrator for a new one.',
    )
  }
  return {
    via: 'token',
    user: result.user,
    actor: actorOf(result.user, result.scopes),
    tokenId: result.tokenId,
    expiresAt: result.expiresAt,
  }
}

/**
 * The signed-in user of the request's session cookie, read without touching the session: API paths are
 * sessionless in session-plugin.ts (no row is created, refreshed or written for them), so an API read neither
 * starts a session nor keeps one alive. Expiry is decided by the row, the user is re-read (not disabled).
 */
async function sessionUser(request: FastifyRequest, services: Services): Promise<CurrentUser | undefined> {
  const raw = request.cookies[SESSION_COOKIE]
  if (raw === undefined) return undefined
  const unsigned = request.unsignCookie(raw)
  if (!unsigned.valid) return undefined
  const stored = await services.sessions.find(hashSessionId(unsigned.value))
  const userId = stored?.data.userId
  if (stored?.data.stage !== 'signed-in' || typeof userId !== 'string' || userId !== stored.userId) {
    return undefined
  }
  return stored.user?.id === userId ? stored.user : services.auth.currentUser(userId)
}
