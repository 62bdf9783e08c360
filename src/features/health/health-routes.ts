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
      // The two probes answer alike: 200 when UP, 503 when DOWN, with what was checked.
      const probes = [
        {
          path: paths.health.liveness,
          summary: 'Service and database health',
          check: () => services.health.health(),
        },
        {
          path: paths.health.readiness,
          summary: 'Ready for traffic: database up, migrations applied, not shutting down',
          check: () => services.health.readiness(),
        },
      ]
      for (const probe of probes) {
        app.get(
          probe.path,
          {
            config: { access: 'public' },
            schema: {
              tags: ['health'],
              summary: probe.summary,
              response: { 200: HealthBody, 503: HealthBody },
            },
          },
          async (_request, reply) => {
            const health = await probe.check()
            return reply.code(health.status === 'UP' ? 200 : 503).send(health)
          },
        )
      }
    },
  }
}
