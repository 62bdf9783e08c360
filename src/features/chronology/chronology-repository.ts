import { sql, type RawBuilder } from 'kysely'
import type { Executor } from '../../db/database.ts'
import { partnershipAgencies } from '../../db/agency-lists.ts'

/**
 * A child's chronology is a query-time union over the tables that hold dated facts about them: there is no
 * event table to keep in step. Each source is one SELECT of the same columns (below), registered in
 * CHRONOLOGY_SOURCES; later features (concerns, referrals, assessments, meetings, missing episodes) add a branch.
 *
 * Columns of every branch, in this order:
 *   event_key text      unique per event ("link:<id>:recorded")
 *   type text           the filterable event type (the source's code)
 *   action text         what happened (created, started, ended, set, removed, …)
 *   occurred_at timestamptz  when (a calendar date is taken at midnight in England)
 *   occurred_on date    the calendar date, for events that have no time of day; otherwise null
 *   agency_id uuid      the agency the information came from, when the row says; else the recorder's agency
 *   recorded_by uuid    the user who recorded it
 *   source_kind text, source_id uuid  the record the event comes from
 *   code text, code_label text        the reference-data code (link type, flag type, status) and its label
 *   other_kind text, other_id uuid    the other end of a link or merge (access-checked before it is shown)
 *   data jsonb          anything else the description needs (never decided on)
 */
export interface ChronologySource {
  type: string
  label: string
  select: (personId: string) => RawBuilder<unknown>
}

/** England's midnight at the start of a calendar date (for ordering date-only events among timed ones). */
const midnight = (column: RawBuilder<unknown>) => sql`(${column}::timestamp AT TIME ZONE 'Europe/London')`

const record: ChronologySource = {
  type: 'record',
  label: 'Record',
  select: (id) => sql`
    SELECT 'person:' || p.id || ':created', 'record', 'created', p.created_at, NULL::date, NULL::uuid,
           p.created_by, 'person', p.id, p.kind, k.label, NULL::text, NULL::uuid, '{}'::jsonb
      FROM person p JOIN person_kind k ON k.code = p.kind
     WHERE p.id = ${id}
    UNION ALL
    SELECT 'person-agency:' || pa.person_id || ':' || pa.agency_id, 'record', 'agency-involved',
           ${midnight(sql`pa.since`)}, pa.since, pa.agency_id, pa.created_by, 'person', pa.person_id,
           NULL, NULL, NULL, NULL, '{}'::jsonb
      FROM person_agency pa
     WHERE pa.person_id = ${id}`,
}

const statutoryStatus: ChronologySource = {
  type: 'statutory-status',
  label: 'Statutory status',
  select: (id) => sql`
    SELECT 'status:' || s.id || ':' || ev.action, 'statutory-status', ev.action, ${midnight(sql`ev.on_date`)},
           ev.on_date, NULL::uuid, s.created_by, 'person', s.person_id, s.status, t.label, NULL, NULL,
           '{}'::jsonb
      FROM person_statutory_status s
      JOIN statutory_status_type t ON t.code = s.status
     CROSS JOIN LATERAL (VALUES ('started', s.from_date), ('ended', s.to_date)) ev(action, on_date)
     WHERE s.person_id = ${id} AND ev.on_date IS NOT NULL`,
}

const alias: ChronologySource = {
  type: 'alias',
  label: 'Aliases and names',
  select: (id) => sql`
    SELECT 'alias:' || a.id || ':' || ev.action, 'alias', ev.action, ev.at, NULL::date, NULL::uuid,
           a.created_by, 'person', a.person_id, a.kind, NULL, NULL, NULL, jsonb_build_object('name', a.name)
      FROM person_alias a
     CROSS JOIN LATERAL (VALUES ('added', a.created_at), ('removed', a.removed_at)) ev(action, at)
     WHERE a.person_id = ${id} AND ev.at IS NOT NULL`,
}

const link: ChronologySource = {
  type: 'link',
  label: 'Links',
  select: (id) => sql`
    SELECT 'link:' || l.id || ':' || ev.action, 'link', ev.action, ev.at, ev.on_date, l.source_agency_id,
           ev.by, 'link', l.id, l.link_type,
           CASE WHEN l.from_id = ${id} THEN t.label ELSE t.inverse_label END,
           CASE WHEN l.from_id = ${id} THEN l.to_kind ELSE l.from_kind END,
           CASE WHEN l.from_id = ${id} THEN l.to_id ELSE l.from_id END,
           jsonb_build_object('confidence', l.confidence, 'source', l.source,
                              'sourceEvaluation', l.source_evaluation,
                              'intelligenceAssessment', l.intelligence_assessment,
                              'endReason', l.end_reason)
      FROM link l
      JOIN link_type t ON t.code = l.link_type
     CROSS JOIN LATERAL (VALUES
             ('recorded', l.created_at, NULL::date, l.created_by),
             ('started', ${midnight(sql`l.from_date`)}, l.from_date, l.created_by),
             ('ends', ${midnight(sql`l.to_date`)}, l.to_date, l.created_by),
             ('ended', l.ended_at, NULL::date, l.ended_by)) ev(action, at, on_date, by)
     WHERE (l.from_id = ${id} OR l.to_id = ${id}) AND ev.at IS NOT NULL`,
}

const flag: ChronologySource = {
  type: 'flag',
  label: 'Flags',
  // A flag changed after it was set and not removed then has been reviewed (its review date moved on).
  select: (id) => sql`
    SELECT 'flag:' || f.id || ':' || ev.action, 'flag', ev.action, ev.at, NULL::date,
           (SELECT tm.agency_id FROM team tm WHERE tm.id = f.set_by_team_id), ev.by, 'flag', f.id,
           f.flag_type, t.label, NULL, NULL,
           jsonb_build_object('reason', f.reason, 'reviewDate', f.review_date,
                              'removedReason', f.removed_reason)
      FROM flag f
      JOIN flag_type t ON t.code = f.flag_type
     CROSS JOIN LATERAL (VALUES
             ('set', f.set_at, f.set_by),
             ('reviewed', CASE WHEN f.version > 1 AND f.updated_at > f.set_at
                                AND f.updated_at IS DISTINCT FROM f.removed_at THEN f.updated_at END,
              coalesce(f.updated_by, f.set_by)),
             ('removed', f.removed_at, f.removed_by)) ev(action, at, by)
     WHERE f.subject_kind = 'person' AND f.subject_id = ${id} AND ev.at IS NOT NULL`,
}

const merge: ChronologySource = {
  type: 'merge',
  label: 'Merges',
  select: (id) => sql`
    SELECT 'merge:' || m.id || ':' || ev.action, 'merge', ev.action, ev.at, NULL::date, NULL::uuid, ev.by,
           'merge', m.id, CASE WHEN m.survivor_id = ${id} THEN 'survivor' ELSE 'merged' END, NULL,
           'person', CASE WHEN m.survivor_id = ${id} THEN m.merged_id ELSE m.survivor_id END,
           jsonb_build_object('reason', m.reason, 'unmergeReason', m.unmerge_reason)
      FROM person_merge m
     CROSS JOIN LATERAL (VALUES ('merged', m.merged_at, m.merged_by),
                                ('unmerged', m.unmerged_at, m.unmerged_by)) ev(action, at, by)
     WHERE (m.survivor_id = ${id} OR m.merged_id = ${id}) AND ev.at IS NOT NULL`,
}

const referral: ChronologySource = {
  type: 'referral',
  label: 'Referrals',
  // Sent, review started, decided (the decision type and its reasons) or withdrawn (with why).
  select: (id) => sql`
    SELECT 'referral:' || r.id || ':' || ev.action, 'referral', ev.action, ev.at, NULL::date, ev.agency, ev.by,
           'referral', r.id, CASE WHEN ev.action = 'decided' THEN r.decision END,
           CASE WHEN ev.action = 'decided' THEN dt.label END, NULL, NULL,
           jsonb_build_object('reasons', CASE WHEN ev.action = 'decided' THEN r.decision_reasons
                                              WHEN ev.action = 'withdrawn' THEN r.withdrawn_reason END,
                              'exploitationGrounds', to_jsonb(r.exploitation_grounds),
                              'cinFactors', to_jsonb(r.cin_factors))
      FROM referral r
      LEFT JOIN referral_decision_type dt ON dt.code = r.decision
     CROSS JOIN LATERAL (VALUES
             ('submitted', r.submitted_at, r.referrer_id, r.referrer_agency_id),
             ('review-started', r.review_started_at, r.reviewer_id, NULL::uuid),
             ('decided', r.decided_at, r.decided_by, NULL::uuid),
             ('withdrawn', r.withdrawn_at, r.withdrawn_by, NULL::uuid)) ev(action, at, by, agency)
     WHERE r.person_id = ${id} AND ev.at IS NOT NULL`,
}

const concern: ChronologySource = {
  type: 'concern',
  label: 'Concerns',
  // A recorded concern (drafts are the practitioner's own): the level they judged, and whether in immediate danger.
  select: (id) => sql`
    SELECT 'concern:' || c.id || ':recorded', 'concern', 'recorded', c.recorded_at, NULL::date,
           c.recorded_by_agency_id, c.recorded_by, 'concern', c.id, c.judged_level, l.label, NULL, NULL,
           jsonb_build_object('immediateDanger', c.immediate_danger, 'happenedOn', c.happened_on)
      FROM concern c
      LEFT JOIN risk_level l ON l.code = c.judged_level
     WHERE c.person_id = ${id} AND c.status = 'recorded'`,
}

// a13: allocation (issue 13): joining a team's allocation queue, and each allocation and re-allocation (with why).
const allocation: ChronologySource = {
  type: 'allocation',
  label: 'Allocation',
  select: (id) => sql`
    SELECT 'allocation:' || al.id || ':queued', 'allocation', 'queued', al.queued_at, NULL::date,
           t.agency_id, al.queued_by, 'allocation', al.id, NULL::text, t.name, NULL::text, NULL::uuid,
           jsonb_build_object('urgent', al.urgent)
      FROM allocation al JOIN team t ON t.id = al.team_id
     WHERE al.person_id = ${id}
    UNION ALL
    SELECT 'allocation-history:' || h.id, 'allocation',
           CASE WHEN h.from_worker_id IS NULL THEN 'allocated' ELSE 'reallocated' END, h.at, NULL::date,
           t.agency_id, h.by_user, 'allocation', h.allocation_id, NULL::text, t.name, NULL::text, NULL::uuid,
           jsonb_build_object('to', (SELECT u.display_name FROM app_user u WHERE u.id = h.to_worker_id),
                              'from', (SELECT u.display_name FROM app_user u WHERE u.id = h.from_worker_id),
                              'reason', h.reason)
      FROM allocation_history h JOIN team t ON t.id = h.team_id
     WHERE h.person_id = ${id}`,
}

/** Every source of a child's chronology, in the order their types are offered as filters. */
export const CHRONOLOGY_SOURCES: readonly ChronologySource[] = [
  record,
  statutoryStatus,
  alias,
  link,
  flag,
  merge,
  concern,
  referral,
  // a13: allocation (issue 13)
  allocation,
]

export interface RawEvent {
  eventKey: string
  type: string
  action: string
  occurredAt: Date
  occurredOn: string | null
  agencyId: string | null
  agencyName: string | null
  recordedByName: string | null
  sourceKind: string
  sourceId: string
  code: string | null
  codeLabel: string | null
  otherKind: string | null
  otherId: string | null
  data: Record<string, unknown>
}

export interface EntityName {
  id: string
  kind: 'location' | 'object'
  /** For the policy's decision on the entity. */
  partnershipId: string
  name: string
}

/** At most this many events (newest first); one more is fetched so a longer chronology can say so. */
export const CHRONOLOGY_LIMIT = 1000

export function chronologyRepository(sources: readonly ChronologySource[] = CHRONOLOGY_SOURCES) {
  return {
    sources,

    /**
     * The person's events newest first, optionally only of the given types and from the given agencies
     * (the agency an event names, or else its recorder's). Row-level security limits it to the partnership.
     */
    async events(
      db: Executor,
      personId: string,
      filter: { types: readonly string[]; agencyIds: readonly string[] },
    ): Promise<RawEvent[]> {
      const chosen =
        filter.types.length === 0 ? sources : sources.filter((s) => filter.types.includes(s.type))
      if (chosen.length === 0) return []
      const union = sql.join(
        chosen.map((s) => sql`(${s.select(personId)})`),
        sql` UNION ALL `,
      )
      const agencyFilter =
        filter.agencyIds.length === 0
          ? sql`true`
          : sql`coalesce(e.agency_id, u.agency_id) = ANY(${filter.agencyIds}::uuid[])`
      const { rows } = await sql<{
        event_key: string
        type: string
        action: string
        occurred_at: Date
        occurred_on: string | null
        agency_id: string | null
        agency_name: string | null
        recorded_by_name: string | null
        source_kind: string
        source_id: string
        code: string | null
        code_label: string | null
        other_kind: string | null
        other_id: string | null
        data: Record<string, unknown>
      }>`
        SELECT e.event_key, e.type, e.action, e.occurred_at, e.occurred_on,
               coalesce(e.agency_id, u.agency_id) AS agency_id, a.name AS agency_name,
               u.display_name AS recorded_by_name, e.source_kind, e.source_id, e.code, e.code_label,
               e.other_kind, e.other_id, e.data
          FROM (${union}) AS e(event_key, type, action, occurred_at, occurred_on, agency_id, recorded_by,
                               source_kind, source_id, code, code_label, other_kind, other_id, data)
          LEFT JOIN app_user u ON u.id = e.recorded_by
          LEFT JOIN agency a ON a.id = coalesce(e.agency_id, u.agency_id)
         WHERE ${agencyFilter}
         ORDER BY e.occurred_at DESC, e.event_key
         LIMIT ${CHRONOLOGY_LIMIT + 1}`.execute(db)
      return rows.map((r) => ({
        eventKey: r.event_key,
        type: r.type,
        action: r.action,
        occurredAt: new Date(r.occurred_at),
        occurredOn: r.occurred_on,
        agencyId: r.agency_id,
        agencyName: r.agency_name,
        recordedByName: r.recorded_by_name,
        sourceKind: r.source_kind,
        sourceId: r.source_id,
        code: r.code,
        codeLabel: r.code_label,
        otherKind: r.other_kind,
        otherId: r.other_id,
        data: r.data,
      }))
    },

    /** Display names of locations and objects (the ends of links that are not people). */
    async entityNames(
      db: Executor,
      ids: { locations: readonly string[]; objects: readonly string[] },
    ): Promise<Map<string, EntityName>> {
      const names = new Map<string, EntityName>()
      if (ids.locations.length > 0) {
        const rows = await db
          .selectFrom('location')
          .select(['id', 'partnership_id', 'name', 'address_line_1', 'town', 'postcode'])
          .where('id', 'in', [...ids.locations])
          .execute()
        for (const r of rows) {
          const name = [r.name, r.address_line_1, r.town, r.postcode].filter((p) => p !== null).join(', ')
          names.set(r.id, { id: r.id, kind: 'location', partnershipId: r.partnership_id, name })
        }
      }
      if (ids.objects.length > 0) {
        const rows = await db
          .selectFrom('object')
          .select(['id', 'partnership_id', 'kind', 'value', 'platform'])
          .where('id', 'in', [...ids.objects])
          .execute()
        for (const r of rows) {
          const name = r.platform === null ? r.value : `${r.value} (${r.platform})`
          names.set(r.id, {
            id: r.id,
            kind: 'object',
            partnershipId: r.partnership_id,
            name: `${r.kind.replace('-', ' ')} ${name}`,
          })
        }
      }
      return names
    },

    /** The partnership's agencies, for the agency filter. */
    async agencies(db: Executor, partnershipId: string): Promise<Array<{ id: string; name: string }>> {
      return partnershipAgencies(db, partnershipId)
    },
  }
}

export type ChronologyRepository = ReturnType<typeof chronologyRepository>
