import { sql } from 'kysely'
import type { Executor } from '../../db/database.ts'
import type { RecordFacts } from '../../platform/access/policy.ts'

/** A person record as stored (before the access policy decides what of it the caller may see). */
export interface PersonRow {
  id: string
  partnershipId: string
  kind: string
  kindLabel: string
  givenName: string
  familyName: string | null
  dateOfBirth: string | null
  estimatedAge: number | null
  estimatedAgeOn: string | null
  gender: string | null
  nhsNumber: string | null
  allocatedWorkerId: string | null
  allocatedWorkerName: string | null
  allocatedTeamId: string | null
  allocatedTeamName: string | null
  version: number
  updatedAt: Date
}

/** A person with the facts the access policy needs about the actor's relationships to them. */
export interface PersonWithFacts {
  person: PersonRow
  facts: RecordFacts
  /** When the actor's unexpired break-glass grant on this record ends, if they have one. */
  breakGlassUntil: Date | null
}

export interface NewPerson {
  partnershipId: string
  kind: string
  givenName: string
  familyName?: string | null
  dateOfBirth?: string | null
  gender?: string | null
  nhsNumber?: string | null
  allocatedWorkerId?: string | null
  allocatedTeamId?: string | null
  involvedAgencyIds?: string[]
  isDemo?: boolean
  createdBy?: string | null
}

const personColumns = (db: Executor) =>
  db
    .selectFrom('person as p')
    .innerJoin('person_kind as k', 'k.code', 'p.kind')
    .leftJoin('app_user as w', 'w.id', 'p.allocated_worker_id')
    .leftJoin('team as t', 't.id', 'p.allocated_team_id')
    .select([
      'p.id',
      'p.partnership_id',
      'p.kind',
      'k.label as kind_label',
      'p.given_name',
      'p.family_name',
      'p.date_of_birth',
      'p.estimated_age',
      'p.estimated_age_on',
      'p.gender',
      'p.nhs_number',
      'p.allocated_worker_id',
      'w.display_name as allocated_worker_name',
      'p.allocated_team_id',
      't.name as allocated_team_name',
      'p.version',
      'p.updated_at',
      'p.merged_into_id',
    ])

type PersonSelection = Awaited<ReturnType<ReturnType<typeof personColumns>['executeTakeFirstOrThrow']>>

function toRow(r: PersonSelection): PersonRow {
  return {
    id: r.id,
    partnershipId: r.partnership_id,
    kind: r.kind,
    kindLabel: r.kind_label,
    givenName: r.given_name,
    familyName: r.family_name,
    dateOfBirth: r.date_of_birth,
    estimatedAge: r.estimated_age,
    estimatedAgeOn: r.estimated_age_on,
    gender: r.gender,
    nhsNumber: r.nhs_number,
    allocatedWorkerId: r.allocated_worker_id,
    allocatedWorkerName: r.allocated_worker_name,
    allocatedTeamId: r.allocated_team_id,
    allocatedTeamName: r.allocated_team_name,
    version: r.version,
    updatedAt: r.updated_at,
  }
}

export function personRepository() {
  return {
    /**
     * One live person (row-level security limits it to the transaction's partnership) with the facts of the
     * actor's relationships to them, in one query: involved agencies, whether the actor attends a meeting not
     * yet closed with this person on its agenda, and the actor's unexpired break-glass grant.
     */
    async findWithFacts(db: Executor, id: string, actorId: string): Promise<PersonWithFacts | undefined> {
      const row = await personColumns(db)
        .select([
          sql<string[]>`coalesce((SELECT array_agg(pa.agency_id) FROM person_agency pa
                                   WHERE pa.person_id = p.id), '{}')`.as('involved_agency_ids'),
          sql<boolean>`EXISTS (SELECT 1 FROM agenda_item ai
                                 JOIN meeting m ON m.id = ai.meeting_id AND m.status <> 'closed'
                                 JOIN meeting_member mm ON mm.meeting_id = m.id AND mm.user_id = ${actorId}
                                WHERE ai.person_id = p.id)`.as('actor_on_current_agenda'),
          sql<Date | null>`(SELECT max(g.expires_at) FROM break_glass_grant g
                             WHERE g.record_type = 'person' AND g.record_id = p.id
                               AND g.user_id = ${actorId} AND g.expires_at > now())`.as('break_glass_until'),
        ])
        .where('p.id', '=', id)
        .where('p.merged_into_id', 'is', null)
        .executeTakeFirst()
      if (row === undefined) return undefined
      const breakGlassUntil = row.break_glass_until === null ? null : new Date(row.break_glass_until)
      return {
        person: toRow(row),
        breakGlassUntil,
        facts: {
          kind: 'person',
          partnershipId: row.partnership_id,
          allocatedWorkerId: row.allocated_worker_id,
          allocatedTeamId: row.allocated_team_id,
          involvedAgencyIds: row.involved_agency_ids,
          currentMaceMemberIds: row.actor_on_current_agenda ? [actorId] : [],
          breakGlassUserIds: breakGlassUntil === null ? [] : [actorId],
        },
      }
    },

    /**
     * Candidates for the actor's caseload: people allocated to them or their teams, on the agenda of a current
     * meeting they attend, involving their agency, or under an unexpired break-glass grant of theirs. The
     * policy still decides on each one; this only narrows the rows it looks at.
     */
    async caseload(
      db: Executor,
      actor: { userId: string; agencyId: string; teamIds: readonly string[] },
      limit: number,
    ): Promise<PersonWithFacts[]> {
      const teamIds = actor.teamIds.length === 0 ? [null] : [...actor.teamIds]
      const ids = await db
        .selectFrom('person as p')
        .select('p.id')
        .where('p.merged_into_id', 'is', null)
        .where((eb) =>
          eb.or([
            eb('p.allocated_worker_id', '=', actor.userId),
            eb('p.allocated_team_id', 'in', teamIds),
            eb.exists(
              eb
                .selectFrom('person_agency as pa')
                .select(sql`1`.as('one'))
                .whereRef('pa.person_id', '=', 'p.id')
                .where('pa.agency_id', '=', actor.agencyId),
            ),
            eb.exists(
              eb
                .selectFrom('agenda_item as ai')
                .innerJoin('meeting as m', 'm.id', 'ai.meeting_id')
                .innerJoin('meeting_member as mm', 'mm.meeting_id', 'm.id')
                .select(sql`1`.as('one'))
                .whereRef('ai.person_id', '=', 'p.id')
                .where('m.status', '<>', 'closed')
                .where('mm.user_id', '=', actor.userId),
            ),
            eb.exists(
              eb
                .selectFrom('break_glass_grant as g')
                .select(sql`1`.as('one'))
                .where('g.record_type', '=', 'person')
                .whereRef('g.record_id', '=', 'p.id')
                .where('g.user_id', '=', actor.userId)
                .where('g.expires_at', '>', sql<Date>`now()`),
            ),
          ]),
        )
        .orderBy('p.family_name')
        .orderBy('p.given_name')
        .orderBy('p.id')
        .limit(limit)
        .execute()
      const found: PersonWithFacts[] = []
      for (const { id } of ids) {
        const person = await this.findWithFacts(db, id, actor.userId)
        if (person !== undefined) found.push(person)
      }
      return found
    },

    async exists(db: Executor, id: string): Promise<boolean> {
      const row = await db
        .selectFrom('person')
        .select('id')
        .where('id', '=', id)
        .where('merged_into_id', 'is', null)
        .executeTakeFirst()
      return row !== undefined
    },

    async create(db: Executor, person: NewPerson): Promise<string> {
      const { id } = await db
        .insertInto('person')
        .values({
          partnership_id: person.partnershipId,
          kind: person.kind,
          given_name: person.givenName,
          family_name: person.familyName ?? null,
          date_of_birth: person.dateOfBirth ?? null,
          gender: person.gender ?? null,
          nhs_number: person.nhsNumber ?? null,
          allocated_worker_id: person.allocatedWorkerId ?? null,
          allocated_team_id: person.allocatedTeamId ?? null,
          is_demo: person.isDemo ?? false,
          created_by: person.createdBy ?? null,
          updated_by: person.createdBy ?? null,
        })
        .returning('id')
        .executeTakeFirstOrThrow()
      for (const agencyId of person.involvedAgencyIds ?? []) {
        await db
          .insertInto('person_agency')
          .values({
            person_id: id,
            agency_id: agencyId,
            partnership_id: person.partnershipId,
            created_by: person.createdBy ?? null,
          })
          .execute()
      }
      return id
    },
  }
}

export type PersonRepository = ReturnType<typeof personRepository>
