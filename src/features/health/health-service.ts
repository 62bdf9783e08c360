import { pingDatabase, type Database } from '../../db/database.ts'

export type HealthStatus = 'UP' | 'DOWN'

export interface Health {
  status: HealthStatus
  components: { database: { status: HealthStatus } }
}

/**
 * Liveness reports the database (answering within 2 seconds even when the server is gone); readiness also
 * requires that this code's migrations have been applied and the app is not shutting down.
 */
export function healthService(database: Database, options: { latestMigration: number }) {
  let draining = false
  return {
    async health(): Promise<Health> {
      const up = await pingDatabase(database, 1500)
      const status: HealthStatus = up ? 'UP' : 'DOWN'
      return { status, components: { database: { status } } }
    },

    async readiness(): Promise<{ status: HealthStatus; reason?: string }> {
      if (draining) return { status: 'DOWN', reason: 'shutting down' }
      try {
        const result = await database.pool.query<{ latest: number | null }>(
          'SELECT max(id) AS latest FROM schema_migration',
        )
        const latest = result.rows[0]?.latest ?? 0
        if (latest < options.latestMigration) return { status: 'DOWN', reason: 'migrations pending' }
        return { status: 'UP' }
      } catch {
        return { status: 'DOWN', reason: 'database unavailable' }
      }
    },

    drain(): void {
      draining = true
    },
  }
}

export type HealthService = ReturnType<typeof healthService>
