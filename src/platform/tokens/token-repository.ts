import { sql } from 'kysely'
import { accountsWithOrganisation } from '../../db/account-joins.ts'
import type { Executor } from '../../db/database.ts'
import { camelRow } from '../../db/rows.ts'

export interface TokenRow {
  id: string
  partnershipId: string
  userId: string
  name: string
  prefix: string
  scopes: string[]
  expiresAt: Date
  revokedAt: Date | null
  lastUsedAt: Date | null
}

/** A token as listed for operators: never its hash, only the prefix shown at creation. */
export interface ListedToken extends TokenRow {
  userEmail: string
}

/** Who a token or session acts for, with the names an API client shows. */
export interface Identity {
  email: string
  partnership: { id: string; name: string }
  agency: { id: string; name: string }
  team: { id: string; name: string } | null
}

export function tokenRepository() {
  const columns = [
    'id',
    'partnership_id',
    'user_id',
    'name',
    'token_prefix as prefix',
    'scopes',
    'expires_at',
    'revoked_at',
    'last_used_at',
  ] as const
  return {
    async create(
      db: Executor,
      token: {
        partnershipId: string
        userId: string
        name: string
        hash: string
        prefix: string
        scopes: string[]
        days: number
        createdBy: string | null
      },
    ): Promise<string> {
      const row = await db
        .insertInto('api_token')
        .values({
          partnership_id: token.partnershipId,
          user_id: token.userId,
          name: token.name,
          token_hash: token.hash,
          token_prefix: token.prefix,
          scopes: token.scopes,
          expires_at: sql<Date>`now() + make_interval(days => ${token.days})`,
          created_by: token.createdBy,
        })
        .returning('id')
        .executeTakeFirstOrThrow()
      return row.id
    },

    async findByHash(db: Executor, hash: string): Promise<TokenRow | undefined> {
      const row = await db
        .selectFrom('api_token')
        .select(columns)
        .where('token_hash', '=', hash)
        .executeTakeFirst()
      return row && camelRow(row)
    },

    /** Every token (the CLI, on the server), or one partnership's (the administrator's page). */
    async list(db: Executor, partnershipId?: string): Promise<ListedToken[]> {
      let query = db
        .selectFrom('api_token')
        .innerJoin('app_user', 'app_user.id', 'api_token.user_id')
        .select(columns.map((c) => `api_token.${c}` as const))
        .select('app_user.email as user_email')
      if (partnershipId !== undefined) query = query.where('api_token.partnership_id', '=', partnershipId)
      const rows = await query.orderBy('api_token.created_at', 'desc').orderBy('api_token.id').execute()
      return rows.map((r) => camelRow(r))
    },

    async identity(db: Executor, userId: string): Promise<Identity | undefined> {
      const row = await accountsWithOrganisation(db)
        .select([
          'u.email',
          'p.id as partnershipId',
          'p.name as partnershipName',
          'a.id as agencyId',
          'a.name as agencyName',
          't.id as teamId',
          't.name as teamName',
        ])
        .where('u.id', '=', userId)
        .executeTakeFirst()
      if (row === undefined) return undefined
      return {
        email: row.email,
        partnership: { id: row.partnershipId, name: row.partnershipName },
        agency: { id: row.agencyId, name: row.agencyName },
        team: row.teamId !== null && row.teamName !== null ? { id: row.teamId, name: row.teamName } : null,
      }
    },

    async revoke(
      db: Executor,
      id: string,
      revokedBy: string | null,
      partnershipId?: string,
    ): Promise<TokenRow | undefined> {
      let query = db
        .updateTable('api_token')
        .set({ revoked_at: sql<Date>`now()`, revoked_by: revokedBy })
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
      if (partnershipId !== undefined) query = query.where('partnership_id', '=', partnershipId)
      const row = await query.returning(columns).executeTakeFirst()
      return row && camelRow(row)
    },

    async touch(db: Executor, id: string): Promise<void> {
      await db
        .updateTable('api_token')
        .set({ last_used_at: sql<Date>`now()` })
        .where('id', '=', id)
        .execute()
    },
  }
}

export type TokenRepository = ReturnType<typeof tokenRepository>
