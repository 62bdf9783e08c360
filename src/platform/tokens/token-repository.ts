import { sql } from 'kysely'
import type { Executor } from '../../db/database.ts'

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

export function tokenRepository() {
  const columns = [
    'id',
    'partnership_id',
    'user_id',
    'name',
    'token_prefix',
    'scopes',
    'expires_at',
    'revoked_at',
    'last_used_at',
  ] as const
  const toRow = (r: {
    id: string
    partnership_id: string
    user_id: string
    name: string
    token_prefix: string
    scopes: string[]
    expires_at: Date
    revoked_at: Date | null
    last_used_at: Date | null
  }): TokenRow => ({
    id: r.id,
    partnershipId: r.partnership_id,
    userId: r.user_id,
    name: r.name,
    prefix: r.token_prefix,
    scopes: r.scopes,
    expiresAt: r.expires_at,
    revokedAt: r.revoked_at,
    lastUsedAt: r.last_used_at,
  })
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
      return row && toRow(row)
    },

    async list(db: Executor): Promise<TokenRow[]> {
      const rows = await db.selectFrom('api_token').select(columns).orderBy('created_at', 'desc').execute()
      return rows.map(toRow)
    },

    async revoke(db: Executor, id: string): Promise<TokenRow | undefined> {
      const row = await db
        .updateTable('api_token')
        .set({ revoked_at: sql<Date>`now()` })
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .returning(columns)
        .executeTakeFirst()
      return row && toRow(row)
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
