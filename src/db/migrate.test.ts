import assert from 'node:assert/strict'
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, it, type TestContext } from 'node:test'
import { createEmptyDatabase, ownerQuery } from '../../test/helpers/database.ts'
import { randomBytes } from 'node:crypto'
import { withUrlParts } from './urls.ts'
import { MIGRATIONS_DIR, MigrationError, migrate, migrationStatus, readMigrations } from './migrate.ts'

async function migrationsDir(t: TestContext, files: Record<string, string>): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'openmace-migrations-'))
  t.after(() => fs.rm(dir, { recursive: true, force: true }))
  for (const [name, sql] of Object.entries(files)) await fs.writeFile(path.join(dir, name), sql)
  return dir
}

describe('migrations', () => {
  it('applies the project migrations to an empty database and records each with its checksum', async (t) => {
    const url = await createEmptyDatabase(t)
    const applied = await migrate(url)
    const files = await readMigrations(MIGRATIONS_DIR)
    assert.deepEqual(
      applied,
      files.map((f) => f.name),
    )
    const rows = await ownerQuery<{ name: string; checksum: string }>(
      url,
      'SELECT name, checksum FROM schema_migration ORDER BY id',
    )
    assert.deepEqual(
      rows,
      files.map((f) => ({ name: f.name, checksum: f.checksum })),
    )
    assert.deepEqual(await migrate(url), [], 'a second run applies nothing')
    assert.ok((await migrationStatus(url)).every((s) => s.state === 'applied'))
  })

  it('refuses to run as an owner that does not bypass row-level security, and creates nothing', async (t) => {
    const url = await createEmptyDatabase(t)
    const role = `openmace_t_norls_${randomBytes(4).toString('hex')}`
    const password = randomBytes(12).toString('hex')
    await ownerQuery(url, `CREATE ROLE ${role} LOGIN NOSUPERUSER NOBYPASSRLS PASSWORD '${password}'`)
    // After the database is dropped (hooks run in order), so from the server's maintenance database.
    t.after(() => ownerQuery(withUrlParts(url, { database: 'postgres' }), `DROP ROLE IF EXISTS ${role}`))
    await assert.rejects(
      migrate(withUrlParts(url, { user: role, password })),
      (error: unknown) =>
        error instanceof MigrationError &&
        new RegExp(`owner role ${role} must bypass row-level security`).test(error.message),
    )
    const table = await ownerQuery(url, "SELECT to_regclass('schema_migration') AS t")
    assert.deepEqual(table, [{ t: null }], 'nothing was created')
    await ownerQuery(url, `ALTER ROLE ${role} BYPASSRLS`)
    await ownerQuery(url, `GRANT CREATE ON SCHEMA public TO ${role}`)
    const dir = await migrationsDir(t, { '0001-first.sql': 'CREATE TABLE first_table (id int);' })
    assert.deepEqual(await migrate(withUrlParts(url, { user: role, password }), { dir }), ['0001-first'])
    await ownerQuery(url, 'DROP TABLE first_table, schema_migration')
  })

  it('refuses to run when an applied migration has been edited, naming it', async (t) => {
    const url = await createEmptyDatabase(t)
    const dir = await migrationsDir(t, { '0001-first.sql': 'CREATE TABLE first_table (id int);' })
    await migrate(url, { dir })
    await fs.writeFile(path.join(dir, '0001-first.sql'), 'CREATE TABLE first_table (id bigint);')
    await fs.writeFile(path.join(dir, '0002-second.sql'), 'CREATE TABLE second_table (id int);')
    await assert.rejects(
      migrate(url, { dir }),
      (error: unknown) =>
        error instanceof MigrationError &&
        /0001-first\.sql was edited after it was applied/.test(error.message),
    )
    const second = await ownerQuery(url, "SELECT to_regclass('second_table') AS t")
    assert.deepEqual(second, [{ t: null }], 'nothing after the refusal was applied')
    const status = await migrationStatus(url, dir)
    assert.deepEqual(
      status.map((s) => [s.name, s.state]),
      [
        ['0001-first', 'changed'],
        ['0002-second', 'pending'],
      ],
    )
  })

  it('treats a change of line endings as no change', async (t) => {
    const url = await createEmptyDatabase(t)
    const dir = await migrationsDir(t, { '0001-first.sql': 'CREATE TABLE first_table (id int);\n' })
    await migrate(url, { dir })
    await fs.writeFile(path.join(dir, '0001-first.sql'), 'CREATE TABLE first_table (id int);\r\n')
    assert.deepEqual(await migrate(url, { dir }), [])
  })

  it('rolls back a failing migration completely and reports which file failed', async (t) => {
    const url = await createEmptyDatabase(t)
    const dir = await migrationsDir(t, {
      '0001-good.sql': 'CREATE TABLE good_table (id int);',
      '0002-bad.sql': 'CREATE TABLE half_done (id int);\nSELECT no_such_function();',
    })
    await assert.rejects(migrate(url, { dir }), /0002-bad\.sql failed and was rolled back/)
    const rows = await ownerQuery<{ good: string | null; half: string | null }>(
      url,
      "SELECT to_regclass('good_table')::text AS good, to_regclass('half_done')::text AS half",
    )
    assert.deepEqual(rows, [{ good: 'good_table', half: null }])
    assert.deepEqual(
      (await migrationStatus(url, dir)).map((s) => s.state),
      ['applied', 'pending'],
    )
  })

  it('refuses when the database has a migration this code does not know', async (t) => {
    const url = await createEmptyDatabase(t)
    const dir = await migrationsDir(t, { '0001-first.sql': 'SELECT 1;', '0002-second.sql': 'SELECT 2;' })
    await migrate(url, { dir })
    await fs.rm(path.join(dir, '0002-second.sql'))
    await assert.rejects(migrate(url, { dir }), /0002-second is recorded as applied but its file is missing/)
  })

  it('rejects badly named or duplicate-numbered files before touching the database', async (t) => {
    const badName = await migrationsDir(t, { '1-first.sql': 'SELECT 1;' })
    await assert.rejects(readMigrations(badName), /must be named NNNN-lowercase-name\.sql/)
    const duplicate = await migrationsDir(t, { '0001-a.sql': 'SELECT 1;', '0001-b.sql': 'SELECT 2;' })
    await assert.rejects(readMigrations(duplicate), /share the number 1/)
  })

  it('applies each migration once when several instances migrate at the same time', async (t) => {
    const url = await createEmptyDatabase(t)
    const results = await Promise.all([migrate(url), migrate(url), migrate(url)])
    const total = results.flat().length
    assert.equal(total, (await readMigrations()).length)
  })
})
