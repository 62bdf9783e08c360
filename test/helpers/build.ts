import type { TestContext } from 'node:test'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../src/app.ts'
import { loadConfig, type Config } from '../../src/config.ts'
import { latestMigration } from '../../src/runtime.ts'
import type { FeatureRoutes } from '../../src/platform/surfaces.ts'
import { services, type Services } from '../../src/services.ts'
import { createTestDatabase, type TestDatabase } from './database.ts'

export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', ...overrides })
}

/** What a test gives build() and the test worlds built on it: the hook that closes what they open. */
export type TestCtx = Pick<TestContext, 'after'>

export interface Built {
  app: FastifyInstance
  db: TestDatabase
  services: Services
  config: Config
}

/**
 * The real app (real templates, real error handler, real security headers) on its own migrated database,
 * for `app.inject()`. `routes` adds routes to the surfaces (e.g. one that fails on purpose).
 */
export async function build(
  t: TestCtx,
  options: { env?: Record<string, string>; db?: TestDatabase; routes?: FeatureRoutes[] } = {},
): Promise<Built> {
  const config = testConfig(options.env)
  const db = options.db ?? (await createTestDatabase(t))
  const built = services(config, db.database, { latestMigration: await latestMigration() })
  const app = await buildApp({ config, services: built, extraRoutes: options.routes ?? [] })
  t.after(() => app.close())
  return { app, db, services: built, config }
}
