import type { FastifyRequest } from 'fastify'
import type { Actor } from '../access/policy.ts'
import type { RequestContext } from '../auth/auth-service.ts'
import { requestContext } from '../auth/request-context.ts'
import { apiActor } from './api-auth.ts'

/** What an API handler about one record (`:id`) hands its service: the caller, the record's id, the request's context. */
export interface ApiRecordCall {
  actor: Actor
  id: string
  ctx: RequestContext
}

export function apiRecordCall(request: FastifyRequest & { params: { id: string } }): ApiRecordCall {
  return { actor: apiActor(request), id: request.params.id, ctx: requestContext(request) }
}
