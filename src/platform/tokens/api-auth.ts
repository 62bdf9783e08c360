import type { FastifyInstance } from 'fastify'
import type { Services } from '../../services.ts'
import { actorOf } from '../access/actor.ts'
import type { Actor } from '../access/policy.ts'
import { requestContext } from '../auth/request-context.ts'
import type { CurrentUser } from '../auth/user-repository.ts'
import { ForbiddenError, UnauthorizedError } from '../errors.ts'
import { isApiPath } from '../paths.ts'

export interface ApiCaller {
  user: CurrentUser
  actor: Actor
  tokenId: string
  expiresAt: Date
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The API caller, set for /api/v1 routes that are not public. */
    apiCaller?: ApiCaller
  }
}

/**
 * Enforces `config.access` on /api/v1 routes: 'public' needs nothing; anything else needs a valid bearer token
 * (401 problem+json otherwise, without saying why); `{ capability }` also needs the token's user to hold it
 * within the token's scopes (403 problem+json, with the denial audited). Pages are guarded by route-guard.ts.
 */
export function setUpApiAuth(app: FastifyInstance, services: Services): void {
  app.addHook('preHandler', async (request) => {
    const access = request.routeOptions.config.access
    if (access === undefined || access === 'public' || !isApiPath(request.url)) return
    const header = request.headers.authorization
    if (header === undefined) throw new UnauthorizedError()
    const result = await services.tokens.authenticate(header, requestContext(request))
    if (!result.ok) {
      request.log.info({ event: 'token-refused', reason: result.reason }, 'API token refused')
      throw new UnauthorizedError(
        'The API token is not valid. Check it, or ask your administrator for a new one.',
      )
    }
    const actor = actorOf(result.user, result.scopes)
    request.apiCaller = { user: result.user, actor, tokenId: result.tokenId, expiresAt: result.expiresAt }
    if (
      typeof access === 'object' &&
      !(await services.access.check(actor, access.capability, requestContext(request)))
    ) {
      throw new ForbiddenError(`This token may not do this: it needs the ${access.capability} scope and role`)
    }
  })
}
