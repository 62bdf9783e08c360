import type { FeatureRoutes } from '../../platform/surfaces.ts'
import type { Services } from '../../services.ts'
import { concernApi } from './concern-api.ts'
import { concernPages } from './concern-pages.ts'

/** Concerns (issue 4): the three pages that record one (concern-pages.ts), and the API (concern-api.ts). */
export function concernRoutes(services: Services): FeatureRoutes {
  return { pages: concernPages(services), api: concernApi(services) }
}
