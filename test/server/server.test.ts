import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { build } from '../helpers/build.ts'
import { createTestDatabase, ownerQuery } from '../helpers/database.ts'

/** What only a PostgreSQL server (Debian's 15 in CI, the oldest we support) shows. */
describe('on a PostgreSQL server', () => {
  it('is PostgreSQL 15 or newer with every extension the schema uses', async (t) => {
    const db = await createTestDatabase(t)
    const [version] = await ownerQuery<{ v: string }>(
      db.ownerUrl,
      "SELECT current_setting('server_version_num') AS v",
    )
    assert.ok(Number(version?.v) >= 150000, `server version ${version?.v}`)
    const extensions = await ownerQuery<{ extname: string }>(
      db.ownerUrl,
      'SELECT extname FROM pg_extension ORDER BY extname',
    )
    const names = extensions.map((e) => e.extname)
    for (const name of ['btree_gin', 'fuzzystrmatch', 'pg_trgm', 'pgcrypto', 'unaccent']) {
      assert.ok(names.includes(name), `${name} installed`)
    }
  })

  it('serves many more concurrent requests than the pool has connections, without errors', async (t) => {
    const { app, services } = await build(t) // the test pool has 5 connections
    await services.demo.seed()
    const responses = await Promise.all(Array.from({ length: 60 }, () => app.inject('/api/v1/service')))
    assert.deepEqual([...new Set(responses.map((r) => r.statusCode))], [200])
  })
})
