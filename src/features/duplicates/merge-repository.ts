import { sql } from 'kysely'
import type { Executor } from '../../db/database.ts'
import { changedBy, findOne, type FindOptions } from '../../db/query-helpers.ts'
import { camelRow } from '../../db/rows.ts'
import { UUID } from '../../platform/identifiers/uuid.ts'

/**
 * What a merge moved from the merged record to the survivor, by kind, as ids: un-merging moves exactly these
 * back. `identifiers` names the survivor's columns that were empty and were given the merged record's value.
 */
export interface Moved {
  aliases: string[]
  statuses: string[]
  linksFrom: string[]
  linksTo: string[]
  flags: string[]
  agencies: string[]
  identifiers: string[]
  /** Aliases made on the survivor from the merged record's name (removed again on un-merge). */
  addedAliases: string[]
}

export const IDENTIFIER_COLUMNS = ['nhs_number', 'upn', 'la_child_id', 'police_id'] as const
type IdentifierColumn = (typeof IDENTIFIER_COLUMNS)[number]

export interface MergeRow {
  id: string
  survivorId: string
  mergedId: string
  reason: string
  moved: Moved
  mergedAt: Date
  mergedByName: string | null
  unmergedAt: Date | null
  version: number
}

const EMPTY: Moved = {
  aliases: [],
  statuses: [],
  linksFrom: [],
  linksTo: [],
  flags: [],
  agencies: [],
  identifiers: [],
  addedAliases: [],
}

export function movedOf(value: Record<string, string[]>): Moved {
  return { ...EMPTY, ...value }
}

const ids = (rows: Array<{ id: string }>) => rows.map((r) => r.id)

const mergeColumns = (db: Executor) =>
  db
    .selectFrom('person_merge as m')
    .leftJoin('app_user as u', 'u.id', 'm.merged_by')
    .select([
      'm.id',
      'm.survivor_id',
      'm.merged_id',
      'm.reason',
      'm.moved',
      'm.merged_at',
      'u.display_name as merged_by_name',
      'm.unmerged_at',
      'm.version',
    ])

type MergeSelection = Awaited<ReturnType<ReturnType<typeof mergeColumns>['executeTakeFirstOrThrow']>>

export function mergeRepository() {
  return {
    /**
     * Locks the live people among `ids` (FOR UPDATE), in id order whatever order they are given in, so that two
     * merges of the same pair cannot deadlock. Ids that are not UUIDs are left out (they name no record).
     */
    async lock(db: Executor, ids: readonly string[]): Promise<void> {
      const valid = [...new Set(ids.filter((id) => UUID.test(id)))]
      if (valid.length === 0) return
      await db
        .selectFrom('person')
        .select('id')
        .where('id', 'in', valid)
        .where('merged_into_id', 'is', null)
        .orderBy('id')
        .forUpdate()
        .execute()
    },

    /** Moves everything of `mergedId` to `survivorId` and marks it merged; returns what moved. */
    async merge(
      db: Executor,
      input: { partnershipId: string; survivorId: string; mergedId: string; actorId: string },
    ): Promise<Moved> {
      const { survivorId: a, mergedId: b, actorId } = input
      const aliases = await db
        .updateTable('person_alias')
        .set({ person_id: a })
        .where('person_id', '=', b)
        .returning('id')
        .execute()
      const statuses = await db
        .updateTable('person_statutory_status')
        .set({ person_id: a })
        .where('person_id', '=', b)
        .returning('id')
        .execute()
      // A link between the two records stays where it is: it would join the survivor to itself.
      const linksFrom = await db
        .updateTable('link')
        .set({ from_id: a, ...changedBy(actorId) })
        .where('from_kind', '=', 'person')
        .where('from_id', '=', b)
        .where((eb) => eb.not(eb.and([eb('to_kind', '=', 'person'), eb('to_id', '=', a)])))
        .returning('id')
        .execute()
      const linksTo = await db
        .updateTable('link')
        .set({ to_id: a, ...changedBy(actorId) })
        .where('to_kind', '=', 'person')
        .where('to_id', '=', b)
        .where((eb) => eb.not(eb.and([eb('from_kind', '=', 'person'), eb('from_id', '=', a)])))
        .returning('id')
        .execute()
      const flags = await db
        .updateTable('flag')
        .set({ subject_id: a, ...changedBy(actorId) })
        .where('subject_kind', '=', 'person')
        .where('subject_id', '=', b)
        .returning('id')
        .execute()
      // An agency involved with both stays recorded on both; only the merged record's others move.
      const agencies = await sql<{ agency_id: string }>`
        UPDATE person_agency SET person_id = ${a}
         WHERE person_id = ${b}
           AND agency_id NOT IN (SELECT agency_id FROM person_agency WHERE person_id = ${a})
        RETURNING agency_id`.execute(db)
      // The merged record leaves the live records first, so that its identifiers may then be given to the
      // survivor without two live records holding one (the unique indexes are over live records only).
      await db
        .updateTable('person')
        .set({
          merged_into_id: a,
          ...changedBy(actorId),
        })
        .where('id', '=', b)
        .execute()
      const merged = await db
        .selectFrom('person')
        .select([...IDENTIFIER_COLUMNS, 'given_name', 'family_name'])
        .where('id', '=', b)
        .executeTakeFirstOrThrow()
      const survivor = await db
        .selectFrom('person')
        .select([...IDENTIFIER_COLUMNS, 'given_name', 'family_name'])
        .where('id', '=', a)
        .executeTakeFirstOrThrow()
      const identifiers = IDENTIFIER_COLUMNS.filter((c) => survivor[c] === null && merged[c] !== null)
      const copy: Partial<Record<IdentifierColumn, string | null>> = {}
      for (const c of identifiers) copy[c] = merged[c]
      await db
        .updateTable('person')
        .set({ ...copy, ...changedBy(actorId) })
        .where('id', '=', a)
        .execute()
      // The merged record's name becomes an alias of the survivor (when it differs), so searches still find it.
      const mergedName = [merged.given_name, merged.family_name].filter((n) => n !== null).join(' ')
      const survivorName = [survivor.given_name, survivor.family_name].filter((n) => n !== null).join(' ')
      const addedAliases =
        mergedName.toLowerCase() === survivorName.toLowerCase()
          ? []
          : await db
              .insertInto('person_alias')
              .values({
                partnership_id: input.partnershipId,
                person_id: a,
                kind: 'previous-name',
                name: mergedName,
                created_by: actorId,
              })
              .returning('id')
              .execute()
      return {
        aliases: ids(aliases),
        statuses: ids(statuses),
        linksFrom: ids(linksFrom),
        linksTo: ids(linksTo),
        flags: ids(flags),
        agencies: agencies.rows.map((r) => r.agency_id),
        identifiers: [...identifiers],
        addedAliases: ids(addedAliases),
      }
    },

    /** Moves back exactly what `moved` says, and makes the merged record live again. */
    async unmerge(
      db: Executor,
      input: { survivorId: string; mergedId: string; moved: Moved; actorId: string },
    ): Promise<void> {
      const { survivorId: a, mergedId: b, moved, actorId } = input
      const some = (list: string[]) => (list.length === 0 ? ['00000000-0000-0000-0000-000000000000'] : list)
      // The survivor gives back the identifiers it took, before the merged record is live again.
      const cleared: Partial<Record<IdentifierColumn, null>> = {}
      for (const c of moved.identifiers) {
        if ((IDENTIFIER_COLUMNS as readonly string[]).includes(c)) cleared[c as IdentifierColumn] = null
      }
      await db
        .updateTable('person')
        .set({ ...cleared, ...changedBy(actorId) })
        .where('id', '=', a)
        .execute()
      await db
        .updateTable('person')
        .set({ merged_into_id: null, ...changedBy(actorId) })
        .where('id', '=', b)
        .execute()
      await db
        .updateTable('person_alias')
        .set({ person_id: b })
        .where('id', 'in', some(moved.aliases))
        .execute()
      await db
        .updateTable('person_alias')
        .set({ removed_at: sql`now()` })
        .where('id', 'in', some(moved.addedAliases))
        .execute()
      await db
        .updateTable('person_statutory_status')
        .set({ person_id: b })
        .where('id', 'in', some(moved.statuses))
        .execute()
      const touch = changedBy(actorId)
      await db
        .updateTable('link')
        .set({ from_id: b, ...touch })
        .where('id', 'in', some(moved.linksFrom))
        .execute()
      await db
        .updateTable('link')
        .set({ to_id: b, ...touch })
        .where('id', 'in', some(moved.linksTo))
        .execute()
      await db
        .updateTable('flag')
        .set({ subject_id: b, ...touch })
        .where('id', 'in', some(moved.flags))
        .execute()
      await db
        .updateTable('person_agency')
        .set({ person_id: b })
        .where('person_id', '=', a)
        .where('agency_id', 'in', some(moved.agencies))
        .execute()
    },

    async record(
      db: Executor,
      merge: {
        partnershipId: string
        survivorId: string
        mergedId: string
        reason: string
        moved: Moved
        actorId: string
      },
    ): Promise<string> {
      const { id } = await db
        .insertInto('person_merge')
        .values({
          partnership_id: merge.partnershipId,
          survivor_id: merge.survivorId,
          merged_id: merge.mergedId,
          reason: merge.reason,
          moved: JSON.stringify(merge.moved),
          merged_by: merge.actorId,
        })
        .returning('id')
        .executeTakeFirstOrThrow()
      return id
    },

    /** One merge (locked with `forUpdate`), if it exists in the partnership (row-level security). */
    async find(db: Executor, id: string, options: FindOptions = {}): Promise<MergeRow | undefined> {
      return findOne(mergeColumns(db).where('m.id', '=', id), 'm', options, toMerge)
    },

    /** Merges into this survivor, newest first (including reversed ones, which stay as history). */
    async intoSurvivor(db: Executor, survivorId: string): Promise<MergeRow[]> {
      const rows = await mergeColumns(db)
        .where('m.survivor_id', '=', survivorId)
        .orderBy('m.merged_at', 'desc')
        .limit(100)
        .execute()
      return rows.map(toMerge)
    },

    async markUnmerged(
      db: Executor,
      input: { id: string; actorId: string; reason: string; version: number },
    ): Promise<boolean> {
      const result = await db
        .updateTable('person_merge')
        .set({
          unmerged_at: sql`now()`,
          unmerged_by: input.actorId,
          unmerge_reason: input.reason,
          version: sql`version + 1`,
        })
        .where('id', '=', input.id)
        .where('version', '=', input.version)
        .where('unmerged_at', 'is', null)
        .executeTakeFirst()
      return result.numUpdatedRows === 1n
    },
  }
}

function toMerge({ moved, ...row }: MergeSelection): MergeRow {
  return { ...camelRow(row), moved: movedOf(moved) }
}

export type MergeRepository = ReturnType<typeof mergeRepository>
