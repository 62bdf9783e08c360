import type { FastifyInstance } from 'fastify'
import type { AuthService } from './auth-service.ts'
import type { CurrentUser } from './user-repository.ts'

declare module 'fastify' {
  interface FastifyRequest {
    /** The signed-in user, re-read from the database for this request; undefined when not signed in. */
    user: CurrentUser | undefined
  }
}

/**
 * Resolves the session's user on every request from the database (ASVS 8.3.2): a disabled account's session is
 * refused at its next request, and role changes apply at once. Also gives the layout what it needs (the
 * user's name and a CSRF token for the sign-out form).
 */
export function setUpCurrentUser(app: FastifyInstance, auth: AuthService): void {
  app.decorateRequest('user', undefined)
  app.addHook('preValidation', async (request, reply) => {
    const session = request.session
    const userId = session.get('userId')
    if (userId === undefined || session.get('stage') !== 'signed-in') return
    // Read with the session row when it names this user; otherwise (and for a disabled user) asked again.
    const loaded = session.loadedUser
    const user = loaded?.id === userId ? loaded : await auth.currentUser(userId)
    if (user === undefined) {
      request.log.warn({ event: 'session-refused', reason: 'user-disabled' }, 'session of a disabled user')
      session.destroy()
      return
    }
    request.user = user
    reply.locals = {
      ...reply.locals,
      currentUser: { displayName: user.displayName },
      csrfToken: reply.csrfToken(),
    }
  })
}
