import type { Config } from './config.ts'
import { createDatabase, type Database } from './db/database.ts'
import {
  APP_ROLE,
  findRunningServer,
  loadCredentials,
  OWNER_ROLE,
  EMBEDDED_DATABASE,
  startEmbedded,
} from './db/embedded.ts'
import { migrate, readMigrations } from './db/migrate.ts'
import { provisionDevelopmentRuntime, provisionRoles } from './db/provision.ts'
import { connectionUrl, redactUrl } from './db/urls.ts'
import type { Logger } from './platform/logger.ts'
import { services, type Services } from './services.ts'

/**
 * Process-level wiring shared by the web server and the CLI: find or start the database, prepare roles, run
 * migrations, and build the services on the runtime role.
 */

export interface DatabaseTarget {
  ownerUrl: string
  appUrl: string
  embedded: boolean
  /** Stops the embedded server if this process started it. */
  release(): Promise<void>
}

/** How the database is opened: `attach` (for the CLI) to the embedded server a running OpenMACE owns. */
export interface OpenOptions {
  attach?: boolean
}

/**
 * With DATABASE_URL: that server (nothing started). Without: the embedded server in the data folder, started
 * here, or (`attach`, for the CLI) the one a running OpenMACE already owns.
 */
export async function openDatabase(
  config: Config,
  log: Logger,
  options: OpenOptions = {},
): Promise<DatabaseTarget> {
  if (config.databaseUrl !== undefined) {
    const ownerUrl = config.databaseUrl
    await provisionRoles(ownerUrl)
    const appUrl = config.databaseAppUrl ?? (await provisionDevelopmentRuntime(ownerUrl))
    log.info({ database: redactUrl(ownerUrl) }, 'using the PostgreSQL server at DATABASE_URL')
    return { ownerUrl, appUrl, embedded: false, release: async () => {} }
  }
  if (options.attach === true) {
    const running = await findRunningServer(config.dataDir)
    if (running !== undefined) {
      const credentials = await loadCredentials(config.dataDir)
      const at = (user: string, password: string) =>
        connectionUrl({ user, password, port: running.port, database: EMBEDDED_DATABASE })
      return {
        ownerUrl: at(OWNER_ROLE, credentials.ownerPassword),
        appUrl: at(APP_ROLE, credentials.appPassword),
        embedded: true,
        release: async () => {},
      }
    }
  }
  const server = await startEmbedded(config.dataDir, log)
  const credentials = await loadCredentials(config.dataDir)
  await provisionRoles(server.ownerUrl, { user: APP_ROLE, password: credentials.appPassword })
  log.info({ dataDir: config.dataDir, port: server.port }, 'embedded PostgreSQL started')
  return { ownerUrl: server.ownerUrl, appUrl: server.appUrl, embedded: true, release: () => server.stop() }
}

export async function latestMigration(): Promise<number> {
  const files = await readMigrations()
  return files.at(-1)?.id ?? 0
}

export interface Runtime {
  target: DatabaseTarget
  database: Database
  services: Services
  close(): Promise<void>
}

/** Opens the database, applies migrations and builds the services on the runtime role. */
export async function openRuntime(config: Config, log: Logger, options: OpenOptions = {}): Promise<Runtime> {
  const target = await openDatabase(config, log, options)
  try {
    const applied = await migrate(target.ownerUrl, {
      onApply: (name) => log.info({ migration: name }, 'migration applied'),
    })
    if (applied.length > 0) log.info({ count: applied.length }, 'database schema up to date')
    const database = createDatabase(target.appUrl, {
      poolSize: config.dbPoolSize,
      statementTimeoutMs: config.dbStatementTimeoutMs,
      logger: log,
    })
    const built = services(config, database, { latestMigration: await latestMigration() })
    return {
      target,
      database,
      services: built,
      async close() {
        await database.close()
        await target.release()
      },
    }
  } catch (error) {
    await target.release()
    throw error
  }
}
