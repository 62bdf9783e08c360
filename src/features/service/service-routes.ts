import { Type } from 'typebox'
import { paths } from '../../platform/paths.ts'
import { apiRoute } from '../../platform/route-kit.ts'
import type { Services } from '../../services.ts'
import type { FeatureRoutes } from '../../platform/surfaces.ts'
import { version } from '../../version.ts'

const ServiceInfo = Type.Object({
  service: Type.String(),
  version: Type.String(),
  apiVersion: Type.Literal('v1'),
  partnerships: Type.Array(Type.Object({ code: Type.String(), name: Type.String(), demo: Type.Boolean() })),
})

export function serviceRoutes(services: Services): FeatureRoutes {
  return {
    api: async (app) => {
      app.get(
        paths.api.service.pattern,
        apiRoute('public', 'service', {
          summary: 'What this deployment is: software version and the partnerships it serves',
          response: { 200: ServiceInfo, 503: { $ref: 'Problem#' } },
        }),
        async function serviceGet() {
          const partnerships = await services.partnerships.list()
          return {
            service: services.serviceName,
            version,
            apiVersion: 'v1' as const,
            partnerships: partnerships.map((p) => ({ code: p.code, name: p.name, demo: p.isDemo })),
          }
        },
      )
    },
  }
}
