import { withTransaction, type Database } from '../../db/database.ts'
import type { SessionRepository, StoredSession } from './session-repository.ts'

/** SECURITY.md 7.3.1: sessions end after 30 minutes without a request, and 12 hours after sign-in at most. */
export const IDLE_TIMEOUT_MS = 30 * 60 * 1000
export const ABSOLUTE_TIMEOUT_MS = 12 * 60 * 60 * 1000
/** last_seen_at is written at most this often, so idle expiry is exact to within a minute. */
export const TOUCH_INTERVAL_MS = 60 * 1000

export function sessionService(database: Database, repository: SessionRepository) {
  const tx = <T>(fn: Parameters<typeof withTransaction<T>>[2]) => withTransaction(database, {}, fn)
  return {
    /**
     * Runs on every request: one statement on its own (autocommit), not a transaction with context, because the
     * session table holds no case data (no row-level security) and BEGIN, set_config and COMMIT would triple its
     * round trips (bench: front-door).
     */
    find(idHash: string): Promise<StoredSession | undefined> {
      return repository.findLive(database.db, idHash, IDLE_TIMEOUT_MS)
    },
    create(idHash: string, userId: string | null, data: Record<string, unknown>): Promise<void> {
      return tx((trx) => repository.insert(trx, { idHash, userId, data, absoluteMs: ABSOLUTE_TIMEOUT_MS }))
    },
    touch(idHash: string, change?: { userId: string | null; data: Record<string, unknown> }): Promise<void> {
      return tx((trx) => repository.touch(trx, idHash, change))
    },
    destroy(idHash: string): Promise<void> {
      return tx((trx) => repository.delete(trx, idHash))
    },
    /** Removes sessions past their expiry; the request path already refuses them, this only tidies. */
    purgeExpired(): Promise<number> {
      return tx((trx) => repository.deleteExpired(trx, IDLE_TIMEOUT_MS))
    },
  }
}

export type SessionService = ReturnType<typeof sessionService>
