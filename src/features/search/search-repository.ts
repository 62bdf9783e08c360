import { sql, type RawBuilder } from 'kysely'
import type { Executor } from '../../db/database.ts'
import { personFactColumns, personFacts, type PersonIdentityRow } from '../../platform/access/person-facts.ts'
import type { RecordFacts } from '../../platform/access/policy.ts'

/** What to look for; every criterion given must match (values already normalised by the service). */
export interface SearchCriteria {
  /** Lower case, single spaces: matched fuzzily against names and live aliases. */
  name?: string
  dateOfBirth?: string
  /** Matched exactly against the NHS number, UPN, local authority id and police id. */
  identifier?: { nhsNumber: string | null; upn: string | null; other: string }
  /** E.164. */
  phone?: string
  /** Compact registration mark, upper case. */
  vehicle?: string
  /** Upper case with one space. */
  postcode?: string
  kind?: string
}

/** Keyset position: results come in (score descending, id ascending) order. */
export interface SearchCursor {
  score: number
  id: string
}

/** Who is searching, for narrowing the rows the policy looks at (it still decides on each one). */
export interface SearchScope {
  userId: string
  agencyId: string
  teamIds: readonly string[]
  /** Count agency involvement (the policy lets only a designated safeguarding lead in through it). */
  byAgency: boolean
}

export interface SearchRow {
  id: string
  kind: string
  kindLabel: string
  givenName: string
  familyName: string | null
  dateOfBirth: string | null
  estimatedAge: number | null
  estimatedAgeOn: string | null
  score: number
  /** Which criteria this row matched on beyond the filters: the name itself or one of the aliases. */
  nameMatch: 'name' | 'alias' | null
  facts: RecordFacts
}

/**
 * Rows the actor could possibly see, by the relationships the policy counts (a superset: the policy decides).
 * Written so that PostgreSQL can start from a small caseload when a name matches thousands of people.
 */
export function scopeCondition(scope: SearchScope): RawBuilder<boolean> {
  const teams = scope.teamIds.length === 0 ? null : [...scope.teamIds]
  return sql<boolean>`(
    p.allocated_worker_id = ${scope.userId}
    OR p.allocated_team_id = ANY (${teams}::uuid[])
    ${scope.byAgency ? sql`OR EXISTS (SELECT 1 FROM person_agency pa WHERE pa.person_id = p.id AND pa.agency_id = ${scope.agencyId})` : sql``}
    OR EXISTS (SELECT 1 FROM agenda_item ai
                 JOIN meeting m ON m.id = ai.meeting_id AND m.status <> 'closed'
                 JOIN meeting_member mm ON mm.meeting_id = m.id AND mm.user_id = ${scope.userId}
                WHERE ai.person_id = p.id)
    OR EXISTS (SELECT 1 FROM break_glass_grant g
                WHERE g.record_type = 'person' AND g.record_id = p.id
                  AND g.user_id = ${scope.userId} AND g.expires_at > now()))`
}

interface RawSearchRow extends PersonIdentityRow {
  estimated_age: number | null
  estimated_age_on: string | null
  score: number
  name_score: number | null
  alias_score: number | null
}

/** The persons linked (by a link from the person) to an object or location matching `where`. */
function linkedTo(table: 'object' | 'location', where: RawBuilder<boolean>) {
  return sql<boolean>`p.id IN (SELECT l.from_id FROM ${sql.table(table)} t
                                 JOIN link l ON l.to_id = t.id AND l.from_kind = 'person'
                                WHERE ${where})`
}

/** pg_trgm similarity from which a name matches, and how many of the best name matches are considered. */
const NAME_THRESHOLD = 0.3
const NAME_MATCHES_MAX = 1000

export function searchRepository() {
  return {
    /**
     * The places and things the search's identifier criteria name exactly (a phone or vehicle object by its value,
     * locations by postcode), for the bare identifier answer (slice i12-relations): their kinds and ids only.
     */
    async thingsNamed(
      db: Executor,
      criteria: SearchCriteria,
    ): Promise<Array<{ kind: 'location' | 'object'; id: string }>> {
      const found: Array<{ kind: 'location' | 'object'; id: string }> = []
      const objects: Array<['phone' | 'vehicle', string]> = []
      if (criteria.phone !== undefined) objects.push(['phone', criteria.phone])
      if (criteria.vehicle !== undefined) objects.push(['vehicle', criteria.vehicle])
      for (const [kind, value] of objects) {
        const rows = await db
          .selectFrom('object')
          .select('id')
          .where('kind', '=', kind)
          .where('value', '=', value)
          .execute()
        found.push(...rows.map((r) => ({ kind: 'object' as const, id: r.id })))
      }
      if (criteria.postcode !== undefined) {
        const rows = await db
          .selectFrom('location')
          .select('id')
          .where('postcode', '=', criteria.postcode)
          .limit(100)
          .execute()
        found.push(...rows.map((r) => ({ kind: 'location' as const, id: r.id })))
      }
      return found
    },

    /**
     * Live people of the partnership matching every criterion, best name match first. With `scope`, only rows
     * the actor has some relationship to (the policy then decides on each); without it, everyone (used only by
     * the benchmark, to show what the access checks cost).
     */
    async search(
      db: Executor,
      input: {
        partnershipId: string
        actorId: string
        criteria: SearchCriteria
        scope: SearchScope | null
        after: SearchCursor | null
        limit: number
      },
    ): Promise<SearchRow[]> {
      const { criteria: c, partnershipId: pid } = input
      const where: Array<RawBuilder<boolean>> = [
        sql<boolean>`p.partnership_id = ${pid}`,
        sql<boolean>`p.merged_into_id IS NULL`,
      ]
      if (c.kind !== undefined) where.push(sql<boolean>`p.kind = ${c.kind}`)
      if (c.dateOfBirth !== undefined) where.push(sql<boolean>`p.date_of_birth = ${c.dateOfBirth}`)
      if (c.identifier !== undefined) {
        const { nhsNumber, upn, other } = c.identifier
        where.push(sql<boolean>`(p.nhs_number = ${nhsNumber} OR p.upn = ${upn}
                                 OR p.la_child_id = ${other} OR p.police_id = ${other})`)
      }
      const thing = (kind: 'phone' | 'vehicle', value: string) =>
        linkedTo(
          'object',
          sql<boolean>`t.partnership_id = ${pid} AND t.kind = ${kind}
                       AND t.value = ${value}`,
        )
      if (c.phone !== undefined) where.push(thing('phone', c.phone))
      if (c.vehicle !== undefined) where.push(thing('vehicle', c.vehicle))
      if (c.postcode !== undefined) {
        where.push(
          linkedTo('location', sql<boolean>`t.partnership_id = ${pid} AND t.postcode = ${c.postcode}`),
        )
      }
      if (input.scope !== null) where.push(scopeCondition(input.scope))

      // Fuzzy names: trigram similarity over the names and live aliases of the partnership (migration 0009's
      // person_name_matches, which can use the trigram index where row-level security would stop it), best
      // score per person; then the other criteria, the scope and the policy on those people only.
      const fuzzy =
        c.name === undefined
          ? sql``
          : sql`JOIN (SELECT m.person_id AS id, max(m.score) AS score,
                             max(m.score) FILTER (WHERE m.source = 'name') AS name_score,
                             max(m.score) FILTER (WHERE m.source = 'alias') AS alias_score
                        FROM person_name_matches(${c.name}, ${NAME_THRESHOLD}, ${NAME_MATCHES_MAX}) m
                       GROUP BY m.person_id) r ON r.id = p.id`
      const score = c.name === undefined ? sql`1::real` : sql`r.score`
      if (input.after !== null) {
        where.push(sql<boolean>`(${score} < ${input.after.score}::real
                                 OR (${score} = ${input.after.score}::real AND p.id > ${input.after.id}::uuid))`)
      }
      const rows = await sql<RawSearchRow>`
        SELECT p.id, p.kind, k.label AS kind_label, p.given_name, p.family_name, p.date_of_birth,
               p.estimated_age, p.estimated_age_on, p.partnership_id, p.allocated_worker_id, p.allocated_team_id,
               ${score} AS score,
               ${c.name === undefined ? sql`NULL::real AS name_score, NULL::real AS alias_score` : sql`r.name_score, r.alias_score`},
               ${personFactColumns(input.actorId)}
          FROM person p
          ${fuzzy}
          JOIN person_kind k ON k.code = p.kind
         WHERE ${sql.join(where, sql` AND `)}
         ORDER BY ${score} DESC, p.id
         LIMIT ${input.limit}`.execute(db)
      return rows.rows.map((r) => ({
        id: r.id,
        kind: r.kind,
        kindLabel: r.kind_label,
        givenName: r.given_name,
        familyName: r.family_name,
        dateOfBirth: r.date_of_birth,
        estimatedAge: r.estimated_age,
        estimatedAgeOn: r.estimated_age_on,
        score: r.score,
        nameMatch:
          r.name_score === null && r.alias_score === null
            ? null
            : (r.alias_score ?? -1) > (r.name_score ?? -1)
              ? 'alias'
              : 'name',
        facts: personFacts(r, input.actorId),
      }))
    },
  }
}

export type SearchRepository = ReturnType<typeof searchRepository>
