import type { FastifyRequest } from 'fastify'
import type { RequestContext } from './auth-service.ts'

/** The request id and client address recorded with each security event. */
export function requestContext(request: FastifyRequest): RequestContext {
  return { requestId: request.id, ip: request.ip }
}
