import { sql } from 'kysely'
import type { Executor } from '../../db/database.ts'
import { findOne, type FindOptions } from '../../db/query-helpers.ts'
import { insertThing, newThingColumns, updateThing, type NewThing } from '../../db/thing-store.ts'
import { camelRow } from '../../db/rows.ts'
import type { ThingStored } from '../../platform/access/pole-records.ts'
import type { LocationInput } from './location-validation.ts'

/** A location as stored (row-level security limits it to the transaction's partnership). */
export type LocationRow = LocationInput & ThingStored

/** A location's own columns, written alike when it is created and when it is changed. */
const columns = (location: LocationInput) => ({
  kind: location.kind,
  name: location.name,
  address_line_1: location.addressLine1,
  address_line_2: location.addressLine2,
  town: location.town,
  postcode: location.postcode,
  latitude: location.latitude,
  longitude: location.longitude,
  description: location.description,
})

export function locationRepository() {
  return {
    /** One location; `forUpdate` locks its row for a change. */
    async find(db: Executor, id: string, options: FindOptions = {}): Promise<LocationRow | undefined> {
      const query = db
        .selectFrom('location as l')
        .leftJoin('app_user as u', 'u.id', 'l.created_by')
        .select([
          'l.id',
          'l.partnership_id',
          'l.kind',
          'l.name',
          'l.address_line_1',
          'l.address_line_2',
          'l.town',
          'l.postcode',
          // numeric comes back as a string: keep it so (no float rounding)
          sql<string | null>`l.latitude::text`.as('latitude'),
          sql<string | null>`l.longitude::text`.as('longitude'),
          'l.description',
          'l.created_at',
          'u.display_name as created_by_name',
          'l.updated_at',
          'l.version',
        ])
        .where('l.id', '=', id)
      return findOne(query, 'l', options, (r) => camelRow(r))
    },

    async create(db: Executor, location: LocationInput & NewThing): Promise<string> {
      return insertThing(db, 'location', {
        ...newThingColumns(location),
        ...columns(location),
      })
    },

    /** Changes a location if it is still at `version`; false when someone else changed it first. */
    async update(
      db: Executor,
      id: string,
      version: number,
      location: LocationInput,
      updatedBy: string,
    ): Promise<boolean> {
      return updateThing(db, 'location', { id, version }, columns(location), updatedBy)
    },
  }
}

export type LocationRepository = ReturnType<typeof locationRepository>
