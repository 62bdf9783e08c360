import type { FastifyRequest } from 'fastify'
import type { AuditEvent } from '../audit/audit-writer.ts'
import type { RequestContext } from '../auth/auth-service.ts'
import type { CurrentUser } from '../auth/user-repository.ts'
import type { Actor } from './policy.ts'
import { isRole } from './roles.ts'

/** The policy's view of a signed-in user (re-read from the database for this request). */
export function actorOf(user: CurrentUser, scopes?: Actor['scopes']): Actor {
  const roles = user.roles.filter(isRole)
  const teams = user.teamId === null ? [] : [user.teamId]
  return {
    userId: user.id,
    partnershipId: user.partnershipId,
    agencyId: user.agencyId,
    teamIds: teams,
    // A team manager manages the team they belong to.
    managedTeamIds: roles.includes('team-manager') ? teams : [],
    roles,
    ...(scopes !== undefined ? { scopes } : {}),
  }
}

/** For handlers behind the route guard ('signed-in' or a capability): the actor of the signed-in user. */
export function signedInActor(request: FastifyRequest): Actor {
  if (request.user === undefined) throw new Error('route guard missing: no signed-in user for this route')
  return actorOf(request.user)
}

/** Who did it, as the audit trail records it. */
export function auditActorOf(actor: Actor): { id: string; role: string; agencyId: string } {
  return { id: actor.userId, role: actor.roles.join(' '), agencyId: actor.agencyId }
}

/** An audit event for something the actor did in this request: who, their partnership, the request and its IP. */
export function actorEvent(
  actor: Actor,
  ctx: RequestContext,
  event: Omit<AuditEvent, 'partnershipId' | 'actor' | 'requestId' | 'ip'>,
): AuditEvent {
  return {
    partnershipId: actor.partnershipId,
    actor: auditActorOf(actor),
    requestId: ctx.requestId,
    ip: ctx.ip,
    ...event,
  }
}

/** The row-level security context of the actor's transactions. */
export function rlsContextOf(actor: Actor): { actorId: string; partnershipId: string } {
  return { actorId: actor.userId, partnershipId: actor.partnershipId }
}
