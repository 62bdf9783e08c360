import type { FastifyReply, FastifyRequest } from 'fastify'
import { paths } from '../paths.ts'
import type { CurrentUser } from './user-repository.ts'

/**
 * For pages that need a signed-in user: returns the user, or sends a redirect to sign-in (saying the session
 * ended if it did) and returns undefined. `if (!user) return reply` keeps the handler honest.
 */
export function requireUser(request: FastifyRequest, reply: FastifyReply): CurrentUser | undefined {
  if (request.user !== undefined) return request.user
  if (request.session.ended || request.session.destroyed) request.session.set('notice', 'session-ended')
  void reply.redirect(paths.signIn, 303)
  return undefined
}
