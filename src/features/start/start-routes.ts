import { paths } from '../../platform/paths.ts'
import type { Services } from '../../services.ts'
import type { FeatureRoutes } from '../../platform/surfaces.ts'

export function startRoutes(services: Services): FeatureRoutes {
  return {
    pages: async (app) => {
      app.get(paths.start, { config: { access: 'public' } }, async function startGet(_request, reply) {
        const partnerships = await services.partnerships.list()
        return reply.view('features/start/views/start.njk', { partnerships })
      })

      app.get(
        paths.accessibility,
        { config: { access: 'public' } },
        async function accessibilityGet(_request, reply) {
          return reply.view('features/start/views/accessibility.njk')
        },
      )
    },
  }
}
