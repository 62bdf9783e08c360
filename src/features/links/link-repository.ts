import { sql } from 'kysely'
import { compiledQueries, queryBuilder, type Executor } from '../../db/database.ts'
import { partnershipAgencies } from '../../db/agency-lists.ts'
import type { EntityKind } from '../../db/schema.ts'
import { findOne, type FindOptions } from '../../db/query-helpers.ts'
import { camelRow } from '../../db/rows.ts'
import { formatPhone } from '../../platform/identifiers/phone.ts'
import { formatRegistration } from '../../platform/identifiers/vehicle.ts'

export const ENTITY_KINDS: readonly EntityKind[] = ['person', 'location', 'object']

export interface LinkTypeRow {
  code: string
  label: string
  inverseLabel: string
  fromKinds: EntityKind[]
  toKinds: EntityKind[]
}

/** What a link says, whether it is being recorded or read back. */
interface LinkFacts {
  partnershipId: string
  linkType: string
  fromKind: EntityKind
  fromId: string
  toKind: EntityKind
  toId: string
  fromDate: string | null
  toDate: string | null
  source: string
  sourceAgencyId: string | null
  sourceEvaluation: '1' | '2' | '3' | null
  intelligenceAssessment: 'A' | 'B' | 'C' | 'D' | 'E' | null
  /** The intelligence entry the link derives from (its grading is the entry's). */
  intelligenceId: string | null
  confidence: 'confirmed' | 'suspected'
}

/** Who recorded a link and when, whether and why it ended, and its version: as stored and as shown. */
export interface LinkHistory {
  endedAt: Date | null
  endedByName: string | null
  endReason: string | null
  createdAt: Date
  createdByName: string | null
  version: number
}

/** A link as stored, with the names of the people who recorded and ended it. */
export interface LinkRow extends LinkFacts, LinkHistory {
  id: string
  label: string
  inverseLabel: string
  sourceAgencyName: string | null
}

export interface NewLink extends LinkFacts {
  createdBy: string
}

/** A location or object end: what it is called on a page (shared POLE entities, no person data). */
export interface ThingRow {
  id: string
  kind: 'location' | 'object'
  partnershipId: string
  name: string
}

const linkColumns = (db: Executor) =>
  db
    .selectFrom('link as l')
    .innerJoin('link_type as t', 't.code', 'l.link_type')
    .leftJoin('agency as a', 'a.id', 'l.source_agency_id')
    .leftJoin('app_user as c', 'c.id', 'l.created_by')
    .leftJoin('app_user as e', 'e.id', 'l.ended_by')
    .select([
      'l.id',
      'l.partnership_id',
      'l.link_type',
      't.label',
      't.inverse_label',
      'l.from_kind',
      'l.from_id',
      'l.to_kind',
      'l.to_id',
      'l.from_date',
      'l.to_date',
      'l.source',
      'l.source_agency_id',
      'a.name as source_agency_name',
      'l.source_evaluation',
      'l.intelligence_assessment',
      'l.intelligence_id',
      'l.confidence',
      'l.ended_at',
      'e.display_name as ended_by_name',
      'l.end_reason',
      'l.created_at',
      'c.display_name as created_by_name',
      'l.version',
    ])

type LinkSelection = Awaited<ReturnType<ReturnType<typeof linkColumns>['executeTakeFirstOrThrow']>>

function toRow(r: LinkSelection): LinkRow {
  return camelRow(r)
}

function locationName(r: {
  name: string | null
  line1: string | null
  town: string | null
  postcode: string | null
}): string {
  return [r.name, r.line1, r.town, r.postcode].filter((part) => part !== null && part !== '').join(', ')
}

function objectName(r: { objectKind: string; value: string; platform: string | null }): string {
  if (r.objectKind === 'phone') return `Phone ${formatPhone(r.value)}`
  if (r.objectKind === 'vehicle') return `Vehicle ${formatRegistration(r.value)}`
  if (r.objectKind === 'online-handle') return `${r.value} on ${r.platform ?? 'a platform'}`
  return r.value
}

/**
 * An entity's links with the names of the places and things at their other ends (see forEntity): compiled once,
 * run with the entity and the limit as values.
 */
const entityLinks = compiledQueries((_variant: string, kind: EntityKind, id: string, limit: number) => {
  const here = sql<boolean>`(l.from_id = ${id} AND l.from_kind = ${kind})`
  const otherId = sql`CASE WHEN ${here} THEN l.to_id ELSE l.from_id END`
  const otherKind = sql`CASE WHEN ${here} THEN l.to_kind ELSE l.from_kind END`
  return linkColumns(queryBuilder)
    .leftJoin('location as lo', (join) =>
      join.on(sql<boolean>`lo.id = ${otherId} AND ${otherKind} = 'location'`),
    )
    .leftJoin('object as ob', (join) => join.on(sql<boolean>`ob.id = ${otherId} AND ${otherKind} = 'object'`))
    .select([
      'lo.id as location_id',
      'lo.partnership_id as location_partnership_id',
      'lo.name as location_name',
      'lo.address_line_1 as location_line1',
      'lo.town as location_town',
      'lo.postcode as location_postcode',
      'ob.id as object_id',
      'ob.partnership_id as object_partnership_id',
      'ob.kind as object_kind',
      'ob.value as object_value',
      'ob.platform as object_platform',
    ])
    .where((eb) =>
      eb.or([
        eb.and([eb('l.from_id', '=', id), eb('l.from_kind', '=', kind)]),
        eb.and([eb('l.to_id', '=', id), eb('l.to_kind', '=', kind)]),
      ]),
    )
    .orderBy(sql`l.ended_at IS NOT NULL`)
    .orderBy('l.created_at', 'desc')
    .orderBy('l.id')
    .limit(limit)
})

export function linkRepository() {
  return {
    async types(db: Executor): Promise<LinkTypeRow[]> {
      const rows = await db
        .selectFrom('link_type')
        .select(['code', 'label', 'inverse_label', 'from_kinds', 'to_kinds'])
        .orderBy('sort_order')
        .execute()
      return rows.map((r) => ({
        code: r.code,
        label: r.label,
        inverseLabel: r.inverse_label,
        fromKinds: r.from_kinds as EntityKind[],
        toKinds: r.to_kinds as EntityKind[],
      }))
    },

    async agencies(db: Executor, partnershipId: string): Promise<Array<{ id: string; name: string }>> {
      return partnershipAgencies(db, partnershipId)
    },

    /** One link (row-level security limits it to the transaction's partnership); `forUpdate` locks it. */
    async find(db: Executor, id: string, options: FindOptions = {}): Promise<LinkRow | undefined> {
      return findOne(linkColumns(db).where('l.id', '=', id), 'l', options, toRow)
    },

    /**
     * The links of an entity (current first, then newest), with the names of the places and things at their other
     * ends joined in the same statement (people at the other ends need their policy facts: findManyWithFacts).
     */
    async forEntity(
      db: Executor,
      kind: EntityKind,
      id: string,
      limit = 500,
    ): Promise<{ links: LinkRow[]; things: Map<string, ThingRow> }> {
      const { rows } = await db.executeQuery(entityLinks('links', kind, id, limit))
      const things = new Map<string, ThingRow>()
      for (const r of rows) {
        if (r.location_id !== null && r.location_partnership_id !== null) {
          const name = locationName({
            name: r.location_name,
            line1: r.location_line1,
            town: r.location_town,
            postcode: r.location_postcode,
          })
          things.set(`location:${r.location_id}`, {
            id: r.location_id,
            kind: 'location',
            partnershipId: r.location_partnership_id,
            name,
          })
        }
        if (
          r.object_id !== null &&
          r.object_partnership_id !== null &&
          r.object_kind !== null &&
          r.object_value !== null
        ) {
          const name = objectName({
            objectKind: r.object_kind,
            value: r.object_value,
            platform: r.object_platform,
          })
          things.set(`object:${r.object_id}`, {
            id: r.object_id,
            kind: 'object',
            partnershipId: r.object_partnership_id,
            name,
          })
        }
      }
      return { links: rows.map(toRow), things }
    },

    /** A location or object by id, with its display name; undefined when there is none (in this partnership). */
    async thing(db: Executor, kind: 'location' | 'object', id: string): Promise<ThingRow | undefined> {
      if (kind === 'location') {
        const r = await db
          .selectFrom('location')
          .select(['id', 'partnership_id', 'name', 'address_line_1 as line1', 'town', 'postcode'])
          .where('id', '=', id)
          .executeTakeFirst()
        return r === undefined
          ? undefined
          : { id: r.id, kind, partnershipId: r.partnership_id, name: locationName(r) }
      }
      const r = await db
        .selectFrom('object')
        .select(['id', 'partnership_id', 'kind as objectKind', 'value', 'platform'])
        .where('id', '=', id)
        .executeTakeFirst()
      return r === undefined
        ? undefined
        : { id: r.id, kind, partnershipId: r.partnership_id, name: objectName(r) }
    },

    /** Exact look-up of a location by postcode (only when one location has it) or an object by its value. */
    async findThingByValue(
      db: Executor,
      kind: 'location' | 'object',
      values: readonly string[],
    ): Promise<string | undefined> {
      if (values.length === 0) return undefined
      const rows =
        kind === 'location'
          ? await db.selectFrom('location').select('id').where('postcode', 'in', values).limit(2).execute()
          : await db.selectFrom('object').select('id').where('value', 'in', values).limit(2).execute()
      return rows.length === 1 ? rows[0]?.id : undefined
    },

    /** Exact look-up of a live person by an identifier (NHS number, police id, local authority id, UPN). */
    async findPersonByIdentifier(db: Executor, value: string): Promise<string | undefined> {
      const rows = await db
        .selectFrom('person')
        .select('id')
        .where('merged_into_id', 'is', null)
        .where((eb) =>
          eb.or([
            eb('nhs_number', '=', value.replace(/\s/g, '')),
            eb('police_id', '=', value),
            eb('la_child_id', '=', value),
            eb('upn', '=', value.toUpperCase()),
          ]),
        )
        .limit(2)
        .execute()
      return rows.length === 1 ? rows[0]?.id : undefined
    },

    async create(db: Executor, link: NewLink): Promise<string> {
      const { id } = await db
        .insertInto('link')
        .values({
          partnership_id: link.partnershipId,
          link_type: link.linkType,
          from_kind: link.fromKind,
          from_id: link.fromId,
          to_kind: link.toKind,
          to_id: link.toId,
          from_date: link.fromDate,
          to_date: link.toDate,
          source: link.source,
          source_agency_id: link.sourceAgencyId,
          source_evaluation: link.sourceEvaluation,
          intelligence_assessment: link.intelligenceAssessment,
          intelligence_id: link.intelligenceId,
          confidence: link.confidence,
          created_by: link.createdBy,
          updated_by: link.createdBy,
        })
        .returning('id')
        .executeTakeFirstOrThrow()
      return id
    },

    /**
     * Ends a current link at `version`: sets ended (when, by whom, why) and, if given, the date it stopped.
     * Returns false when the version is stale or the link has already ended.
     */
    async end(
      db: Executor,
      id: string,
      version: number,
      change: { endedBy: string; reason: string; toDate: string | null },
    ): Promise<boolean> {
      const result = await db
        .updateTable('link')
        .set((eb) => ({
          ended_at: sql<Date>`now()`,
          ended_by: change.endedBy,
          end_reason: change.reason,
          to_date: change.toDate === null ? eb.ref('to_date') : change.toDate,
          updated_at: sql<Date>`now()`,
          updated_by: change.endedBy,
          version: eb('version', '+', 1),
        }))
        .where('id', '=', id)
        .where('version', '=', version)
        .where('ended_at', 'is', null)
        .executeTakeFirst()
      return Number(result.numUpdatedRows) === 1
    },
  }
}

export type LinkRepository = ReturnType<typeof linkRepository>
