import { sql, type RawBuilder } from 'kysely'
import type { RecordFacts } from './policy.ts'

/**
 * The facts the policy needs about a person (`p`) and the actor, as SQL: one definition for every query that
 * reads people for a decision (the record, lists, search, duplicate candidates), so that they cannot drift apart.
 * Each is a column expression over `p`; `personFactColumns` gives them all with their names, for raw SQL.
 */
export const personFactSql = {
  involvedAgencyIds: (): RawBuilder<string[]> =>
    sql`coalesce((SELECT array_agg(pa.agency_id) FROM person_agency pa WHERE pa.person_id = p.id), '{}')`,
  actorOnCurrentAgenda: (actorId: string): RawBuilder<boolean> =>
    sql`EXISTS (SELECT 1 FROM agenda_item ai
                  JOIN meeting m ON m.id = ai.meeting_id AND m.status <> 'closed'
                  JOIN meeting_member mm ON mm.meeting_id = m.id AND mm.user_id = ${actorId}
                 WHERE ai.person_id = p.id)`,
  breakGlassUntil: (actorId: string): RawBuilder<Date | null> =>
    sql`(SELECT max(g.expires_at) FROM break_glass_grant g
          WHERE g.record_type = 'person' AND g.record_id = p.id
            AND g.user_id = ${actorId} AND g.expires_at > now())`,
  openReferral: (): RawBuilder<boolean> =>
    sql`EXISTS (SELECT 1 FROM referral r WHERE r.person_id = p.id AND r.status IN ('submitted', 'in-review'))`,
}

/** All of them, named as PersonFactRow's columns, for a raw SELECT list. */
export function personFactColumns(actorId: string): RawBuilder<unknown> {
  return sql`${personFactSql.involvedAgencyIds()} AS involved_agency_ids,
    ${personFactSql.actorOnCurrentAgenda(actorId)} AS actor_on_current_agenda,
    ${personFactSql.breakGlassUntil(actorId)} AS break_glass_until,
    ${personFactSql.openReferral()} AS open_referral`
}

export interface PersonFactRow {
  partnership_id: string
  allocated_worker_id: string | null
  allocated_team_id: string | null
  involved_agency_ids: string[]
  actor_on_current_agenda: boolean
  break_glass_until: Date | string | null
  open_referral: boolean
}

/** A person's identity columns as a raw list query selects them, beside the facts the policy decides on. */
export interface PersonIdentityRow extends PersonFactRow {
  id: string
  kind: string
  kind_label: string
  given_name: string
  family_name: string | null
  date_of_birth: string | null
}

export function personFacts(row: PersonFactRow, actorId: string): RecordFacts {
  return {
    kind: 'person',
    partnershipId: row.partnership_id,
    allocatedWorkerId: row.allocated_worker_id,
    allocatedTeamId: row.allocated_team_id,
    involvedAgencyIds: row.involved_agency_ids,
    currentMaceMemberIds: row.actor_on_current_agenda ? [actorId] : [],
    breakGlassUserIds: row.break_glass_until === null ? [] : [actorId],
    openReferral: row.open_referral,
  }
}
