import { sql } from 'kysely'
import type { Executor } from '../../db/database.ts'
import type { RecordFacts } from '../../platform/access/policy.ts'
import { personFactColumns, personFacts, type PersonIdentityRow } from '../../platform/access/person-facts.ts'
import { transposedDate, type CandidateMeasures, type DuplicateSubject } from './duplicate-scoring.ts'

/** The record to find duplicates of: an existing person (excluded from its own candidates) or a would-be one. */
export interface DuplicateQuery extends DuplicateSubject {
  partnershipId: string
  actorId: string
  /** An existing person: their aliases and home addresses count too, and they are not their own duplicate. */
  personId: string | null
  /** Locations a would-be person lives at. */
  locationIds: readonly string[]
}

export interface CandidateRow extends CandidateMeasures {
  id: string
  kind: string
  kindLabel: string
  version: number
  facts: RecordFacts
}

interface RawCandidate extends PersonIdentityRow {
  nhs_number: string | null
  upn: string | null
  la_child_id: string | null
  police_id: string | null
  version: number
  name_similarity: number
  alias_similarity: number | null
  family_sounds_alike: boolean
  given_sounds_alike: boolean
  shares_address: boolean
}

/** How many candidates each way of finding them may bring (the scoring then keeps the likely ones). */
const PER_SOURCE = 20
/** pg_trgm similarity from which a name is a candidate (the scoring counts names from 0.5). */
const NAME_THRESHOLD = 0.45

export function duplicateRepository() {
  return {
    /**
     * Candidate duplicates in one query. Candidates come only from index lookups, each bounded: the same
     * identifier (unique indexes among live records), the same or day-month-swapped date of birth, the same home
     * address, and, when no date of birth is known, names or aliases at least 0.45 alike to the name or to one of
     * the subject's aliases (person_name_matches, migration 0009). Then each (at most a hundred or so) is measured. (A family name that
     * sounds alike is scored, but is not a way in on its own: with only a birth year it cannot reach the
     * threshold, and dmetaphone cannot use an index under row-level security.)
     */
    async candidates(db: Executor, q: DuplicateQuery): Promise<CandidateRow[]> {
      const pid = q.partnershipId
      const name = `${q.givenName} ${q.familyName ?? ''}`.toLowerCase().replace(/\s+/g, ' ').trim()
      const dobs =
        q.dateOfBirth === null ? [] : [q.dateOfBirth, transposedDate(q.dateOfBirth)].filter((d) => d !== null)
      const live = sql`partnership_id = ${pid} AND merged_into_id IS NULL`
      const self = q.personId
      const byIdentifier = (column: string, value: string | null) =>
        value === null
          ? sql``
          : sql`UNION SELECT id FROM person WHERE ${live} AND ${sql.ref(column)} = ${value}`
      const result = await sql<RawCandidate>`
        WITH subject_aliases AS (
          SELECT search_name FROM person_alias
           WHERE person_id = ${self}::uuid AND removed_at IS NULL
           LIMIT 20
        ), homes AS (
          SELECT to_id AS id FROM link
           WHERE from_id = ${self}::uuid AND link_type = 'lives-at' AND to_kind = 'location' AND ended_at IS NULL
          UNION
          SELECT unnest(${[...q.locationIds]}::uuid[])
        ), found AS (
          SELECT NULL::uuid AS id WHERE FALSE
          ${byIdentifier('nhs_number', q.nhsNumber)}
          ${byIdentifier('upn', q.upn)}
          ${byIdentifier('la_child_id', q.laChildId)}
          ${byIdentifier('police_id', q.policeId)}
          ${
            // Fuzzy names are the costly way in (a trigram index scan over every similar name in the
            // partnership): taken only when there is no date of birth to find candidates by, since with one a
            // record alike only in name (35, or 40 born the same year) adds little to the same or swapped date.
            name === '' || dobs.length > 0
              ? sql``
              : sql`UNION (SELECT person_id FROM person_name_matches(${name}, ${NAME_THRESHOLD}, ${PER_SOURCE}))
                    UNION (SELECT near.person_id FROM subject_aliases sa
                             CROSS JOIN LATERAL person_name_matches(sa.search_name, ${NAME_THRESHOLD}, 5) near)`
          }
          ${
            dobs.length === 0
              ? sql``
              : sql`UNION (SELECT id FROM person WHERE ${live} AND date_of_birth = ANY (${dobs}::date[])
                           LIMIT ${PER_SOURCE * 2})`
          }
          UNION (SELECT l.from_id FROM homes h
                   JOIN link l ON l.to_id = h.id AND l.link_type = 'lives-at' AND l.from_kind = 'person'
                                AND l.ended_at IS NULL
                  LIMIT ${PER_SOURCE})
        )
        SELECT p.id, p.kind, k.label AS kind_label, p.given_name, p.family_name, p.date_of_birth,
               p.nhs_number, p.upn, p.la_child_id, p.police_id, p.version,
               p.partnership_id, p.allocated_worker_id, p.allocated_team_id,
               similarity(p.search_name, ${name}) AS name_similarity,
               greatest(
                 (SELECT max(similarity(a.search_name, ${name})) FROM person_alias a
                   WHERE a.person_id = p.id AND a.removed_at IS NULL),
                 (SELECT max(similarity(p.search_name, sa.search_name)) FROM subject_aliases sa)
               ) AS alias_similarity,
               (${q.familyName ?? ''} <> '' AND dmetaphone(coalesce(p.family_name, '')) = dmetaphone(${q.familyName ?? ''}))
                 AS family_sounds_alike,
               dmetaphone(p.given_name) = dmetaphone(${q.givenName}) AS given_sounds_alike,
               EXISTS (SELECT 1 FROM link l JOIN homes h ON h.id = l.to_id
                        WHERE l.from_id = p.id AND l.link_type = 'lives-at' AND l.ended_at IS NULL)
                 AS shares_address,
               ${personFactColumns(q.actorId)}
          FROM (SELECT DISTINCT id FROM found) c
          JOIN person p ON p.id = c.id
          JOIN person_kind k ON k.code = p.kind
         WHERE p.merged_into_id IS NULL AND p.id IS DISTINCT FROM ${self}::uuid`.execute(db)
      return result.rows.map((r) => ({
        id: r.id,
        kind: r.kind,
        kindLabel: r.kind_label,
        version: r.version,
        givenName: r.given_name,
        familyName: r.family_name,
        dateOfBirth: r.date_of_birth,
        nhsNumber: r.nhs_number,
        upn: r.upn,
        laChildId: r.la_child_id,
        policeId: r.police_id,
        nameSimilarity: r.name_similarity,
        aliasSimilarity: r.alias_similarity ?? 0,
        familySoundsAlike: r.family_sounds_alike,
        givenSoundsAlike: r.given_sounds_alike,
        sharesAddress: r.shares_address,
        facts: personFacts(r, q.actorId),
      }))
    },
  }
}

export type DuplicateRepository = ReturnType<typeof duplicateRepository>
