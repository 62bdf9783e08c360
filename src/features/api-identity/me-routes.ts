import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { capabilitiesOf } from '../../platform/access/policy.ts'
import { paths } from '../../platform/paths.ts'

const Me = Type.Object({
  id: Type.String(),
  displayName: Type.String(),
  partnershipId: Type.String(),
  agencyId: Type.String(),
  teamId: Type.Union([Type.String(), Type.Null()]),
  roles: Type.Array(Type.String()),
  capabilities: Type.Array(Type.String()),
  scopes: Type.Array(Type.String()),
  tokenExpiresAt: Type.String({ format: 'date-time' }),
})

export function meRoutes(): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      paths.api.me,
      {
        config: { access: 'signed-in' },
        schema: {
          tags: ['identity'],
          summary: 'Who the API token acts for: identity, roles, effective capabilities and scopes',
          security: [{ bearer: [] }],
          response: { 200: Me, 401: { $ref: 'Problem#' } },
        },
      },
      async function meGet(request) {
        const caller = request.apiCaller
        if (caller === undefined) throw new Error('API auth missing for a signed-in route')
        return {
          id: caller.user.id,
          displayName: caller.user.displayName,
          partnershipId: caller.user.partnershipId,
          agencyId: caller.user.agencyId,
          teamId: caller.user.teamId,
          roles: caller.user.roles,
          capabilities: [...capabilitiesOf(caller.actor)].sort(),
          scopes: [...(caller.actor.scopes ?? [])],
          tokenExpiresAt: caller.expiresAt.toISOString(),
        }
      },
    )
  }
}
