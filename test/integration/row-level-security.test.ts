import assert from 'node:assert/strict'
import { it } from 'node:test'
import { sql } from 'kysely'
import { withTransaction } from '../../src/db/database.ts'
import { personRepository } from '../../src/features/people/person-repository.ts'
import { createPartnership } from '../factories/partnership-factory.ts'
import { buildPerson, createMeeting, createPerson } from '../factories/person-factory.ts'
import { createTestDatabase, ownerQuery } from '../helpers/database.ts'

/**
 * Tables that carry partnership_id but hold no case data about a person, each with the reason it is exempt
 * from row-level security. Every other table with a partnership_id (every case table: people, links, flags,
 * concerns, referrals, assessments, meetings, intelligence…) must have row-level security enabled and forced,
 * so that the runtime role sees nothing outside the transaction's partnership (ARCHITECTURE.md, access model).
 */
const NOT_CASE_DATA: Record<string, string> = {
  agency: 'directory of organisations, read before sign-in',
  team: 'directory of teams',
  app_user: 'accounts: looked up by email at sign-in, before any partnership context exists',
  audit_event: 'append-only; the sealer must read every row; the DPO page filters by partnership',
  api_token:
    'hashed credentials of service accounts, looked up by hash before any partnership context exists',
  person_name_key:
    'names for fuzzy search, not readable by the runtime role at all; only person_name_matches() reads it, for the ' +
    "transaction's partnership (row-level security would stop pg_trgm using its index: migration 0009)",
}

it('every table with a partnership_id has row-level security enabled and forced, unless listed as not case data', async (t) => {
  const db = await createTestDatabase(t)
  const tables = await ownerQuery<{ table: string; enabled: boolean; forced: boolean }>(
    db.ownerUrl,
    `SELECT c.relname AS table, c.relrowsecurity AS enabled, c.relforcerowsecurity AS forced
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind = 'r'
        AND EXISTS (SELECT 1 FROM pg_attribute a
                     WHERE a.attrelid = c.oid AND a.attname = 'partnership_id' AND NOT a.attisdropped)
      ORDER BY 1`,
  )
  assert.ok(tables.length > 0)
  const unprotected = tables
    .filter((row) => !(row.table in NOT_CASE_DATA))
    .filter((row) => !row.enabled || !row.forced)
    .map((row) => row.table)
  assert.deepEqual(unprotected, [], 'case tables without forced row-level security')
  const stale = Object.keys(NOT_CASE_DATA).filter((name) => !tables.some((row) => row.table === name))
  assert.deepEqual(stale, [], 'exemptions for tables that no longer exist')
})

it('the runtime role sees no case rows without a partnership in the transaction, nor another partnership’s, and cannot write into one', async (t) => {
  const db = await createTestDatabase(t)
  const mine = await createPartnership(db.database)
  const theirs = await createPartnership(db.database)
  const person = await createPerson(db.database, mine.id)
  await createMeeting(db.database, mine.id, { memberIds: [], personIds: [person.id] })
  const caseTables = ['person', 'person_agency', 'meeting', 'agenda_item']
  const count = (context: { partnershipId?: string }, table: string) =>
    withTransaction(db.database, context, async (trx) => {
      const result = await sql<{ n: string }>`SELECT count(*) AS n FROM ${sql.table(table)}`.execute(trx)
      return Number(result.rows[0]?.n)
    })
  for (const table of caseTables) {
    assert.equal(await count({}, table), 0, `${table} without context`)
    assert.equal(await count({ partnershipId: theirs.id }, table), 0, `${table} from another partnership`)
  }
  assert.equal(await count({ partnershipId: mine.id }, 'person'), 1)
  assert.equal(await count({ partnershipId: mine.id }, 'agenda_item'), 1)
  // Outside a transaction (no set_config at all): nothing either.
  assert.equal((await db.database.db.selectFrom('person').selectAll().execute()).length, 0)
  await assert.rejects(
    withTransaction(db.database, { partnershipId: theirs.id }, (trx) =>
      personRepository().create(trx, buildPerson(mine.id)),
    ),
    /row-level security/,
  )
})

it('the fuzzy-name table is closed to the runtime role; its one reader answers only for the transaction’s partnership', async (t) => {
  const db = await createTestDatabase(t)
  const north = await createPartnership(db.database)
  const south = await createPartnership(db.database)
  await createPerson(db.database, north.id, { givenName: 'Kasimir', familyName: 'Northwood' })
  await createPerson(db.database, south.id, { givenName: 'Kasimir', familyName: 'Northwood' })
  await assert.rejects(
    withTransaction(db.database, { partnershipId: north.id }, (trx) =>
      sql`SELECT * FROM person_name_key`.execute(trx),
    ),
    /permission denied/,
  )
  const matches = (partnershipId?: string) =>
    withTransaction(db.database, partnershipId === undefined ? {} : { partnershipId }, async (trx) =>
      (
        await sql<{
          person_id: string
        }>`SELECT person_id FROM person_name_matches('kasimir northwood', 0.3, 50)`.execute(trx)
      ).rows.map((r) => r.person_id),
    )
  assert.deepEqual(await matches(), [], 'no partnership in the transaction: nothing')
  const inNorth = await matches(north.id)
  assert.equal(inNorth.length, 1)
  const [owner] = await ownerQuery<{ partnership_id: string }>(
    db.ownerUrl,
    'SELECT partnership_id FROM person WHERE id = $1',
    [inNorth[0]],
  )
  assert.equal(owner?.partnership_id, north.id)
})
