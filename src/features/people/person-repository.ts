import { sql } from 'kysely'
import { compiledQueries, queryBuilder, type Executor } from '../../db/database.ts'
import { partnershipSchools } from '../../db/agency-lists.ts'
import { changedBy } from '../../db/query-helpers.ts'
import { camelRow, pickCamelRow, selectedColumns } from '../../db/rows.ts'
import { personFactSql, personFacts } from '../../platform/access/person-facts.ts'
import type { RecordFacts } from '../../platform/access/policy.ts'
import type { ValidPerson } from './person-validation.ts'

/** A person record as stored (before the access policy decides what of it the caller may see). */
export interface PersonRow extends PersonDetails {
  id: string
  partnershipId: string
  kindLabel: string
  ethnicityLabel: string | null
  schoolName: string | null
  allocatedWorkerId: string | null
  allocatedWorkerName: string | null
  allocatedTeamId: string | null
  allocatedTeamName: string | null
  version: number
  updatedAt: Date
}

/** The fields of a person that its edit form changes (allocation and merging are elsewhere), as validated. */
export type PersonDetails = ValidPerson

export interface AliasRow {
  id: string
  kind: 'alias' | 'street-name' | 'previous-name'
  name: string
}

export interface StatusRow {
  id: string
  status: string
  label: string
  fromDate: string
  toDate: string | null
}

export interface PersonReferenceData {
  kinds: Array<{ code: string; label: string }>
  ethnicities: Array<{ code: string; label: string; groupLabel: string }>
  statuses: Array<{ code: string; label: string }>
  schools: Array<{ id: string; name: string }>
}

/** A person with the facts the access policy needs about the actor's relationships to them. */
export interface PersonWithFacts {
  person: PersonRow
  facts: RecordFacts
  /** When the actor's unexpired break-glass grant on this record ends, if they have one. */
  breakGlassUntil: Date | null
  /** Other names and statuses, when asked for with the record (a single record's read). */
  details?: { aliases: AliasRow[]; statuses: StatusRow[] }
}

export interface NewPerson {
  partnershipId: string
  kind: string
  givenName: string
  familyName?: string | null
  dateOfBirth?: string | null
  gender?: string | null
  nhsNumber?: string | null
  estimatedAge?: number | null
  estimatedAgeOn?: string | null
  ethnicity?: string | null
  language?: string | null
  disability?: string | null
  upn?: string | null
  laChildId?: string | null
  policeId?: string | null
  schoolAgencyId?: string | null
  allocatedWorkerId?: string | null
  allocatedTeamId?: string | null
  involvedAgencyIds?: string[]
  isDemo?: boolean
  createdBy?: string | null
}

/** The columns of a person record (PersonRow), as selected. */
const personFields = [
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
  'p.ethnicity',
  'e.label as ethnicity_label',
  'p.language',
  'p.disability',
  'p.upn',
  'p.la_child_id',
  'p.police_id',
  'p.school_agency_id',
  's.name as school_name',
  'p.allocated_worker_id',
  'w.display_name as allocated_worker_name',
  'p.allocated_team_id',
  't.name as allocated_team_name',
  'p.version',
  'p.updated_at',
] as const
const personRowColumns = selectedColumns(personFields)

const personColumns = (db: Executor) =>
  db
    .selectFrom('person as p')
    .innerJoin('person_kind as k', 'k.code', 'p.kind')
    .leftJoin('app_user as w', 'w.id', 'p.allocated_worker_id')
    .leftJoin('team as t', 't.id', 'p.allocated_team_id')
    .leftJoin('ethnicity as e', 'e.code', 'p.ethnicity')
    .leftJoin('agency as s', 's.id', 'p.school_agency_id')
    .select([...personFields, 'p.merged_into_id'])

type PersonSelection = Awaited<ReturnType<ReturnType<typeof personColumns>['executeTakeFirstOrThrow']>>

/** The person record of a row (which may carry facts and details besides). */
function toRow(r: PersonSelection): PersonRow {
  return pickCamelRow(r, personRowColumns)
}

/**
 * Live people with the facts of the actor's relationships (see findManyWithFacts): compiled once per variant,
 * "one" (`p.id = $n`) or "many" (`= ANY($n)`), each with or without "+details".
 */
const peopleWithFacts = compiledQueries((variant: string, actorId: string, ids: string | readonly string[]) =>
  personColumns(queryBuilder)
    .select(
      variant.endsWith('+details')
        ? [
            sql<AliasRow[] | null>`coalesce((SELECT json_agg(json_build_object('id', a.id, 'kind', a.kind,
                                                                     'name', a.name)
                                                    ORDER BY a.created_at, a.id)
                                        FROM person_alias a
                                       WHERE a.person_id = p.id AND a.removed_at IS NULL), '[]')`.as(
              'aliases',
            ),
            sql<
              StatusRow[] | null
            >`coalesce((SELECT json_agg(json_build_object('id', s.id, 'status', s.status,
                                               'label', st.label, 'fromDate', s.from_date, 'toDate', s.to_date)
                                               ORDER BY s.from_date DESC, s.created_at DESC)
                                         FROM person_statutory_status s
                                         JOIN statutory_status_type st ON st.code = s.status
                                        WHERE s.person_id = p.id), '[]')`.as('statuses'),
          ]
        : [sql<AliasRow[] | null>`NULL`.as('aliases'), sql<StatusRow[] | null>`NULL`.as('statuses')],
    )
    .select([
      personFactSql.involvedAgencyIds().as('involved_agency_ids'),
      personFactSql.actorOnCurrentAgenda(actorId).as('actor_on_current_agenda'),
      personFactSql.breakGlassUntil(actorId).as('break_glass_until'),
      personFactSql.openReferral().as('open_referral'),
    ])
    // One array parameter whatever the count, so the statement is prepared once for every list.
    .where('p.id', '=', variant.startsWith('one') ? sql<string>`${ids}` : sql<string>`ANY(${ids}::uuid[])`)
    .where('p.merged_into_id', 'is', null),
)

/** One person (`ids` a string: `p.id = $n`) or several, with facts, keyed by id (see findManyWithFacts). */
async function withFacts(
  db: Executor,
  ids: string | readonly string[],
  actorId: string,
  details: boolean,
): Promise<Map<string, PersonWithFacts>> {
  const found = new Map<string, PersonWithFacts>()
  if (ids.length === 0) return found
  const variant = `${typeof ids === 'string' ? 'one' : 'many'}${details ? '+details' : ''}`
  const { rows } = await db.executeQuery(peopleWithFacts(variant, actorId, ids))
  for (const row of rows) {
    const breakGlassUntil = row.break_glass_until === null ? null : new Date(row.break_glass_until)
    found.set(row.id, {
      person: toRow(row),
      breakGlassUntil,
      ...(row.aliases === null || row.statuses === null
        ? {}
        : { details: { aliases: row.aliases, statuses: row.statuses } }),
      facts: personFacts(row, actorId),
    })
  }
  return found
}

export function personRepository() {
  return {
    /**
     * One live person (row-level security limits it to the transaction's partnership) with the facts of the
     * actor's relationships to them, in one query: involved agencies, whether the actor attends a meeting not
     * yet closed with this person on its agenda, and the actor's unexpired break-glass grant. With `details`,
     * also their other names and statuses in the same statement (a record's read needs all three: one round
     * trip, not three).
     */
    async findWithFacts(
      db: Executor,
      id: string,
      actorId: string,
      options: { details?: boolean } = {},
    ): Promise<PersonWithFacts | undefined> {
      // `p.id = $n`, not `= ANY($n)`: PostgreSQL estimates ten rows for an array parameter, so it never trusts
      // the generic plan and re-plans this statement (a dozen relations) on every call; for one id it settles on
      // the generic plan (bench people: 2.0 → 0.3 ms of database CPU per call).
      return (await withFacts(db, id, actorId, options.details === true)).get(id)
    },

    /**
     * Several live people with the facts of the actor's relationships to each, in one query (a list, the other
     * ends of a record's links): keyed by id; ids that name no live person are absent.
     */
    async findManyWithFacts(
      db: Executor,
      ids: readonly string[],
      actorId: string,
      options: { details?: boolean } = {},
    ): Promise<Map<string, PersonWithFacts>> {
      return withFacts(db, [...ids], actorId, options.details === true)
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
      const facts = await this.findManyWithFacts(
        db,
        ids.map((r) => r.id),
        actor.userId,
      )
      return ids.flatMap(({ id }) => facts.get(id) ?? [])
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

    /** Reference data for a person's form: kinds, ethnicities, statuses, and the partnership's schools. */
    async reference(db: Executor, partnershipId: string): Promise<PersonReferenceData> {
      const [kinds, ethnicities, statuses, schools] = await Promise.all([
        db.selectFrom('person_kind').select(['code', 'label']).orderBy('sort_order').execute(),
        db
          .selectFrom('ethnicity')
          .select(['code', 'label', 'group_label as groupLabel'])
          .orderBy('sort_order')
          .execute(),
        db.selectFrom('statutory_status_type').select(['code', 'label']).orderBy('sort_order').execute(),
        partnershipSchools(db, partnershipId),
      ])
      return { kinds, ethnicities, statuses, schools }
    },

    /** Aliases, street names and previous names not removed, oldest first. */
    async aliases(db: Executor, personId: string): Promise<AliasRow[]> {
      return db
        .selectFrom('person_alias')
        .select(['id', 'kind', 'name'])
        .where('person_id', '=', personId)
        .where('removed_at', 'is', null)
        .orderBy('created_at')
        .orderBy('id')
        .execute()
    },

    /** Statutory statuses, latest start first. */
    async statuses(db: Executor, personId: string): Promise<StatusRow[]> {
      const rows = await db
        .selectFrom('person_statutory_status as s')
        .innerJoin('statutory_status_type as t', 't.code', 's.status')
        .select(['s.id', 's.status', 't.label', 's.from_date', 's.to_date'])
        .where('s.person_id', '=', personId)
        .orderBy('s.from_date', 'desc')
        .orderBy('s.created_at', 'desc')
        .execute()
      return rows.map((r) => camelRow(r))
    },

    /**
     * Changes a live person's details if the row is still at `version`, bumping it; false when someone changed
     * (or merged) it meanwhile.
     */
    async update(
      db: Executor,
      id: string,
      version: number,
      person: PersonDetails,
      by: string,
    ): Promise<boolean> {
      const result = await db
        .updateTable('person')
        .set({
          kind: person.kind,
          given_name: person.givenName,
          family_name: person.familyName,
          date_of_birth: person.dateOfBirth,
          estimated_age: person.estimatedAge,
          estimated_age_on: person.estimatedAgeOn,
          gender: person.gender,
          ethnicity: person.ethnicity,
          language: person.language,
          disability: person.disability,
          nhs_number: person.nhsNumber,
          upn: person.upn,
          la_child_id: person.laChildId,
          police_id: person.policeId,
          school_agency_id: person.schoolAgencyId,
          ...changedBy(by),
        })
        .where('id', '=', id)
        .where('version', '=', version)
        .where('merged_into_id', 'is', null)
        .executeTakeFirst()
      return Number(result.numUpdatedRows) === 1
    },

    /** Bumps a live person's version (a change to its aliases or statuses); false when it is stale. */
    async touch(db: Executor, id: string, version: number, by: string): Promise<boolean> {
      const result = await db
        .updateTable('person')
        .set(changedBy(by))
        .where('id', '=', id)
        .where('version', '=', version)
        .where('merged_into_id', 'is', null)
        .executeTakeFirst()
      return Number(result.numUpdatedRows) === 1
    },

    async addAlias(
      db: Executor,
      alias: { partnershipId: string; personId: string; kind: AliasRow['kind']; name: string; by: string },
    ): Promise<string> {
      const { id } = await db
        .insertInto('person_alias')
        .values({
          partnership_id: alias.partnershipId,
          person_id: alias.personId,
          kind: alias.kind,
          name: alias.name,
          created_by: alias.by,
        })
        .returning('id')
        .executeTakeFirstOrThrow()
      return id
    },

    /** Marks an alias removed (rows are never deleted); false when there is no such live alias. */
    async removeAlias(db: Executor, personId: string, aliasId: string): Promise<boolean> {
      const result = await db
        .updateTable('person_alias')
        .set({ removed_at: sql<Date>`now()` })
        .where('id', '=', aliasId)
        .where('person_id', '=', personId)
        .where('removed_at', 'is', null)
        .executeTakeFirst()
      return Number(result.numUpdatedRows) === 1
    },

    async addStatus(
      db: Executor,
      status: {
        partnershipId: string
        personId: string
        status: string
        fromDate: string
        toDate: string | null
        by: string
      },
    ): Promise<string> {
      const { id } = await db
        .insertInto('person_statutory_status')
        .values({
          partnership_id: status.partnershipId,
          person_id: status.personId,
          status: status.status,
          from_date: status.fromDate,
          to_date: status.toDate,
          created_by: status.by,
        })
        .returning('id')
        .executeTakeFirstOrThrow()
      return id
    },

    /** Sets (or clears) a status's end date; false when the person has no such status. */
    async setStatusEnd(
      db: Executor,
      personId: string,
      statusId: string,
      toDate: string | null,
    ): Promise<boolean> {
      const result = await db
        .updateTable('person_statutory_status')
        .set({ to_date: toDate })
        .where('id', '=', statusId)
        .where('person_id', '=', personId)
        .executeTakeFirst()
      return Number(result.numUpdatedRows) === 1
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
          estimated_age: person.estimatedAge ?? null,
          estimated_age_on: person.estimatedAgeOn ?? null,
          ethnicity: person.ethnicity ?? null,
          language: person.language ?? null,
          disability: person.disability ?? null,
          upn: person.upn ?? null,
          la_child_id: person.laChildId ?? null,
          police_id: person.policeId ?? null,
          school_agency_id: person.schoolAgencyId ?? null,
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

    // a13: allocation (issue 13)
    /** Sets a live person's allocated worker and team, bumping the version; false when there is no such person. */
    async setAllocation(
      db: Executor,
      id: string,
      to: { teamId: string; workerId: string },
      by: string,
    ): Promise<boolean> {
      const result = await db
        .updateTable('person')
        .set({ allocated_team_id: to.teamId, allocated_worker_id: to.workerId, ...changedBy(by) })
        .where('id', '=', id)
        .where('merged_into_id', 'is', null)
        .executeTakeFirst()
      return Number(result.numUpdatedRows) === 1
    },
  }
}

export type PersonRepository = ReturnType<typeof personRepository>
