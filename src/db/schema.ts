import type { ColumnType, Generated } from 'kysely'

/** Kysely's view of the tables (kept beside the SQL migrations that define them). */

/** A timestamp column: read as a Date; written as a Date or text, or left to its default. */
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>

/** The bookkeeping columns of a versioned row: when and by whom it was made and last changed, and its version. */
interface VersionedRow {
  created_at: Timestamp
  created_by: string | null
  updated_at: Timestamp
  updated_by: string | null
  version: Generated<number>
}

/** A versioned row that demo data may make (is_demo marks it, so that the demo can be cleared). */
interface DemoVersionedRow extends VersionedRow {
  is_demo: Generated<boolean>
}

export interface PartnershipTable extends DemoVersionedRow {
  id: Generated<string>
  code: string
  name: string
  la_code: string | null
}

export interface AgencyTypeTable {
  code: string
  label: string
  sort_order: number
}

export interface AgencyTable extends VersionedRow {
  id: Generated<string>
  partnership_id: string
  name: string
  agency_type: string
  disabled_at: Timestamp | null
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

export interface TeamTable extends VersionedRow {
  id: Generated<string>
  partnership_id: string
  agency_id: string
  name: string
  disabled_at: Timestamp | null
}

export interface AppUserTable extends DemoVersionedRow {
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
  /** API tokens only: never a password, never a page (0007). */
  service_account: Generated<boolean>
  /** Single sign-on (0005): the provider and subject recorded at the account's first sign-on; all or none. */
  oidc_issuer: string | null
  oidc_subject: string | null
  oidc_linked_at: Timestamp | null
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
  created_at: Timestamp
  created_by: string | null
}

export interface PersonKindTable {
  code: string
  label: string
  sort_order: number
}

export interface PersonTable extends DemoVersionedRow {
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
  ethnicity: ColumnType<string | null, string | null | undefined, string | null>
  language: ColumnType<string | null, string | null | undefined, string | null>
  disability: ColumnType<string | null, string | null | undefined, string | null>
  upn: ColumnType<string | null, string | null | undefined, string | null>
  la_child_id: ColumnType<string | null, string | null | undefined, string | null>
  police_id: ColumnType<string | null, string | null | undefined, string | null>
  school_agency_id: ColumnType<string | null, string | null | undefined, string | null>
  search_name: ColumnType<string, never, never>
  allocated_worker_id: string | null
  allocated_team_id: string | null
  merged_into_id: string | null
}

export interface PersonAgencyTable {
  person_id: string
  agency_id: string
  partnership_id: string
  since: ColumnType<string, string | undefined, string>
  created_at: Timestamp
  created_by: string | null
}

export interface MeetingTable extends DemoVersionedRow {
  id: Generated<string>
  partnership_id: string
  kind: 'triage' | 'mace' | 'strategy'
  title: string
  held_on: ColumnType<string, string, string>
  status: Generated<'planned' | 'held' | 'closed'>
  chair_id: string | null
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
  created_at: Timestamp
  created_by: string | null
}

type DateColumn = ColumnType<string, string, string>
type NullableDate = ColumnType<string | null, string | null | undefined, string | null>
type Optional<T> = ColumnType<T | null, T | null | undefined, T | null>

export interface ReferenceTable {
  code: string
  label: string
  sort_order: number
}

export interface EthnicityTable extends ReferenceTable {
  group_label: string
}

export interface LinkTypeTable extends ReferenceTable {
  inverse_label: string
  from_kinds: string[]
  to_kinds: string[]
}

export interface FlagTypeTable extends ReferenceTable {
  applies_to: string[]
  definition: string
}

export type EntityKind = 'person' | 'location' | 'object'

export interface PersonAliasTable {
  id: Generated<string>
  partnership_id: string
  person_id: string
  kind: 'alias' | 'street-name' | 'previous-name'
  name: string
  search_name: ColumnType<string, never, never>
  removed_at: Optional<Date>
  created_at: Timestamp
  created_by: Optional<string>
}

export interface PersonStatutoryStatusTable {
  id: Generated<string>
  partnership_id: string
  person_id: string
  status: string
  from_date: DateColumn
  to_date: NullableDate
  created_at: Timestamp
  created_by: Optional<string>
}

export interface LocationTable extends DemoVersionedRow {
  id: Generated<string>
  partnership_id: string
  kind: 'address' | 'premises' | 'public-place'
  name: Optional<string>
  address_line_1: Optional<string>
  address_line_2: Optional<string>
  town: Optional<string>
  postcode: Optional<string>
  latitude: Optional<string>
  longitude: Optional<string>
  description: Optional<string>
}

export interface ObjectTable extends DemoVersionedRow {
  id: Generated<string>
  partnership_id: string
  kind: 'phone' | 'vehicle' | 'online-handle' | 'other'
  value: string
  platform: Optional<string>
  description: Optional<string>
  // i12s: the value compacted (letters and digits, upper case), kept by the database (migration 0019).
  compact_value: Generated<string>
}

export interface LinkTable extends DemoVersionedRow {
  id: Generated<string>
  partnership_id: string
  link_type: string
  from_kind: EntityKind
  from_id: string
  to_kind: EntityKind
  to_id: string
  from_date: NullableDate
  to_date: NullableDate
  source: string
  source_agency_id: Optional<string>
  source_evaluation: Optional<'1' | '2' | '3'>
  intelligence_assessment: Optional<'A' | 'B' | 'C' | 'D' | 'E'>
  /** The intelligence entry the link derives from (visible only where the entry is). */
  intelligence_id: Optional<string>
  confidence: 'confirmed' | 'suspected'
  ended_at: Optional<Date>
  ended_by: Optional<string>
  end_reason: Optional<string>
}

export interface FlagTable {
  id: Generated<string>
  partnership_id: string
  flag_type: string
  subject_kind: 'person' | 'location'
  subject_id: string
  reason: string
  set_by: string
  set_by_team_id: Optional<string>
  set_at: Timestamp
  review_date: DateColumn
  removed_at: Optional<Date>
  removed_by: Optional<string>
  removed_reason: Optional<string>
  /** The intelligence entry the flag derives from (visible only where the entry is). */
  intelligence_id: Optional<string>
  is_demo: Generated<boolean>
  updated_at: Timestamp
  updated_by: Optional<string>
  version: Generated<number>
}

export interface PersonMergeTable {
  id: Generated<string>
  partnership_id: string
  survivor_id: string
  merged_id: string
  reason: string
  moved: ColumnType<Record<string, string[]>, string | undefined, string>
  merged_at: Timestamp
  merged_by: string
  unmerged_at: Optional<Date>
  unmerged_by: Optional<string>
  unmerge_reason: Optional<string>
  version: Generated<number>
}

// Concern, screening and referral (0010) --------------------------------------------------------------------

export interface RiskLevelTable extends ReferenceTable {
  min_score: number | null
}

export interface ScreeningGuideTable {
  id: number
  title: string
  version: number
  effective_from: DateColumn
  is_current: boolean
  vulnerability_points: number
  moderate_points: number
  significant_recent_points: number
  significant_older_points: number
  young_child_age: number
  young_child_floor: string
}

export type ScreeningItemKind = 'vulnerability' | 'moderate' | 'significant'

export interface ScreeningItemTable {
  guide_id: number
  code: string
  kind: ScreeningItemKind
  label: string
  hint: string | null
  sort_order: number
}

export interface StreetTermTable {
  code: string
  term: string
  meaning: string
  patterns: string[]
  indicator_codes: string[]
  sort_order: number
}

/** A partnership's own street terms (issue 12, migration 0016): what screening finds in a concern's words. */
export interface PartnershipStreetTermTable extends VersionedRow {
  id: Generated<string>
  partnership_id: string
  code: string
  term: string
  variants: string[]
  meaning: string
  indicator_codes: Generated<string[]>
  sort_order: number
  retired_at: Optional<Date>
  retired_by: Optional<string>
}

export interface ReferralDecisionTypeTable extends ReferenceTable {
  hint: string | null
}

export interface CinFactorTable extends ReferenceTable {
  exploitation: boolean
}

export type Recency = 'current' | 'within-6-months' | '6-to-12-months' | 'older'

export interface ConcernTable {
  id: Generated<string>
  partnership_id: string
  person_id: string
  status: Generated<'draft' | 'recorded'>
  recorded_by: string
  recorded_by_agency_id: Optional<string>
  immediate_danger: boolean
  police_called: Optional<boolean>
  police_called_at: Optional<Date>
  police_reference: Optional<string>
  narrative: Optional<string>
  happened_on: NullableDate
  happened_at: Optional<string>
  noticed_by: Optional<string>
  child_words: Optional<string>
  consent: Optional<'given' | 'refused' | 'not-asked'>
  consent_note: Optional<string>
  family_aware: Optional<'yes' | 'no' | 'not-safe'>
  guide_id: Optional<number>
  suggested_level: Optional<string>
  suggested_score: Optional<number>
  suggested_reasons: ColumnType<unknown, string | undefined, string>
  judged_level: Optional<string>
  judgement_reason: Optional<string>
  learning_disability: Optional<boolean>
  recorded_at: Optional<Date>
  created_at: Timestamp
  updated_at: Timestamp
  version: Generated<number>
}

export interface ConcernIndicatorTable {
  concern_id: string
  partnership_id: string
  guide_id: number
  item_code: string
  evidence: string
  recency: Recency
  basis: 'evidenced' | 'concern'
}

export type ReferralStatus = 'submitted' | 'in-review' | 'decided' | 'withdrawn'

export interface ReferralTable {
  id: Generated<string>
  partnership_id: string
  person_id: string
  concern_id: Optional<string>
  referrer_id: string
  referrer_agency_id: Optional<string>
  status: Generated<ReferralStatus>
  submitted_at: Timestamp
  decision_due_at: Timestamp
  discussed_with: Optional<string>
  discussion_note: Optional<string>
  reviewer_id: Optional<string>
  review_started_at: Optional<Date>
  decision: Optional<string>
  decision_reasons: Optional<string>
  exploitation_grounds: ColumnType<string[], string[] | undefined, string[]>
  cin_factors: ColumnType<string[], string[] | undefined, string[]>
  decided_by: Optional<string>
  decided_at: Optional<Date>
  withdrawn_by: Optional<string>
  withdrawn_at: Optional<Date>
  withdrawn_reason: Optional<string>
  created_at: Timestamp
  updated_at: Timestamp
  version: Generated<number>
}

export interface ReferralTransitionTable {
  id: Generated<string>
  partnership_id: string
  referral_id: string
  from_status: ReferralStatus | null
  to_status: ReferralStatus
  by_user: string
  at: Timestamp
  reason: Optional<string>
}

export interface CrossAuthorityNotificationTable {
  id: Generated<string>
  partnership_id: string
  person_id: string
  referral_id: Optional<string>
  reason: 'lives-in' | 'moved-from' | 'moved-to' | 'found-in'
  local_authority: string
  police_force: string
  content: string
  sent_by: string
  sent_at: Timestamp
  acknowledged_at: Optional<Date>
  acknowledged_by: Optional<string>
  recorded_by: Optional<string>
  version: Generated<number>
}

export interface IntelligenceTable extends DemoVersionedRow {
  id: Generated<string>
  partnership_id: string
  reported_on: DateColumn
  reporting_agency_id: string
  sanitised_text: string
  full_text: string
  source_reference: Optional<string>
  source_evaluation: '1' | '2' | '3'
  intelligence_assessment: 'A' | 'B' | 'C' | 'D' | 'E'
  handling_code: 'P' | 'C'
  restriction: Optional<string>
  recorded_by: Optional<string>
}

export interface IntelligenceConditionTable {
  id: Generated<string>
  intelligence_id: string
  partnership_id: string
  effect: 'allow' | 'deny'
  agency_id: Optional<string>
  agency_type: Optional<string>
}

export interface IntelligenceSubjectTable {
  intelligence_id: string
  partnership_id: string
  entity_kind: EntityKind
  entity_id: string
}

/** A suggested link between two records of one kind (migration 0017, i12-suggest). */
export interface LinkSuggestionTable {
  id: Generated<string>
  partnership_id: string
  kind: EntityKind
  a_id: string
  b_id: string
  a_version: number
  b_version: number
  score: ColumnType<string, number | string, number | string>
  explanation: ColumnType<unknown, string, string>
  fingerprint: string
  status: Generated<'pending' | 'accepted' | 'rejected' | 'superseded'>
  decided_at: Optional<Date>
  decided_by: Optional<string>
  reject_reason: Optional<string>
  link_id: Optional<string>
  is_demo: Generated<boolean>
  created_at: Timestamp
  updated_at: Timestamp
  version: Generated<number>
}

// t13: the task engine (migration 0020).
export type TaskStatus = 'open' | 'done' | 'cancelled'
export type TaskSubjectKind = 'person' | 'location' | 'object' | 'referral'
export interface TaskTable extends DemoVersionedRow {
  id: Generated<string>
  partnership_id: string
  kind: string
  subject_kind: TaskSubjectKind
  subject_id: string
  assigned_user_id: Optional<string>
  assigned_team_id: Optional<string>
  reason: string
  due_at: Timestamp
  status: Generated<TaskStatus>
  dedup_key: string
  source_kind: Optional<string>
  source_id: Optional<string>
  intelligence_id: Optional<string>
  closed_at: Optional<Date>
  closed_by: Optional<string>
  outcome: Optional<string>
  escalated_at: Optional<Date>
  escalated_to_team_id: Optional<string>
  escalation_reason: Optional<string>
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
  ethnicity: EthnicityTable
  statutory_status_type: ReferenceTable
  link_type: LinkTypeTable
  flag_type: FlagTypeTable
  person_alias: PersonAliasTable
  person_statutory_status: PersonStatutoryStatusTable
  location: LocationTable
  object: ObjectTable
  link: LinkTable
  flag: FlagTable
  person_merge: PersonMergeTable
  risk_level: RiskLevelTable
  screening_guide: ScreeningGuideTable
  screening_item: ScreeningItemTable
  street_term: StreetTermTable
  referral_decision_type: ReferralDecisionTypeTable
  cin_factor: CinFactorTable
  concern: ConcernTable
  concern_indicator: ConcernIndicatorTable
  referral: ReferralTable
  referral_transition: ReferralTransitionTable
  cross_authority_notification: CrossAuthorityNotificationTable
  intelligence: IntelligenceTable
  intelligence_condition: IntelligenceConditionTable
  intelligence_subject: IntelligenceSubjectTable
  // Street terms (issue 12, slice i12-terms)
  partnership_street_term: PartnershipStreetTermTable
  // Suggested links (issue 12, i12-suggest).
  link_suggestion: LinkSuggestionTable
  // a13: allocation (issue 13)
  allocation: AllocationTable
  allocation_history: AllocationHistoryTable
  // t13: the task engine.
  task: TaskTable
}

// a13: allocation (issue 13, migration 0021)
export type AllocationStatus = 'waiting' | 'allocated'

/** A child in a team's allocation queue, then allocated to one of its workers. */
export interface AllocationTable {
  id: Generated<string>
  partnership_id: string
  person_id: string
  referral_id: string | null
  team_id: string
  status: ColumnType<AllocationStatus, AllocationStatus | undefined, AllocationStatus>
  urgent: Generated<boolean>
  queued_at: Timestamp
  queued_by: string
  worker_id: Optional<string>
  allocated_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>
  created_at: Timestamp
  updated_at: Timestamp
  version: Generated<number>
}

/** Who allocated a child, from whom, to whom, when and why. */
export interface AllocationHistoryTable {
  id: Generated<string>
  partnership_id: string
  allocation_id: string
  person_id: string
  team_id: string
  from_worker_id: Optional<string>
  to_worker_id: string
  by_user: string
  at: Timestamp
  reason: Optional<string>
}

// i12d: flags and descriptions derived from intelligence, and an entry's new versions (migration 0018).
/** A superseded version names its successor (an entry is never edited: a new version instead). */
export interface IntelligenceTable {
  superseded_by: Optional<string>
}

/** A place's or thing's description written from an intelligence entry (visible only where the entry is). */
export interface IntelligenceDescriptionTable {
  entity_kind: 'location' | 'object'
  entity_id: string
  partnership_id: string
  intelligence_id: string
  description: string
  written_by: Optional<string>
  written_at: Timestamp
  version: Generated<number>
  is_demo: Generated<boolean>
}

export interface DB {
  intelligence_description: IntelligenceDescriptionTable
}
