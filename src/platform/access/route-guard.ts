import type { FastifyInstance } from 'fastify'
import type { Services } from '../../services.ts'
import { requestContext } from '../auth/request-context.ts'
import { requireUser } from '../auth/require-user.ts'
import { ForbiddenError } from '../errors.ts'
import { actorOf } from './actor.ts'

/**
 * Enforces each page route's `config.access` before its handler runs: 'signed-in' needs a signed-in user
 * (otherwise a redirect to sign-in); `{ capability }` also needs a role that grants it (otherwise a 403 page,
 * with the denial in the audit trail). Runs after the current user is re-read from the database and before the
 * body is validated (preValidation), so a disabled account or a removed role takes effect on the very next
 * request, and a caller without the capability learns nothing of a form's fields from a 400.
 * Registered in the pages surface only (src/platform/surfaces.ts); the API surface has its own credentials
 * guard (bearer tokens answer 401/403 problem+json).
 */
export function setUpRouteGuard(app: FastifyInstance, services: Services): void {
  app.addHook('preValidation', async (request, reply) => {
    const access = request.routeOptions.config.access
    if (access === undefined || access === 'public') return
    const user = requireUser(request, reply)
    if (user === undefined) return reply // redirected to sign-in
    if (access === 'signed-in') return
    if (!(await services.access.check(actorOf(user), access.capability, requestContext(request)))) {
      throw new ForbiddenError()
    }
  })
}
