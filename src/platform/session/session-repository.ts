import { sql } from 'kysely'
import { compiledQueries, queryBuilder, type Executor } from '../../db/database.ts'
import { liveUsers, toCurrentUser, type CurrentUser } from '../auth/user-repository.ts'

export interface StoredSession {
  userId: string | null
  data: Record<string, unknown>
  lastSeenAt: Date
  /** The session's user if they are still live (not disabled, nor their agency), read with the session. */
  user?: CurrentUser
}

/** The `session` table. Ids here are always the SHA-256 of the id in the cookie, never the id itself. */
/** A live session with its live user (see findLive): compiled once, run with the session and idle limit as values. */
const liveSession = compiledQueries((_variant: string, idHash: string, idleSeconds: number) =>
  queryBuilder
    .selectFrom('session as s')
    .leftJoin(liveUsers(queryBuilder).as('lu'), 'lu.id', 's.user_id')
    .select([
      's.user_id',
      's.data',
      's.last_seen_at',
      'lu.id',
      'lu.partnership_id',
      'lu.agency_id',
      'lu.team_id',
      'lu.display_name',
      'lu.roles',
    ])
    .where('s.id', '=', idHash)
    .where('s.expires_at', '>', sql<Date>`now()`)
    .where('s.last_seen_at', '>', sql<Date>`now() - make_interval(secs => ${idleSeconds})`),
)

export function sessionRepository() {
  return {
    /** The session if it has neither passed its absolute expiry nor been idle longer than `idleMs`. */
    async findLive(db: Executor, idHash: string, idleMs: number): Promise<StoredSession | undefined> {
      // The user comes in the same statement (every signed-in request needs both: one round trip, not two).
      const { rows } = await db.executeQuery(liveSession('session', idHash, idleMs / 1000))
      const row = rows[0]
      if (row === undefined) return undefined
      const { id, partnership_id, agency_id, display_name } = row
      const user =
        id === null || partnership_id === null || agency_id === null || display_name === null
          ? undefined
          : toCurrentUser({
              id,
              partnership_id,
              agency_id,
              display_name,
              team_id: row.team_id,
              roles: row.roles,
            })
      return {
        userId: row.user_id,
        data: row.data,
        lastSeenAt: row.last_seen_at,
        ...(user === undefined ? {} : { user }),
      }
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
