import { sql } from 'kysely'
import type { Executor } from '../../db/database.ts'
import { personFacts, personFactSql, type PersonFactRow } from './person-facts.ts'
import type { ThingFacts } from './policy.ts'

/**
 * The facts the policy needs about places and things (decideThing, slice i12-relations), gathered in one query for
 * any number of them: the agency of whoever recorded each, and the people at the other end of its links (current
 * or ended), each with the facts of the actor's relationships to them (person-facts.ts, so that the two cannot
 * drift apart). Row-level security limits every table read to the transaction's partnership, and hides a link
 * derived from intelligence the actor may not see (link.intelligence_handling): such a link counts for nothing.
 */
export async function thingFactsOf(
  db: Executor,
  kind: ThingFacts['kind'],
  ids: readonly string[],
  actorId: string,
): Promise<Map<string, ThingFacts>> {
  const found = new Map<string, ThingFacts>()
  if (ids.length === 0) return found
  const { rows } = await sql<{
    id: string
    partnership_id: string
    created_by_agency_id: string | null
    linked_people: PersonFactRow[]
  }>`
    SELECT t.id, t.partnership_id, u.agency_id AS created_by_agency_id,
           coalesce((SELECT json_agg(json_build_object(
                              'partnership_id', p.partnership_id,
                              'allocated_worker_id', p.allocated_worker_id,
                              'allocated_team_id', p.allocated_team_id,
                              'involved_agency_ids', ${personFactSql.involvedAgencyIds()},
                              'actor_on_current_agenda', ${personFactSql.actorOnCurrentAgenda(actorId)},
                              'break_glass_until', ${personFactSql.breakGlassUntil(actorId)},
                              'open_referral', ${personFactSql.openReferral()}))
                       FROM person p
                      WHERE p.merged_into_id IS NULL
                        AND p.id IN (SELECT lk.from_id FROM link lk
                                      WHERE lk.from_kind = 'person' AND lk.to_kind = ${kind} AND lk.to_id = t.id
                                     UNION
                                     SELECT lk.to_id FROM link lk
                                      WHERE lk.to_kind = 'person' AND lk.from_kind = ${kind} AND lk.from_id = t.id)),
                    '[]') AS linked_people
      FROM ${sql.table(kind)} t
      LEFT JOIN app_user u ON u.id = t.created_by
     WHERE t.id = ANY(${[...ids]}::uuid[])`.execute(db)
  for (const row of rows) {
    found.set(row.id, {
      kind,
      partnershipId: row.partnership_id,
      createdByAgencyId: row.created_by_agency_id,
      linkedPeople: row.linked_people.map((person) => personFacts(person, actorId)),
    })
  }
  return found
}

/** One place or thing's facts (undefined: there is none, in the transaction's partnership). */
export async function thingFacts(
  db: Executor,
  kind: ThingFacts['kind'],
  id: string,
  actorId: string,
): Promise<ThingFacts | undefined> {
  return (await thingFactsOf(db, kind, [id], actorId)).get(id)
}
