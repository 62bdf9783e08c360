import assert from 'node:assert/strict'
import { describe, it, type TestContext } from 'node:test'
import { sql } from 'kysely'
import { createTestDatabase } from '../../test/helpers/database.ts'
import { createPartnership } from '../../test/factories/partnership-factory.ts'
import { createPerson } from '../../test/factories/person-factory.ts'
import { compiledQueries, createDatabase, fixedQueries, queryBuilder, withTransaction } from './database.ts'

/** One connection (so statements prepared on it can be inspected) and two partnerships with a child each. */
async function twoPartnerships(t: TestContext) {
  const { appUrl } = await createTestDatabase(t)
  const single = createDatabase(appUrl, { poolSize: 1 })
  t.after(() => single.close())
  const north = await createPartnership(single, {}, 1)
  const south = await createPartnership(single, {}, 1)
  const northChild = await createPerson(single, north.id)
  const southChild = await createPerson(single, south.id)
  return { single, north, south, northChild, southChild }
}

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

  it('UUID contexts are set with BEGIN in one message; each transaction sees its own, a nested separate one none', async (t) => {
    const { appUrl } = await createTestDatabase(t)
    const pool = createDatabase(appUrl, { poolSize: 4 })
    const other = createDatabase(appUrl, { poolSize: 4 })
    t.after(() => Promise.all([pool.close(), other.close()]))
    const uuid = (i: number) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`
    const setting = async (trx: Parameters<Parameters<typeof withTransaction>[2]>[0]) =>
      (
        await sql<{ a: string; p: string; open: boolean }>`
          SELECT current_setting('app.actor_id', true) AS a, current_setting('app.partnership_id', true) AS p,
                 now() = statement_timestamp() AS open`.execute(trx)
      ).rows[0]
    const seen = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        withTransaction(pool, { actorId: uuid(i), partnershipId: uuid(100 + i) }, async (trx) => {
          await sql`SELECT pg_sleep(0.003)`.execute(trx)
          const outer = await setting(trx)
          // A separate transaction begun inside the callback must not pick up this one's context.
          const nested = await other.db.transaction().execute((trx2) => setting(trx2))
          return { outer, nested }
        }),
      ),
    )
    seen.forEach(({ outer, nested }, i) => {
      // now() is the transaction's start, so it differs from the statement's time inside a real transaction.
      assert.deepEqual(outer, { a: uuid(i), p: uuid(100 + i), open: false })
      assert.equal(nested?.a ?? '', '')
      assert.equal(nested?.p ?? '', '')
    })
  })

  it('a context value that is not a UUID is passed as a parameter, never written into SQL', async (t) => {
    const { database } = await createTestDatabase(t)
    const hostile = "x', true), set_config('app.partnership_id', 'stolen', true) --"
    const got = await withTransaction(database, { actorId: hostile }, async (trx) =>
      (
        await sql<{ a: string; p: string }>`SELECT current_setting('app.actor_id', true) AS a,
                                                    current_setting('app.partnership_id', true) AS p`.execute(
          trx,
        )
      ).rows.at(0),
    )
    assert.deepEqual(got, { a: hostile, p: '' })
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
    const { single, north, south, northChild, southChild } = await twoPartnerships(t)
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

  it('a fixed query is compiled once, prepared once per connection, and still sees only the current partnership', async (t) => {
    const { single, north, south, northChild, southChild } = await twoPartnerships(t)
    let builds = 0
    const children = fixedQueries((key) => {
      builds++
      return queryBuilder
        .selectFrom('person')
        .select('id')
        .where('kind', '=', sql.lit('child'))
        .orderBy('id')
        .limit(sql.lit(Number(key)))
    })
    const visible = (partnershipId: string) =>
      withTransaction(single, { partnershipId }, async (trx) =>
        (await trx.executeQuery(children('10'))).rows.map((r) => r.id),
      )
    for (let i = 0; i < 8; i++) {
      assert.deepEqual(await visible(north.id), [northChild.id])
      assert.deepEqual(await visible(south.id), [southChild.id])
    }
    assert.equal(builds, 1, 'compiled once for the same key')
    children('20')
    assert.equal(builds, 2, 'each key is its own variant')
    const { rows } = await single.pool.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM pg_prepared_statements
        WHERE statement LIKE 'select "id" from "person" where "kind" = ''child''%'`,
    )
    assert.equal(rows[0]?.n, '1', 'prepared once on the connection, though it has no parameters')
    const withParameter = fixedQueries(() =>
      queryBuilder.selectFrom('person').select('id').where('kind', '=', 'child'),
    )
    assert.throws(() => withParameter('x'), /literals, not parameters/)
  })

  it('genericPlans runs prepared statements on generic plans for that transaction only', async (t) => {
    const { single, north, south, northChild, southChild } = await twoPartnerships(t)
    const lookUp = (partnershipId: string, genericPlans: boolean) =>
      withTransaction(single, { partnershipId, genericPlans }, async (trx) => {
        const { rows } = await sql<{
          mode: string
        }>`SELECT current_setting('plan_cache_mode') AS mode`.execute(trx)
        const ids = await trx
          .selectFrom('person')
          .select('id')
          .where('id', '=', sql<string>`ANY(${[northChild.id, southChild.id]}::uuid[])`)
          .execute()
        return { mode: rows[0]?.mode, ids: ids.map((r) => r.id) }
      })
    assert.deepEqual(await lookUp(north.id, true), { mode: 'force_generic_plan', ids: [northChild.id] })
    assert.deepEqual(await lookUp(south.id, true), { mode: 'force_generic_plan', ids: [southChild.id] })
    assert.deepEqual(await lookUp(north.id, false), { mode: 'auto', ids: [northChild.id] })
    const { rows } = await single.pool.query<{ generic: string; custom: string }>(
      `SELECT generic_plans::text AS generic, custom_plans::text AS custom FROM pg_prepared_statements
        WHERE statement LIKE 'select "id" from "person" where "id" = ANY%'`,
    )
    assert.deepEqual(rows, [{ generic: '2', custom: '1' }], 'generic in the first two, custom in the third')
  })

  it('a compiled query is built once per variant and runs with each call’s own values', async (t) => {
    const { appUrl } = await createTestDatabase(t)
    const database = createDatabase(appUrl, { poolSize: 2 })
    t.after(() => database.close())
    const north = await createPartnership(database, {}, 1)
    const first = await createPerson(database, north.id)
    const second = await createPerson(database, north.id)
    let builds = 0
    const byId = compiledQueries((variant: string, id: string) => {
      builds++
      const query = queryBuilder.selectFrom('person').select(['id', 'given_name'])
      return variant === 'one' ? query.where('id', '=', id) : query.where('id', '=', sql<string>`ANY(${id})`)
    })
    const read = (id: string) =>
      withTransaction(database, { partnershipId: north.id }, async (trx) =>
        (await trx.executeQuery(byId('one', id))).rows.map((r) => r.id),
      )
    assert.deepEqual(await read(first.id), [first.id])
    assert.equal(builds, 2, 'the first call compiles a template and, to check it, the real query')
    assert.deepEqual(await read(second.id), [second.id])
    assert.deepEqual(await read(first.id), [first.id])
    assert.equal(builds, 2, 'later calls reuse the template')
    // Values that change the query's shape (an `in` list grows with its array) are refused on first use.
    const byIds = compiledQueries((_variant: string, ids: readonly string[]) =>
      queryBuilder.selectFrom('person').select('id').where('id', 'in', ids),
    )
    assert.throws(() => byIds('list', [first.id, second.id]), /changes shape with its values/)
  })
})
