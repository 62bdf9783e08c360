import { createHash } from 'node:crypto'
import { promises as fs } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type pg from 'pg'
import { withClient } from './client.ts'

/**
 * Migrations are numbered SQL files (`NNNN-name.sql`), each applied in its own transaction and recorded with a
 * SHA-256 checksum. Editing a migration after it has been applied is refused: schema history must only grow.
 */

export const MIGRATIONS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations')
const FILE_PATTERN = /^(\d{4})-([a-z0-9][a-z0-9-]*)\.sql$/
// Arbitrary but fixed: serialises migrators across app instances starting together.
const LOCK_KEY = 7_246_310_001

export class MigrationError extends Error {
  override name = 'MigrationError'
}

export interface Migration {
  id: number
  name: string
  file: string
  sql: string
  checksum: string
}

export type MigrationState = 'applied' | 'pending' | 'changed' | 'missing'

export interface MigrationStatus {
  id: number
  name: string
  state: MigrationState
  appliedAt?: Date
}

export function checksum(sql: string): string {
  // Line endings normalised so a checkout with CRLF does not look like an edit.
  return createHash('sha256').update(sql.replace(/\r\n/g, '\n')).digest('hex')
}

export async function readMigrations(dir: string = MIGRATIONS_DIR): Promise<Migration[]> {
  const names = (await fs.readdir(dir)).filter((f) => f.endsWith('.sql')).sort()
  const migrations: Migration[] = []
  const seen = new Map<number, string>()
  for (const file of names) {
    const match = FILE_PATTERN.exec(file)
    if (match === null) {
      throw new MigrationError(`migration file ${file} must be named NNNN-lowercase-name.sql`)
    }
    const id = Number(match[1])
    const previous = seen.get(id)
    if (previous !== undefined)
      throw new MigrationError(`migrations ${previous} and ${file} share the number ${id}`)
    seen.set(id, file)
    const sql = await fs.readFile(path.join(dir, file), 'utf8')
    migrations.push({ id, name: file.replace(/\.sql$/, ''), file, sql, checksum: checksum(sql) })
  }
  return migrations
}

interface AppliedRow {
  id: number
  name: string
  checksum: string
  applied_at: Date
}

async function ensureTable(client: pg.ClientBase): Promise<void> {
  await client.query(`CREATE TABLE IF NOT EXISTS schema_migration (
    id integer PRIMARY KEY,
    name text NOT NULL,
    checksum text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
  )`)
}

async function applied(client: pg.ClientBase): Promise<Map<number, AppliedRow>> {
  const result = await client.query<AppliedRow>(
    'SELECT id, name, checksum, applied_at FROM schema_migration ORDER BY id',
  )
  return new Map(result.rows.map((row) => [row.id, row]))
}

function compare(files: Migration[], done: Map<number, AppliedRow>): MigrationStatus[] {
  const statuses: MigrationStatus[] = files.map((m) => {
    const row = done.get(m.id)
    if (row === undefined) return { id: m.id, name: m.name, state: 'pending' }
    return {
      id: m.id,
      name: m.name,
      state: row.checksum === m.checksum ? 'applied' : 'changed',
      appliedAt: row.applied_at,
    }
  })
  for (const row of done.values()) {
    if (!files.some((m) => m.id === row.id)) {
      statuses.push({ id: row.id, name: row.name, state: 'missing', appliedAt: row.applied_at })
    }
  }
  return statuses.sort((a, b) => a.id - b.id)
}

/**
 * The migrations' owner must bypass row-level security (a superuser or BYPASSRLS): the tables FORCE it, and the
 * SECURITY DEFINER helpers that the intelligence policies ask (ADR 0015) run as the owner. An owner without it
 * would see those helpers filtered by the very policies they serve, and handlers would lose their own entries.
 */
export async function ownerBypassesRowSecurity(client: pg.ClientBase): Promise<boolean> {
  const result = await client.query<{ bypass: boolean }>(
    'SELECT rolsuper OR rolbypassrls AS bypass FROM pg_roles WHERE rolname = current_user',
  )
  return result.rows[0]?.bypass === true
}

async function refuseOwnerUnderRowSecurity(client: pg.ClientBase): Promise<void> {
  if (await ownerBypassesRowSecurity(client)) return
  const { rows } = await client.query<{ name: string }>('SELECT current_user AS name')
  throw new MigrationError(
    `the database owner role ${rows[0]?.name ?? ''} must bypass row-level security: make it a superuser or ` +
      `ALTER ROLE … BYPASSRLS (docs/adr/0015-intelligence-handling-in-row-level-security.md)`,
  )
}

function refuseDrift(statuses: MigrationStatus[]): void {
  const changed = statuses.find((s) => s.state === 'changed')
  if (changed !== undefined) {
    throw new MigrationError(
      `migration ${changed.name}.sql was edited after it was applied (checksum mismatch): restore it and put the change in a new migration`,
    )
  }
  const missing = statuses.find((s) => s.state === 'missing')
  if (missing !== undefined) {
    throw new MigrationError(
      `migration ${missing.name} is recorded as applied but its file is missing: this code is older than the database`,
    )
  }
}

export async function migrationStatus(
  ownerUrl: string,
  dir: string = MIGRATIONS_DIR,
): Promise<MigrationStatus[]> {
  const files = await readMigrations(dir)
  return withClient(ownerUrl, async (client) => {
    const table = await client.query("SELECT to_regclass('schema_migration') AS t")
    const done =
      (table.rows[0] as { t: string | null }).t === null
        ? new Map<number, AppliedRow>()
        : await applied(client)
    return compare(files, done)
  })
}

/**
 * Applies pending migrations in order, each in one transaction, under an advisory lock.
 * Returns the names of the migrations applied. Refuses to run if an applied migration was edited.
 */
export async function migrate(
  ownerUrl: string,
  options: { dir?: string; onApply?: (name: string) => void } = {},
): Promise<string[]> {
  const files = await readMigrations(options.dir)
  return withClient(
    ownerUrl,
    async (client) => {
      await client.query('SELECT pg_advisory_lock($1)', [LOCK_KEY])
      try {
        await refuseOwnerUnderRowSecurity(client)
        await ensureTable(client)
        const statuses = compare(files, await applied(client))
        refuseDrift(statuses)
        const done: string[] = []
        for (const migration of files) {
          if (statuses.find((s) => s.id === migration.id)?.state !== 'pending') continue
          try {
            await client.query('BEGIN')
            await client.query(migration.sql)
            await client.query('INSERT INTO schema_migration (id, name, checksum) VALUES ($1, $2, $3)', [
              migration.id,
              migration.name,
              migration.checksum,
            ])
            await client.query('COMMIT')
          } catch (error) {
            await client.query('ROLLBACK')
            throw new MigrationError(
              `migration ${migration.file} failed and was rolled back: ${(error as Error).message}`,
            )
          }
          done.push(migration.name)
          options.onApply?.(migration.name)
        }
        return done
      } finally {
        await client.query('SELECT pg_advisory_unlock($1)', [LOCK_KEY])
      }
    },
    'openmace-migrate',
  )
}
