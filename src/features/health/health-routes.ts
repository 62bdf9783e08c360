import { Type } from 'typebox'
import { paths } from '../../platform/paths.ts'
import type { Services } from '../../services.ts'
import type { FeatureRoutes } from '../../platform/surfaces.ts'

const HealthBody = Type.Object({
  status: Type.Union([Type.Literal('UP'), Type.Literal('DOWN')]),
  components: Type.Optional(
    Type.Object({
      database: Type.Object({ status: Type.Union([Type.Literal('UP'), Type.Literal('DOWN')]) }),
    }),
  ),
  reason: Type.Optional(Type.String()),
})

export function healthRoutes(services: Services): FeatureRoutes {
  return {
    probes: async (app) => {
      app.get(
        paths.health.liveness,
        {
          config: { access: 'public' },
          schema: {
            tags: ['health'],
            summary: 'Service and database health',
            response: { 200: HealthBody, 503: HealthBody },
          },
        },
        async (_request, reply) => {
          const health = await services.health.health()
          return reply.code(health.status === 'UP' ? 200 : 503).send(health)
        },
      )

      app.get(
        paths.health.readiness,
        {
          config: { access: 'public' },
          schema: {
            tags: ['health'],
            summary: 'Ready for traffic: database up, migrations applied, not shutting down',
            response: { 200: HealthBody, 503: HealthBody },
          },
        },
        async (_request, reply) => {
          const ready = await services.health.readiness()
          return reply.code(ready.status === 'UP' ? 200 : 503).send(ready)
        },
      )
    },
  }
}
