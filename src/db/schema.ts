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
  created_at: Timestamp
  created_by: string | null
  updated_at: Timestamp
  updated_by: string | null
  version: Generated<number>
}

export interface SchemaMigrationTable {
  id: number
  name: string
  checksum: string
  applied_at: Timestamp
}

export interface RoleTable {
  code: string
  label: string
  sort_order: number
}

export interface TeamTable {
  id: Generated<string>
  partnership_id: string
  agency_id: string
  name: string
  disabled_at: Timestamp | null
  created_at: Timestamp
  created_by: string | null
  updated_at: Timestamp
  updated_by: string | null
  version: Generated<number>
}

export interface AppUserTable {
  id: Generated<string>
  partnership_id: string
  agency_id: string
  team_id: string | null
  email: string
  display_name: string
  password_hash: string | null
  totp_secret: string | null
  totp_enabled_at: Timestamp | null
  totp_last_step: ColumnType<string | null, number | null | undefined, number | null>
  failed_attempts: Generated<number>
  locked_until: Timestamp | null
  disabled_at: Timestamp | null
  is_demo: Generated<boolean>
  created_at: Timestamp
  created_by: string | null
  updated_at: Timestamp
  updated_by: string | null
  version: Generated<number>
  /** API tokens only: never a password, never a page (0007). */
  service_account: Generated<boolean>
}

export interface UserRoleTable {
  user_id: string
  role: string
  created_at: Timestamp
  created_by: string | null
}

export interface RecoveryCodeTable {
  id: Generated<string>
  user_id: string
  code_hash: string
  used_at: Timestamp | null
  created_at: Timestamp
}

export interface SignInThrottleTable {
  email_hash: string
  failed_attempts: Generated<number>
  locked_until: Timestamp | null
  updated_at: Timestamp
}

export interface SessionTable {
  id: string
  user_id: string | null
  data: ColumnType<Record<string, unknown>, string, string>
  created_at: Timestamp
  last_seen_at: Timestamp
  expires_at: Timestamp
}

/** Append-only (migration 0002): the runtime role may insert and select, never choose `id` or `occurred_at`. */
export interface AuditEventTable {
  /** bigint: read as a string. */
  id: ColumnType<string, never, never>
  partnership_id: string | null
  occurred_at: ColumnType<Date, never, never>
  actor_id: string | null
  actor_role: string | null
  actor_agency_id: string | null
  action: string
  record_type: string | null
  record_id: string | null
  outcome: 'allowed' | 'denied' | 'succeeded' | 'failed'
  reason: string | null
  request_id: string | null
  ip: string | null
  details: ColumnType<Record<string, unknown>, string | undefined, never>
}

export interface AuditSealTable {
  seq: ColumnType<string, string, never>
  first_event_id: ColumnType<string, string, never>
  last_event_id: ColumnType<string, string, never>
  row_count: ColumnType<number, number, never>
  previous_hash: ColumnType<string, string, never>
  hash: ColumnType<string, string, never>
  row_index: ColumnType<Buffer, Buffer, never>
  sealed_at: ColumnType<Date, never, never>
}

export interface ApiTokenTable {
  id: Generated<string>
  partnership_id: string
  user_id: string
  name: string
  token_hash: string
  token_prefix: string
  scopes: string[]
  expires_at: Timestamp
  revoked_at: Timestamp | null
  revoked_by: string | null
  last_used_at: Timestamp | null
  created_at: Generated<Timestamp>
  created_by: string | null
}

export interface PersonKindTable {
  code: string
  label: string
  sort_order: number
}

export interface PersonTable {
  id: Generated<string>
  partnership_id: string
  kind: string
  given_name: string
  family_name: string | null
  date_of_birth: ColumnType<string | null, string | null | undefined, string | null>
  estimated_age: number | null
  estimated_age_on: ColumnType<string | null, string | null | undefined, string | null>
  gender: string | null
  nhs_number: string | null
  allocated_worker_id: string | null
  allocated_team_id: string | null
  merged_into_id: string | null
  is_demo: Generated<boolean>
  created_at: Timestamp
  created_by: string | null
  updated_at: Timestamp
  updated_by: string | null
  version: Generated<number>
}

export interface PersonAgencyTable {
  person_id: string
  agency_id: string
  partnership_id: string
  since: ColumnType<string, string | undefined, string>
  created_at: Timestamp
  created_by: string | null
}

export interface MeetingTable {
  id: Generated<string>
  partnership_id: string
  kind: 'triage' | 'mace' | 'strategy'
  title: string
  held_on: ColumnType<string, string, string>
  status: Generated<'planned' | 'held' | 'closed'>
  chair_id: string | null
  is_demo: Generated<boolean>
  created_at: Timestamp
  created_by: string | null
  updated_at: Timestamp
  updated_by: string | null
  version: Generated<number>
}

export interface MeetingMemberTable {
  meeting_id: string
  user_id: string
  partnership_id: string
  created_at: Timestamp
  created_by: string | null
}

export interface AgendaItemTable {
  id: Generated<string>
  meeting_id: string
  person_id: string
  partnership_id: string
  created_at: Timestamp
  created_by: string | null
}

export interface BreakGlassGrantTable {
  id: Generated<string>
  partnership_id: string
  user_id: string
  record_type: 'person'
  record_id: string
  reason: string
  granted_at: Timestamp
  expires_at: Timestamp
  audit_event_id: string | null
  reviewed_at: Timestamp | null
  reviewed_by: string | null
  review_outcome: 'justified' | 'not-justified' | null
  review_note: string | null
  version: Generated<number>
}

export interface AccountSetUpTable {
  id: Generated<string>
  user_id: string
  token_hash: string
  expires_at: Timestamp
  used_at: Timestamp | null
  created_at: Generated<Timestamp>
  created_by: string | null
}

export interface DB {
  partnership: PartnershipTable
  agency_type: AgencyTypeTable
  agency: AgencyTable
  schema_migration: SchemaMigrationTable
  role: RoleTable
  team: TeamTable
  app_user: AppUserTable
  user_role: UserRoleTable
  recovery_code: RecoveryCodeTable
  sign_in_throttle: SignInThrottleTable
  session: SessionTable
  audit_event: AuditEventTable
  audit_seal: AuditSealTable
  api_token: ApiTokenTable
  account_set_up: AccountSetUpTable
  person_kind: PersonKindTable
  person: PersonTable
  person_agency: PersonAgencyTable
  meeting: MeetingTable
  meeting_member: MeetingMemberTable
  agenda_item: AgendaItemTable
  break_glass_grant: BreakGlassGrantTable
}
