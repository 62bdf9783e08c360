import { sql } from 'kysely'
import type { Executor } from '../../db/database.ts'

export interface StoredSession {
  userId: string | null
  data: Record<string, unknown>
  lastSeenAt: Date
}

/** The `session` table. Ids here are always the SHA-256 of the id in the cookie, never the id itself. */
export function sessionRepository() {
  return {
    /** The session if it has neither passed its absolute expiry nor been idle longer than `idleMs`. */
    async findLive(db: Executor, idHash: string, idleMs: number): Promise<StoredSession | undefined> {
      const row = await db
        .selectFrom('session')
        .select(['user_id', 'data', 'last_seen_at'])
        .where('id', '=', idHash)
        .where('expires_at', '>', sql<Date>`now()`)
        .where('last_seen_at', '>', sql<Date>`now() - make_interval(secs => ${idleMs / 1000})`)
        .executeTakeFirst()
      return row && { userId: row.user_id, data: row.data, lastSeenAt: row.last_seen_at }
    },

    async insert(
      db: Executor,
      session: { idHash: string; userId: string | null; data: Record<string, unknown>; absoluteMs: number },
    ): Promise<void> {
      await db
        .insertInto('session')
        .values({
          id: session.idHash,
          user_id: session.userId,
          data: JSON.stringify(session.data),
          expires_at: sql<Date>`now() + make_interval(secs => ${session.absoluteMs / 1000})`,
        })
        .execute()
    },

    /** Saves changed data (if given) and marks the session as used now, which restarts its idle timer. */
    async touch(
      db: Executor,
      idHash: string,
      change?: { userId: string | null; data: Record<string, unknown> },
    ): Promise<void> {
      await db
        .updateTable('session')
        .set({
          last_seen_at: sql<Date>`now()`,
          ...(change !== undefined ? { user_id: change.userId, data: JSON.stringify(change.data) } : {}),
        })
        .where('id', '=', idHash)
        .execute()
    },

    async delete(db: Executor, idHash: string): Promise<void> {
      await db.deleteFrom('session').where('id', '=', idHash).execute()
    },

    async deleteForUser(db: Executor, userId: string): Promise<number> {
      const result = await db.deleteFrom('session').where('user_id', '=', userId).executeTakeFirst()
      return Number(result.numDeletedRows)
    },

    async deleteExpired(db: Executor, idleMs: number): Promise<number> {
      const result = await db
        .deleteFrom('session')
        .where((eb) =>
          eb.or([
            eb('expires_at', '<=', sql<Date>`now()`),
            eb('last_seen_at', '<=', sql<Date>`now() - make_interval(secs => ${idleMs / 1000})`),
          ]),
        )
        .executeTakeFirst()
      return Number(result.numDeletedRows)
    },
  }
}

export type SessionRepository = ReturnType<typeof sessionRepository>
