import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { sql } from 'kysely'
import { createTestDatabase } from '../../test/helpers/database.ts'
import { createPartnership } from '../../test/factories/partnership-factory.ts'
import { createPerson } from '../../test/factories/person-factory.ts'
import { createDatabase, withTransaction } from './database.ts'

describe('database access', () => {
  it('the app connects as a runtime role that is neither superuser nor able to bypass row-level security', async (t) => {
    const { database } = await createTestDatabase(t)
    const { rows } = await database.pool.query<{
      rolsuper: boolean
      rolbypassrls: boolean
      rolcreaterole: boolean
      member: boolean
    }>(
      `SELECT rolsuper, rolbypassrls, rolcreaterole, pg_has_role(current_user, 'openmace_runtime', 'MEMBER') AS member
         FROM pg_roles WHERE rolname = current_user`,
    )
    assert.deepEqual(rows, [{ rolsuper: false, rolbypassrls: false, rolcreaterole: false, member: true }])
  })

  it('the runtime role cannot change the schema, the migration history or reference data', async (t) => {
    const { database } = await createTestDatabase(t)
    await assert.rejects(database.pool.query('CREATE TABLE sneaky (id int)'), /permission denied/)
    await assert.rejects(database.pool.query('DELETE FROM schema_migration'), /permission denied/)
    await assert.rejects(database.pool.query("UPDATE agency_type SET label = 'x'"), /permission denied/)
    await assert.rejects(database.pool.query('DROP TABLE agency'), /must be owner|permission denied/)
  })

  it('transaction context never leaks to the next user of a pooled connection', async (t) => {
    const { appUrl } = await createTestDatabase(t)
    const single = createDatabase(appUrl, { poolSize: 1 })
    t.after(() => single.close())
    const inside = await withTransaction(
      single,
      { partnershipId: '11111111-1111-1111-1111-111111111111', actorId: 'a1' },
      async (trx) =>
        (await sql<{ p: string }>`SELECT current_setting('app.partnership_id', true) AS p`.execute(trx))
          .rows[0]?.p,
    )
    assert.equal(inside, '11111111-1111-1111-1111-111111111111')
    const { rows } = await single.pool.query<{ p: string | null }>(
      "SELECT nullif(current_setting('app.partnership_id', true), '') AS p",
    )
    assert.deepEqual(rows, [{ p: null }])
  })

  it('concurrent transactions each see only their own context', async (t) => {
    const { appUrl } = await createTestDatabase(t)
    const pool = createDatabase(appUrl, { poolSize: 4 })
    t.after(() => pool.close())
    const ids = Array.from({ length: 40 }, (_, i) => `actor-${i}`)
    const seen = await Promise.all(
      ids.map((actorId) =>
        withTransaction(pool, { actorId }, async (trx) => {
          await sql`SELECT pg_sleep(0.005)`.execute(trx)
          return (await sql<{ a: string }>`SELECT current_setting('app.actor_id', true) AS a`.execute(trx))
            .rows[0]?.a
        }),
      ),
    )
    assert.deepEqual(seen, ids)
  })

  it('a failed transaction writes nothing', async (t) => {
    const { database } = await createTestDatabase(t)
    await assert.rejects(
      withTransaction(database, {}, async (trx) => {
        await trx.insertInto('partnership').values({ code: 'half', name: 'Half written' }).execute()
        throw new Error('fail after the first write')
      }),
      /fail after the first write/,
    )
    const { rows } = await database.pool.query("SELECT 1 FROM partnership WHERE code = 'half'")
    assert.equal(rows.length, 0)
  })

  it('a prepared statement on a generic plan still sees only the current partnership (row-level security)', async (t) => {
    const { appUrl } = await createTestDatabase(t)
    const single = createDatabase(appUrl, { poolSize: 1 })
    t.after(() => single.close())
    const north = await createPartnership(single, {}, 1)
    const south = await createPartnership(single, {}, 1)
    const northChild = await createPerson(single, north.id)
    const southChild = await createPerson(single, south.id)
    const visible = (partnershipId: string) =>
      withTransaction(single, { partnershipId }, async (trx) =>
        (
          await trx
            .selectFrom('person')
            .select('id')
            .where('id', 'in', [northChild.id, southChild.id])
            .execute()
        ).map((r) => r.id),
      )
    // Enough runs of the same statement for PostgreSQL to switch to a generic plan, alternating partnerships.
    for (let i = 0; i < 12; i++) {
      assert.deepEqual(await visible(north.id), [northChild.id])
      assert.deepEqual(await visible(south.id), [southChild.id])
    }
    const { rows } = await single.pool.query<{ generic: string }>(
      `SELECT generic_plans::text AS generic FROM pg_prepared_statements
        WHERE statement LIKE 'select "id" from "person" where "id" in%'`,
    )
    assert.equal(rows.length, 1, 'the repeated query is prepared once on the connection')
    assert.ok(Number(rows[0]?.generic) > 0, 'and runs on a generic plan')
  })
})
