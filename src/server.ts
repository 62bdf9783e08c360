import type { AddressInfo } from 'node:net'
import { buildApp } from './app.ts'
import { ConfigError, loadConfig } from './config.ts'
import { sealPending } from './platform/audit/audit-seal.ts'
import { startJobs } from './platform/jobs.ts'
import { createLogger } from './platform/logger.ts'
import { openRuntime } from './runtime.ts'

/** Process concerns only: configuration, database, listening, graceful shutdown. */
async function main(): Promise<void> {
  let config
  try {
    config = loadConfig()
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message)
      process.exit(78) // EX_CONFIG
    }
    throw error
  }
  const log = createLogger(config.logLevel)
  const runtime = await openRuntime(config, log)

  let demoAccounts = ''
  if (config.demo && (await runtime.services.demo.isEmpty())) {
    const seeded = await runtime.services.demo.seed()
    // Shown once, on the start that created them; the password is not stored anywhere but as a hash.
    if (seeded.users !== undefined && seeded.password !== undefined) {
      const width = Math.max(...seeded.users.map((u) => u.email.length))
      demoAccounts =
        `\nDemo accounts (fictional), all with the password ${seeded.password}\n` +
        seeded.users.map((u) => `  ${u.email.padEnd(width)}  ${u.role}, ${u.agency}`).join('\n') +
        '\n'
    }
    log.info(
      { partnership: seeded.partnershipName, agencies: seeded.agencies },
      'demo data seeded (fictional)',
    )
  }

  const app = await buildApp({ config, services: runtime.services, logger: log })
  const jobs = startJobs(
    [
      // Seal new audit rows often: until sealed they are protected only by grants and triggers (ADR 0006).
      { name: 'audit-seal', everyMs: 5_000, run: () => sealPending(runtime.database, { logger: log }) },
      { name: 'session-purge', everyMs: 10 * 60_000, run: () => runtime.services.sessions.purgeExpired() },
      // t13: overdue tasks go to their team's manager, once a minute across every instance (ADR 0018).
      {
        name: 'task-escalation',
        everyMs: 60_000,
        once: true,
        run: () => runtime.services.tasks.escalateOverdue(),
      },
      // i12s: records whose suggested links failed after a save are worked out again (else the next rebuild).
      {
        name: 'suggestion-retry',
        everyMs: 60_000,
        run: async () => {
          for (const partnership of await runtime.services.partnerships.list()) {
            const retried = await runtime.services.suggestions.retryDue(partnership.id)
            if (retried.failed > 0) {
              log.warn(
                { job: 'suggestion-retry', partnership: partnership.code, ...retried },
                'suggested links still failing for some records; the next rebuild works them out',
              )
            }
          }
        },
      },
    ],
    log,
    { queue: { ownerUrl: runtime.target.ownerUrl, appUrl: runtime.target.appUrl } },
  )
  let closing = false
  const shutdown = async (signal: string) => {
    if (closing) return
    closing = true
    log.info({ signal }, 'shutting down')
    runtime.services.health.drain()
    try {
      await app.close()
      await jobs.stop()
      await runtime.close()
    } catch (error) {
      log.error({ err: error }, 'error during shutdown')
    }
    process.exit(0)
  }
  process.once('SIGINT', () => void shutdown('SIGINT'))
  process.once('SIGTERM', () => void shutdown('SIGTERM'))

  await app.listen({ host: config.host, port: config.port })
  const { port } = app.server.address() as AddressInfo
  const shownHost = ['0.0.0.0', '::'].includes(config.host) ? 'localhost' : config.host
  // The app speaks plain HTTP; TLS ends at the load balancer in production.
  // eslint-disable-next-line @microsoft/sdl/no-insecure-url
  const url = `http://${shownHost}:${port}`
  const partnerships = await runtime.services.partnerships.list()
  const demo = partnerships.filter((p) => p.isDemo).map((p) => p.name)
  console.log(
    `\n${config.serviceName} is running at ${url}` +
      (demo.length > 0 ? `\nDemonstration data (fictional): ${demo.join(', ')}` : '') +
      demoAccounts +
      `\nHealth: ${url}/health · API: ${url}/api/v1/openapi.json · Stop: Ctrl+C\n`,
  )
}

main().catch((error: unknown) => {
  console.error(`OpenMACE could not start: ${error instanceof Error ? error.message : String(error)}`)
  process.exit(1)
})
