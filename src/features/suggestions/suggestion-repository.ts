import { sql } from 'kysely'
import type { Executor } from '../../db/database.ts'
import type { EntityKind } from '../../db/schema.ts'
import type { Contribution, LocationFacts, ObjectFacts, PersonFacts } from './suggestion-scoring.ts'

/**
 * Suggested links, SQL only. Row-level security limits every statement to the transaction's partnership, and
 * each query names the partnership too (so the indexes that lead with it are used). Candidates come from index
 * lookups only: an object's compacted value, a location's postcode, a person's date of birth and names
 * (person_name_matches, migration 0009).
 */

/** A record as the scoring compares it: its id, version and who recorded it (the source). */
export interface Entity<F> {
  id: string
  version: number
  sourceAgencyId: string | null
  facts: F
}

/** A suggestion as it is proposed: the two records (at their versions), its score explained, its evidence. */
export interface NewSuggestion {
  partnershipId: string
  kind: EntityKind
  aId: string
  bId: string
  aVersion: number
  bVersion: number
  score: number
  explanation: Array<Omit<Contribution, 'evidence'>>
  fingerprint: string
  isDemo?: boolean
}

/** A suggestion as stored: as proposed, with how it was decided. */
export interface SuggestionRow extends Omit<NewSuggestion, 'isDemo'> {
  id: string
  status: 'pending' | 'accepted' | 'rejected' | 'superseded'
  decidedAt: Date | null
  decidedBy: string | null
  rejectReason: string | null
  linkId: string | null
  createdAt: Date
  version: number
}

const NIL = '00000000-0000-0000-0000-000000000000'

/** How many candidates one lookup may bring (the scoring keeps the likely ones). */
const PER_LOOKUP = 25

interface RawSuggestion {
  id: string
  partnership_id: string
  kind: EntityKind
  a_id: string
  b_id: string
  a_version: number
  b_version: number
  score: string
  explanation: Array<Omit<Contribution, 'evidence'>>
  fingerprint: string
  status: SuggestionRow['status']
  decided_at: Date | null
  decided_by: string | null
  reject_reason: string | null
  link_id: string | null
  created_at: Date
  version: number
}

const toRow = (r: RawSuggestion): SuggestionRow => ({
  id: r.id,
  partnershipId: r.partnership_id,
  kind: r.kind,
  aId: r.a_id,
  bId: r.b_id,
  aVersion: r.a_version,
  bVersion: r.b_version,
  score: Number(r.score),
  explanation: r.explanation,
  fingerprint: r.fingerprint,
  status: r.status,
  decidedAt: r.decided_at,
  decidedBy: r.decided_by,
  rejectReason: r.reject_reason,
  linkId: r.link_id,
  createdAt: r.created_at,
  version: r.version,
})

const SUGGESTION_COLUMNS = sql`id, partnership_id, kind, a_id, b_id, a_version, b_version, score, explanation,
  fingerprint, status, decided_at, decided_by, reject_reason, link_id, created_at, version`

interface RawObject {
  id: string
  version: number
  source_agency_id: string | null
  kind: ObjectFacts['kind']
  value: string
  platform: string | null
}

interface RawLocation {
  id: string
  version: number
  source_agency_id: string | null
  name: string | null
  address_line_1: string | null
  address_line_2: string | null
  town: string | null
  postcode: string | null
}

interface RawPerson {
  id: string
  version: number
  source_agency_id: string | null
  given_name: string
  family_name: string | null
  date_of_birth: string | null
  gender: string | null
  aliases: PersonFacts['aliases'] | null
}

const objectOf = (r: RawObject): Entity<ObjectFacts> => ({
  id: r.id,
  version: r.version,
  sourceAgencyId: r.source_agency_id,
  facts: { kind: r.kind, value: r.value, platform: r.platform },
})

const locationOf = (r: RawLocation): Entity<LocationFacts> => ({
  id: r.id,
  version: r.version,
  sourceAgencyId: r.source_agency_id,
  facts: {
    name: r.name,
    addressLine1: r.address_line_1,
    addressLine2: r.address_line_2,
    town: r.town,
    postcode: r.postcode,
  },
})

const personOf = (r: RawPerson): Entity<PersonFacts> => ({
  id: r.id,
  version: r.version,
  sourceAgencyId: r.source_agency_id,
  facts: {
    givenName: r.given_name,
    familyName: r.family_name,
    dateOfBirth: r.date_of_birth,
    gender: r.gender,
    aliases: r.aliases ?? [],
  },
})

export function suggestionRepository() {
  const objects = async (db: Executor, where: ReturnType<typeof sql>) =>
    (
      await sql<RawObject>`
        SELECT o.id, o.version, u.agency_id AS source_agency_id, o.kind, o.value, o.platform
          FROM object o LEFT JOIN app_user u ON u.id = o.created_by
         WHERE ${where}`.execute(db)
    ).rows.map(objectOf)

  const locations = async (db: Executor, where: ReturnType<typeof sql>) =>
    (
      await sql<RawLocation>`
        SELECT l.id, l.version, u.agency_id AS source_agency_id, l.name, l.address_line_1, l.address_line_2,
               l.town, l.postcode
          FROM location l LEFT JOIN app_user u ON u.id = l.created_by
         WHERE ${where}`.execute(db)
    ).rows.map(locationOf)

  const people = async (db: Executor, ids: readonly string[]) =>
    ids.length === 0
      ? []
      : (
          await sql<RawPerson>`
            SELECT p.id, p.version, u.agency_id AS source_agency_id, p.given_name, p.family_name,
                   p.date_of_birth::text AS date_of_birth, p.gender,
                   (SELECT json_agg(json_build_object('kind', a.kind, 'name', a.name) ORDER BY a.created_at)
                      FROM person_alias a WHERE a.person_id = p.id AND a.removed_at IS NULL) AS aliases
              FROM person p LEFT JOIN app_user u ON u.id = p.created_by
             WHERE p.id = ANY(${[...ids]}::uuid[]) AND p.merged_into_id IS NULL`.execute(db)
        ).rows.map(personOf)

  /**
   * New pending suggestions, or each pair's pending one with the evidence as it is now (its versions and score),
   * in one statement.
   */
  async function proposeMany(db: Executor, list: readonly NewSuggestion[]): Promise<void> {
    if (list.length === 0) return
    const column = <T>(f: (s: NewSuggestion) => T) => list.map(f)
    await sql`
      INSERT INTO link_suggestion (partnership_id, kind, a_id, b_id, a_version, b_version, score, explanation,
                                   fingerprint, is_demo)
      SELECT p, k, a, b, av, bv, sc, ex::jsonb, fp, dm
        FROM unnest(${column((s) => s.partnershipId)}::uuid[], ${column((s) => s.kind)}::text[],
                    ${column((s) => s.aId)}::uuid[], ${column((s) => s.bId)}::uuid[],
                    ${column((s) => s.aVersion)}::int[], ${column((s) => s.bVersion)}::int[],
                    ${column((s) => s.score)}::numeric[], ${column((s) => JSON.stringify(s.explanation))}::text[],
                    ${column((s) => s.fingerprint)}::text[], ${column((s) => s.isDemo ?? false)}::boolean[])
             AS u(p, k, a, b, av, bv, sc, ex, fp, dm)
      ON CONFLICT (partnership_id, a_id, b_id) WHERE status = 'pending' DO UPDATE
         SET a_version = EXCLUDED.a_version, b_version = EXCLUDED.b_version, score = EXCLUDED.score,
             explanation = EXCLUDED.explanation, fingerprint = EXCLUDED.fingerprint, updated_at = now(),
             version = link_suggestion.version + 1
       WHERE link_suggestion.fingerprint <> EXCLUDED.fingerprint
          OR link_suggestion.a_version <> EXCLUDED.a_version
          OR link_suggestion.b_version <> EXCLUDED.b_version`.execute(db)
  }

  return {
    object: async (db: Executor, id: string) => (await objects(db, sql`o.id = ${id}`))[0],
    location: async (db: Executor, id: string) => (await locations(db, sql`l.id = ${id}`))[0],
    person: async (db: Executor, id: string) => (await people(db, [id]))[0],

    /** Other objects holding one of these compacted values (its compact_value column, migration 0019). */
    objectCandidates: (db: Executor, partnershipId: string, forms: readonly string[], exceptId: string) =>
      forms.length === 0
        ? Promise.resolve([])
        : objects(
            db,
            sql`o.partnership_id = ${partnershipId} AND o.compact_value
                  = ANY(${[...forms]}::text[]) AND o.id <> ${exceptId} LIMIT ${PER_LOOKUP}`,
          ),

    /** Other locations at this postcode (location_postcode_idx). */
    locationCandidates: (db: Executor, partnershipId: string, postcode: string, exceptId: string) =>
      locations(
        db,
        sql`l.partnership_id = ${partnershipId} AND l.postcode = ${postcode} AND l.id <> ${exceptId}
            ORDER BY l.id LIMIT ${PER_LOOKUP}`,
      ),

    /**
     * Other live people with this date of birth, or whose name or other names are alike to one of `names`
     * (trigram index, through person_name_matches).
     */
    async personCandidates(
      db: Executor,
      partnershipId: string,
      person: PersonFacts,
      exceptId: string,
    ): Promise<Array<Entity<PersonFacts>>> {
      const names = [
        `${person.givenName} ${person.familyName ?? ''}`.trim(),
        ...person.aliases.map((a) => a.name),
      ].map((n) => n.toLowerCase().replace(/\s+/g, ' ').trim())
      const ids = new Set<string>()
      if (person.dateOfBirth !== null) {
        const { rows } = await sql<{ id: string }>`
          SELECT id FROM person
           WHERE partnership_id = ${partnershipId} AND date_of_birth = ${person.dateOfBirth}::date
             AND merged_into_id IS NULL AND id <> ${exceptId}
           LIMIT ${PER_LOOKUP}`.execute(db)
        for (const r of rows) ids.add(r.id)
      }
      for (const name of names.slice(0, 6)) {
        const { rows } = await sql<{ person_id: string }>`
          SELECT person_id FROM person_name_matches(${name}, 0.5, ${PER_LOOKUP})`.execute(db)
        for (const r of rows) if (r.person_id !== exceptId) ids.add(r.person_id)
      }
      return people(db, [...ids])
    },

    /** Is there a current link between the two records, either way? */
    async linked(db: Executor, aId: string, bId: string): Promise<boolean> {
      const { rows } = await sql<{ one: number }>`
        SELECT 1 AS one FROM link
         WHERE ended_at IS NULL
           AND ((from_id = ${aId} AND to_id = ${bId}) OR (from_id = ${bId} AND to_id = ${aId}))
         LIMIT 1`.execute(db)
      return rows.length > 0
    },

    /** Was this pair rejected on this very evidence? */
    async rejected(db: Executor, s: Pick<NewSuggestion, 'partnershipId' | 'aId' | 'bId' | 'fingerprint'>) {
      const { rows } = await sql<{ one: number }>`
        SELECT 1 AS one FROM link_suggestion
         WHERE partnership_id = ${s.partnershipId} AND a_id = ${s.aId} AND b_id = ${s.bId}
           AND fingerprint = ${s.fingerprint} AND status = 'rejected'`.execute(db)
      return rows.length > 0
    },

    /** The pending suggestions with this record at either end. */
    async pendingFor(db: Executor, id: string): Promise<SuggestionRow[]> {
      const { rows } = await sql<RawSuggestion>`
        SELECT ${SUGGESTION_COLUMNS} FROM link_suggestion WHERE status = 'pending' AND a_id = ${id}
        UNION ALL
        SELECT ${SUGGESTION_COLUMNS} FROM link_suggestion WHERE status = 'pending' AND b_id = ${id}`.execute(
        db,
      )
      return rows.map(toRow)
    },

    /** A new pending suggestion, or the pair's pending one with the evidence as it is now. */
    propose: (db: Executor, s: NewSuggestion) => proposeMany(db, [s]),

    proposeMany,

    /** Pending suggestions whose evidence no longer holds: kept, marked superseded. */
    async supersede(db: Executor, ids: readonly string[]): Promise<void> {
      if (ids.length === 0) return
      await sql`
        UPDATE link_suggestion SET status = 'superseded', updated_at = now(), version = version + 1
         WHERE id = ANY(${[...ids]}::uuid[]) AND status = 'pending'`.execute(db)
    },

    /** Pending suggestions, best first: `limit` of them after the first `offset` (link_suggestion_queue_idx). */
    async pending(db: Executor, partnershipId: string, limit: number, offset = 0): Promise<SuggestionRow[]> {
      const { rows } = await sql<RawSuggestion>`
        SELECT ${SUGGESTION_COLUMNS} FROM link_suggestion
         WHERE partnership_id = ${partnershipId} AND status = 'pending'
         ORDER BY score DESC, id
         LIMIT ${limit} OFFSET ${offset}`.execute(db)
      return rows.map(toRow)
    },

    async find(db: Executor, id: string, options: { forUpdate?: boolean } = {}) {
      const { rows } = await sql<RawSuggestion>`
        SELECT ${SUGGESTION_COLUMNS} FROM link_suggestion WHERE id = ${id}
        ${options.forUpdate === true ? sql`FOR UPDATE` : sql``}`.execute(db)
      const row = rows[0]
      return row === undefined ? undefined : toRow(row)
    },

    /** The agency each record was recorded by (its source), by record id. */
    async sources(db: Executor, kind: EntityKind, ids: readonly string[]): Promise<Map<string, string>> {
      if (ids.length === 0) return new Map()
      const table = sql.table(kind)
      const { rows } = await sql<{ id: string; name: string }>`
        SELECT r.id, a.name FROM ${table} r JOIN app_user u ON u.id = r.created_by JOIN agency a ON a.id = u.agency_id
         WHERE r.id = ANY(${[...ids]}::uuid[])`.execute(db)
      return new Map(rows.map((r) => [r.id, r.name]))
    },

    /** The version of a record now (undefined: gone, or merged into another). */
    async versionOf(db: Executor, kind: EntityKind, id: string): Promise<number | undefined> {
      const table = sql.table(kind)
      const live = kind === 'person' ? sql`AND merged_into_id IS NULL` : sql``
      const { rows } = await sql<{ version: number }>`
        SELECT version FROM ${table} WHERE id = ${id} ${live}`.execute(db)
      return rows[0]?.version
    },

    /** Records a decision on a pending suggestion at `version`; false when it was decided or changed first. */
    async decide(
      db: Executor,
      id: string,
      version: number,
      decision: { status: 'accepted'; linkId: string } | { status: 'rejected'; reason: string },
      by: string,
    ): Promise<boolean> {
      const result = await db
        .updateTable('link_suggestion')
        .set({
          status: decision.status,
          link_id: decision.status === 'accepted' ? decision.linkId : null,
          reject_reason: decision.status === 'rejected' ? decision.reason : null,
          decided_by: by,
          decided_at: new Date(),
          updated_at: new Date(),
          version: sql<number>`version + 1`,
        })
        .where('id', '=', id)
        .where('version', '=', version)
        .where('status', '=', 'pending')
        .executeTakeFirst()
      return result.numUpdatedRows === 1n
    },

    async count(db: Executor, kind: EntityKind): Promise<number> {
      const table = sql.table(kind)
      const { rows } = await sql<{ n: string }>`SELECT count(*)::text AS n FROM ${table}`.execute(db)
      return Number(rows[0]?.n ?? 0)
    },

    // --- The set-based full rebuild (i12s): a batch of records at a time, each statement for the whole batch ---

    /** One batch of objects after `after` (keyset), with their facts. */
    objectsAfter: (db: Executor, partnershipId: string, after: string | null, limit: number) =>
      objects(
        db,
        sql`o.partnership_id = ${partnershipId} AND o.id > ${after ?? NIL}::uuid ORDER BY o.id LIMIT ${limit}`,
      ),

    /** One batch of locations after `after` (keyset), with their facts. */
    locationsAfter: (db: Executor, partnershipId: string, after: string | null, limit: number) =>
      locations(
        db,
        sql`l.partnership_id = ${partnershipId} AND l.id > ${after ?? NIL}::uuid ORDER BY l.id LIMIT ${limit}`,
      ),

    objectsIn: (db: Executor, ids: readonly string[]) =>
      ids.length === 0 ? Promise.resolve([]) : objects(db, sql`o.id = ANY(${[...ids]}::uuid[])`),
    locationsIn: (db: Executor, ids: readonly string[]) =>
      ids.length === 0 ? Promise.resolve([]) : locations(db, sql`l.id = ANY(${[...ids]}::uuid[])`),
    peopleIn: (db: Executor, ids: readonly string[]) => people(db, ids),

    /** The objects holding one of each record's compacted forms (record id, form), as (record, other) pairs. */
    async objectPairs(
      db: Executor,
      partnershipId: string,
      forms: ReadonlyArray<{ id: string; form: string }>,
    ): Promise<Array<[string, string]>> {
      if (forms.length === 0) return []
      const { rows } = await sql<{ x: string; y: string }>`
        SELECT f.id AS x, o.id AS y
          FROM unnest(${forms.map((f) => f.id)}::uuid[], ${forms.map((f) => f.form)}::text[]) AS f(id, form)
          JOIN object o ON o.partnership_id = ${partnershipId}
                       AND o.compact_value = f.form
                       AND o.id <> f.id`.execute(db)
      return rows.map((r) => [r.x, r.y])
    },

    /** The locations at the postcode of each of `ids`, as (record, other) pairs with the other's id greater. */
    async locationPairs(
      db: Executor,
      partnershipId: string,
      ids: readonly string[],
    ): Promise<Array<[string, string]>> {
      if (ids.length === 0) return []
      const { rows } = await sql<{ x: string; y: string }>`
        SELECT x.id AS x, y.id AS y
          FROM location x
          JOIN location y ON y.partnership_id = x.partnership_id AND y.postcode = x.postcode AND y.id > x.id
         WHERE x.partnership_id = ${partnershipId} AND x.id = ANY(${[...ids]}::uuid[])`.execute(db)
      return rows.map((r) => [r.x, r.y])
    },

    /**
     * Every pair of people alike in the partnership (suggestion_person_pairs, migration 0019), lesser id first,
     * in one statement (no statement timeout for it: it is the rebuild's, not a request's).
     */
    async personPairs(db: Executor): Promise<Array<[string, string]>> {
      await sql`SET LOCAL statement_timeout = 0`.execute(db)
      const { rows } = await sql<{ a_id: string; b_id: string }>`
        SELECT a_id, b_id FROM suggestion_person_pairs() ORDER BY a_id, b_id`.execute(db)
      return rows.map((r) => [r.a_id, r.b_id])
    },

    /** Which of these pairs (`a:b`) have a current link between them, either way. */
    async linkedPairs(db: Executor, pairs: ReadonlyArray<readonly [string, string]>): Promise<Set<string>> {
      if (pairs.length === 0) return new Set()
      const { rows } = await sql<{ a: string; b: string }>`
        SELECT p.a, p.b FROM unnest(${pairs.map((p) => p[0])}::uuid[], ${pairs.map((p) => p[1])}::uuid[]) AS p(a, b)
         WHERE EXISTS (SELECT 1 FROM link WHERE ended_at IS NULL AND from_id = p.a AND to_id = p.b)
            OR EXISTS (SELECT 1 FROM link WHERE ended_at IS NULL AND from_id = p.b AND to_id = p.a)`.execute(
        db,
      )
      return new Set(rows.map((r) => `${r.a}:${r.b}`))
    },

    /** Which of these fingerprints were rejected (in the partnership). */
    async rejectedPrints(
      db: Executor,
      partnershipId: string,
      prints: readonly string[],
    ): Promise<Set<string>> {
      if (prints.length === 0) return new Set()
      const { rows } = await sql<{ fingerprint: string }>`
        SELECT fingerprint FROM link_suggestion
         WHERE partnership_id = ${partnershipId} AND status = 'rejected'
           AND fingerprint = ANY(${[...prints]}::text[])`.execute(db)
      return new Set(rows.map((r) => r.fingerprint))
    },

    /** Every pending suggestion of a kind in the partnership: id and pair. */
    async pendingPairs(
      db: Executor,
      partnershipId: string,
      kind: EntityKind,
    ): Promise<Array<{ id: string; aId: string; bId: string }>> {
      const { rows } = await sql<{ id: string; a_id: string; b_id: string }>`
        SELECT id, a_id, b_id FROM link_suggestion
         WHERE partnership_id = ${partnershipId} AND status = 'pending' AND kind = ${kind}`.execute(db)
      return rows.map((r) => ({ id: r.id, aId: r.a_id, bId: r.b_id }))
    },

    // --- Records whose suggestions could not be worked out after a save (migration 0019) ---

    /** Keeps a record to retry (or counts one more failure), with the failure's message. */
    async markDue(db: Executor, due: { partnershipId: string; kind: EntityKind; id: string; error: string }) {
      await sql`
        INSERT INTO suggestion_refresh_due (partnership_id, kind, record_id, error)
        VALUES (${due.partnershipId}, ${due.kind}, ${due.id}, ${due.error.slice(0, 500)})
        ON CONFLICT (partnership_id, kind, record_id) DO UPDATE
           SET attempts = suggestion_refresh_due.attempts + 1, last_failed_at = now(), error = EXCLUDED.error`.execute(
        db,
      )
    },

    /** The oldest records due a retry in the partnership. */
    async due(
      db: Executor,
      partnershipId: string,
      limit: number,
    ): Promise<Array<{ kind: EntityKind; id: string; attempts: number }>> {
      const { rows } = await sql<{ kind: EntityKind; record_id: string; attempts: number }>`
        SELECT kind, record_id, attempts FROM suggestion_refresh_due
         WHERE partnership_id = ${partnershipId} ORDER BY last_failed_at LIMIT ${limit}`.execute(db)
      return rows.map((r) => ({ kind: r.kind, id: r.record_id, attempts: r.attempts }))
    },

    /** A record's suggestions worked out at last: no longer due. */
    async doneDue(db: Executor, partnershipId: string, kind: EntityKind, id: string) {
      await sql`
        DELETE FROM suggestion_refresh_due
         WHERE partnership_id = ${partnershipId} AND kind = ${kind} AND record_id = ${id}`.execute(db)
    },

    /** After a full rebuild: every record that failed before it started is worked out. */
    async clearDue(db: Executor, partnershipId: string, before: Date) {
      await sql`
        DELETE FROM suggestion_refresh_due
         WHERE partnership_id = ${partnershipId} AND last_failed_at < ${before}`.execute(db)
    },

    /** How many suggestions are pending in the partnership. */
    async pendingCount(db: Executor, partnershipId: string): Promise<number> {
      const { rows } = await sql<{ n: string }>`
        SELECT count(*)::text AS n FROM link_suggestion
         WHERE partnership_id = ${partnershipId} AND status = 'pending'`.execute(db)
      return Number(rows[0]?.n ?? 0)
    },
  }
}

export type SuggestionRepository = ReturnType<typeof suggestionRepository>
