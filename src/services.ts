import type { Config } from './config.ts'
import type { Database } from './db/database.ts'
import { demoService } from './features/demo/demo-service.ts'
import { healthService } from './features/health/health-service.ts'
import { partnershipRepository } from './features/partnerships/partnership-repository.ts'
import { partnershipService } from './features/partnerships/partnership-service.ts'

/** Plain factories: repositories first, then the services that use them. */
export function repositories() {
  return {
    partnerships: partnershipRepository(),
  }
}

export function services(config: Config, database: Database, options: { latestMigration: number }) {
  const repos = repositories()
  return {
    serviceName: config.serviceName,
    health: healthService(database, options),
    partnerships: partnershipService(database, repos.partnerships),
    demo: demoService(database, repos.partnerships, { enabled: config.demo }),
  }
}

export type Services = ReturnType<typeof services>
