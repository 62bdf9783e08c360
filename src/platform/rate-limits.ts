import rateLimit from '@fastify/rate-limit'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { AppError } from './errors.ts'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** What a caller who went over the route's rate limit is told (a generic message when absent). */
    rateLimitMessage?: string
  }
}

export class TooManyRequestsError extends AppError {
  constructor(message = 'You have made too many requests in a short time. Wait a minute, then try again.') {
    super(429, 'Too many requests', message)
  }
}

/** Counted per signed-in user or API caller, so that one office behind one address is not one bucket. */
function callerKey(request: FastifyRequest): string {
  const id = request.apiCaller?.user.id ?? (request as { user?: { id: string } }).user?.id
  return id === undefined ? `ip:${request.ip}` : `user:${id}`
}

/**
 * Named limits, declared on a route as `config: { rateLimit: RATE_LIMITS.search }`. Searches, duplicate checks
 * and exports read many records at once (ASVS 2.4.1: anti-automation); sign-in guesses passwords.
 */
export const RATE_LIMITS = {
  /** Per address: password guessing. */
  signIn: { max: 30, timeWindow: '5 minutes', keyGenerator: (request: FastifyRequest) => request.ip },
  /**
   * Single sign-on callbacks guess nothing (each needs a login this browser started), but each one costs a
   * request to the provider: limited per address, generously, since a whole office may sign on at 9am.
   */
  sso: { max: 300, timeWindow: '5 minutes', keyGenerator: (request: FastifyRequest) => request.ip },
  /** Per user: a person searches a few times a minute; a script harvesting records far more. */
  search: { max: 60, timeWindow: '1 minute', keyGenerator: callerKey },
  duplicateCheck: { max: 60, timeWindow: '1 minute', keyGenerator: callerKey },
  export: { max: 10, timeWindow: '10 minutes', keyGenerator: callerKey },
} as const

/**
 * Rate limits for any surface: none by default, a route opts in with its named limit. Counted after the surface's
 * guard (preHandler), so that a limit is keyed by the caller the guard established.
 */
export async function setUpRateLimits(app: FastifyInstance): Promise<void> {
  await app.register(rateLimit, {
    global: false,
    hook: 'preHandler',
    errorResponseBuilder: (request) => new TooManyRequestsError(request.routeOptions.config.rateLimitMessage),
  })
}
