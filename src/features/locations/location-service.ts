import type { AuditDetails } from '../../platform/audit/audit-writer.ts'
import type { RecordAccess } from '../../platform/access/record-access.ts'
import {
  thingService,
  thingShown,
  type DerivedDescriptions,
  type ThingShown,
} from '../../platform/access/pole-records.ts'
import type { LocationRepository, LocationRow } from './location-repository.ts'
import {
  LOCATION_KIND_LABELS,
  parseLocation,
  type LocationForm,
  type LocationInput,
} from './location-validation.ts'

export type { LocationRow } from './location-repository.ts'
export type { LocationForm } from './location-validation.ts'

/** A location as pages and the API show it. */
export interface LocationView extends ThingShown, Omit<LocationInput, 'kind' | 'description'> {
  /** What to call it: the premises or place name, else the first line of the address. */
  title: string
}

export function locationTitle(row: Pick<LocationRow, 'name' | 'addressLine1' | 'postcode'>): string {
  const main = row.name ?? row.addressLine1 ?? 'Location'
  return row.postcode === null ? main : `${main}, ${row.postcode}`
}

export function locationView(row: LocationRow): LocationView {
  const { name, addressLine1, addressLine2, town, postcode, latitude, longitude } = row
  const place = { name, addressLine1, addressLine2, town, postcode, latitude, longitude }
  return { ...thingShown(row, LOCATION_KIND_LABELS[row.kind]), title: locationTitle(row), ...place }
}

/**
 * Locations (addresses, premises, public places): shared POLE entities of the partnership, kept as every place or
 * thing is (src/platform/access/pole-records.ts): reached through the record-access kit, decided by the policy's
 * place/thing rule; every read is audited, as a location can hold intelligence (a cuckooed flat).
 */
export function locationService(
  locations: LocationRepository,
  access: RecordAccess,
  descriptions?: DerivedDescriptions,
) {
  return thingService<LocationRow, LocationForm, LocationInput, LocationView>(access, {
    ...(descriptions === undefined ? {} : { descriptions }),
    kind: 'location',
    store: locations,
    parse: parseLocation,
    view: locationView,
    createDetails: (input): AuditDetails => ({ kind: input.kind, coordinates: input.latitude !== null }),
  })
}

export type LocationService = ReturnType<typeof locationService>
