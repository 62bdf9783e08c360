import type { Services } from '../../services.ts'
import type { FeatureRoutes } from '../../platform/surfaces.ts'
import { personEditApi } from './person-edit-api.ts'
import { personEditPages } from './person-edit-pages.ts'

/**
 * Adding and changing a person's record: the pages (person-edit-pages.ts: details, other names, statutory
 * statuses) and the API (person-edit-api.ts, tag `people`), both on the edit service.
 */
export function personEditRoutes(services: Services): FeatureRoutes {
  return { pages: personEditPages(services), api: personEditApi(services) }
}
