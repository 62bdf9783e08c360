import type { FeatureRoutes } from '../../platform/surfaces.ts'
import type { Services } from '../../services.ts'
import { duplicateApi } from './duplicate-api.ts'
import { duplicatePages } from './duplicate-pages.ts'

/** Possible duplicates of a person, merging two records and reversing a merge: pages and API. */
export function duplicateRoutes(services: Services): FeatureRoutes {
  return { pages: duplicatePages(services), api: duplicateApi(services) }
}
