import type { ColumnType, Generated } from 'kysely'

/** Kysely's view of the tables (kept beside the SQL migrations that define them). */

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>

export interface PartnershipTable {
  id: Generated<string>
  code: string
  name: string
  la_code: string | null
  is_demo: Generated<boolean>
  created_at: Generated<Timestamp>
  created_by: string | null
  updated_at: Generated<Timestamp>
  updated_by: string | null
  version: Generated<number>
}

export interface AgencyTypeTable {
  code: string
  label: string
  sort_order: number
}

export interface AgencyTable {
  id: Generated<string>
  partnership_id: string
  name: string
  agency_type: string
  disabled_at: Timestamp | null
  created_at: Generated<Timestamp>
  created_by: string | null
  updated_at: Generated<Timestamp>
  updated_by: string | null
  version: Generated<number>
}

export interface SchemaMigrationTable {
  id: number
  name: string
  checksum: string
  applied_at: Timestamp
}

export interface DB {
  partnership: PartnershipTable
  agency_type: AgencyTypeTable
  agency: AgencyTable
  schema_migration: SchemaMigrationTable
}
