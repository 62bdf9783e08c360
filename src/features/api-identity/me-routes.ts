import { Type } from 'typebox'
import { capabilitiesOf } from '../../platform/access/policy.ts'
import { paths } from '../../platform/paths.ts'
import { apiRoute } from '../../platform/route-kit.ts'
import { apiActor } from '../../platform/tokens/api-auth.ts'
import type { Services } from '../../services.ts'
import type { FeatureRoutes } from '../../platform/surfaces.ts'

const Named = Type.Object({ id: Type.String({ format: 'uuid' }), name: Type.String() })

const Me = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    displayName: Type.String(),
    email: Type.String(),
    partnership: Named,
    agency: Named,
    team: Type.Union([Named, Type.Null()]),
    roles: Type.Array(Type.String()),
    capabilities: Type.Array(Type.String(), {
      description: "Effective capabilities: the roles' grants, narrowed to the token's scopes",
    }),
    scopes: Type.Union([Type.Array(Type.String()), Type.Null()], {
      description: 'The token’s scopes; null when signed in with a session',
    }),
    authenticatedWith: Type.Union([Type.Literal('token'), Type.Literal('session')]),
    tokenExpiresAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  },
  { additionalProperties: false },
)

export function meRoutes(services: Services): FeatureRoutes {
  return {
    api: async (app) => {
      app.get(
        paths.api.me.pattern,
        apiRoute('signed-in', 'identity', {
          summary: 'Who the caller is: identity, roles, effective capabilities and the token’s scopes',
          response: { 200: Me, 401: { $ref: 'Problem#' } },
        }),
        async function meGet(request) {
          const caller = request.apiCaller
          if (caller === undefined) throw new Error('API auth missing for a signed-in route')
          const identity = await services.tokens.identity(caller.user.id)
          if (identity === undefined) throw new Error('the caller’s account vanished during the request')
          return {
            id: caller.user.id,
            displayName: caller.user.displayName,
            email: identity.email,
            partnership: identity.partnership,
            agency: identity.agency,
            team: identity.team,
            roles: caller.user.roles,
            capabilities: [...capabilitiesOf(apiActor(request))].sort(),
            scopes: caller.actor.scopes === undefined ? null : [...caller.actor.scopes],
            authenticatedWith: caller.via,
            tokenExpiresAt: caller.expiresAt?.toISOString() ?? null,
          }
        },
      )
    },
  }
}
