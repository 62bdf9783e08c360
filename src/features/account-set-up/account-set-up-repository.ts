import { sql } from 'kysely'
import { accountsWithAgency } from '../../db/account-joins.ts'
import type { Executor } from '../../db/database.ts'
import { changedBy } from '../../db/query-helpers.ts'
import { camelRow } from '../../db/rows.ts'

/** A set-up link as found by its hash, with what decides whether it still works. */
export interface SetUpLink {
  id: string
  userId: string
  partnershipId: string
  agencyId: string
  email: string
  displayName: string
  /** Unused, unexpired, for an active person's account in an active agency. */
  usable: boolean
}

/** One-time set-up links (migration 0007): found by the SHA-256 of the token, used once. */
export function accountSetUpRepository() {
  return {
    async findByHash(db: Executor, tokenHash: string): Promise<SetUpLink | undefined> {
      const row = await accountsWithAgency(db)
        .innerJoin('account_set_up as s', 's.user_id', 'u.id')
        .select([
          's.id',
          's.user_id',
          'u.partnership_id',
          'u.agency_id',
          'u.email',
          'u.display_name',
          sql<boolean>`s.used_at IS NULL AND s.expires_at > now() AND u.disabled_at IS NULL
                       AND a.disabled_at IS NULL AND NOT u.service_account`.as('usable'),
        ])
        .where('s.token_hash', '=', tokenHash)
        .executeTakeFirst()
      return row && camelRow(row)
    },

    /** Marks the link used; false if it was used or expired meanwhile (two tabs, one link: only one wins). */
    async use(db: Executor, id: string): Promise<boolean> {
      const result = await db
        .updateTable('account_set_up')
        .set({ used_at: sql<Date>`now()` })
        .where('id', '=', id)
        .where('used_at', 'is', null)
        .where('expires_at', '>', sql<Date>`now()`)
        .executeTakeFirst()
      return result.numUpdatedRows === 1n
    },

    /** The chosen password; a fresh start for the lockout. */
    async setPassword(db: Executor, userId: string, passwordHash: string): Promise<void> {
      await db
        .updateTable('app_user')
        .set({
          password_hash: passwordHash,
          failed_attempts: 0,
          locked_until: null,
          ...changedBy(userId),
        })
        .where('id', '=', userId)
        .where('service_account', '=', false)
        .execute()
    },
  }
}

export type AccountSetUpRepository = ReturnType<typeof accountSetUpRepository>
