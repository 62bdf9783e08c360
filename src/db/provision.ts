import { randomBytes } from 'node:crypto'
import type pg from 'pg'
import { withClient } from './client.ts'
import { withUrlParts } from './urls.ts'

/**
 * Database roles. Migrations run as the owner role (the one in DATABASE_URL, or the embedded server's
 * `openmace_owner`). The app connects as a runtime login role that is NOSUPERUSER NOBYPASSRLS and a member
 * of the NOLOGIN group `openmace_runtime`, to which migrations grant exactly what the app may do; so
 * row-level security always applies to the app, and the audit tables can be made append-only for it.
 */
export const RUNTIME_GROUP = 'openmace_runtime'

/** Creates the runtime group role if missing (needs CREATEROLE on a server; the embedded owner has it). */
export async function ensureRuntimeGroup(client: pg.Client): Promise<void> {
  const found = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [RUNTIME_GROUP])
  if (found.rowCount === 0) {
    try {
      await client.query(
        `CREATE ROLE ${RUNTIME_GROUP} NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE`,
      )
    } catch (error) {
      // Another process created it between our check and our CREATE.
      if ((error as { code?: string }).code !== '42710') throw error
    }
  }
}

/**
 * Creates (or resets) a runtime login role with the given password, in the runtime group, and never more
 * privileged than that.
 */
export async function ensureRuntimeLogin(client: pg.Client, user: string, password: string): Promise<void> {
  await ensureRuntimeGroup(client)
  const role = client.escapeIdentifier(user)
  const secret = client.escapeLiteral(password)
  const found = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [user])
  if (found.rowCount === 0) {
    try {
      await client.query(`CREATE ROLE ${role} LOGIN PASSWORD ${secret}`)
    } catch (error) {
      if ((error as { code?: string }).code !== '42710') throw error
    }
  }
  await client.query(
    `ALTER ROLE ${role} WITH LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOREPLICATION PASSWORD ${secret}`,
  )
  await client.query(`GRANT ${RUNTIME_GROUP} TO ${role}`)
}

/** Prepares roles before migrations: the group always, and the embedded server's own runtime login. */
export async function provisionRoles(
  ownerUrl: string,
  runtime?: { user: string; password: string },
): Promise<void> {
  await withClient(ownerUrl, async (client) => {
    await ensureRuntimeGroup(client)
    if (runtime !== undefined) await ensureRuntimeLogin(client, runtime.user, runtime.password)
  })
}

/**
 * Outside production, with DATABASE_URL but no DATABASE_APP_URL: create `openmace_app` with a fresh random
 * password for this process. (Production must be given DATABASE_APP_URL, since several app instances would
 * otherwise reset each other's password.)
 */
export async function provisionDevelopmentRuntime(ownerUrl: string): Promise<string> {
  const password = randomBytes(24).toString('base64url')
  await provisionRoles(ownerUrl, { user: 'openmace_app', password })
  return withUrlParts(ownerUrl, { user: 'openmace_app', password })
}
