import net from 'node:net'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../../src/app.ts'
import { createDatabase } from '../../../src/db/database.ts'
import { latestMigration } from '../../../src/runtime.ts'
import { services, type Services } from '../../../src/services.ts'
import { testConfig } from '../../helpers/build.ts'
import type { DemoUser } from '../../../src/features/demo/demo-service.ts'
import { createTestDatabase, demoSeedOfRun } from '../../helpers/database.ts'

export interface RunningApp {
  app: FastifyInstance
  baseUrl: string
  services: Services
  /** With `demo: true`: the demo partnership's users and their password (the database holds the demo). */
  seeded: { password?: string; users?: DemoUser[] }
}

type Hooks = { after: (fn: () => unknown) => void }

/** A local port that was free a moment ago. */
export async function freePort(): Promise<number> {
  const probe = net.createServer()
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
  const { port } = probe.address() as net.AddressInfo
  await new Promise<void>((resolve) => probe.close(() => resolve()))
  return port
}

/** The real app on its own test database, listening on a free local port for the browser. */
export async function startApp(
  t: Hooks,
  options: {
    beforeListen?: (app: FastifyInstance) => void
    databaseUrl?: string
    /** Extra configuration variables (e.g. the OPENMACE_OIDC_* of a test provider). */
    env?: Record<string, string>
    /** A port chosen beforehand (see freePort), when the configuration must name the app's own address. */
    port?: number
    /**
     * Start from the demo partnership, cloned from the run's seeded template (with `databaseUrl`, that database
     * must have been made with `createTestDatabase(t, { demo: true })`).
     */
    demo?: boolean
  } = {},
): Promise<RunningApp> {
  const config = testConfig(options.env)
  const demo = options.demo === true
  const database =
    options.databaseUrl !== undefined
      ? createDatabase(options.databaseUrl, { poolSize: 2 })
      : (await createTestDatabase(t, { demo })).database
  if (options.databaseUrl !== undefined) t.after(() => database.close())
  const built = services(config, database, { latestMigration: await latestMigration() })
  const app = await buildApp({ config, services: built })
  options.beforeListen?.(app)
  await app.listen({ host: '127.0.0.1', port: options.port ?? 0 })
  t.after(() => app.close())
  const address = app.server.address()
  if (address === null || typeof address !== 'object') throw new Error('app is not listening')
  const seeded = demo ? demoSeedOfRun() : {}
  return { app, baseUrl: `http://127.0.0.1:${address.port}`, services: built, seeded }
}
