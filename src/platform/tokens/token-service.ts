import { createHash, randomBytes } from 'node:crypto'
import { withTransaction, type Database } from '../../db/database.ts'
import { actorOf } from '../access/actor.ts'
import { capabilitiesOf } from '../access/policy.ts'
import { CAPABILITIES, type Capability } from '../access/roles.ts'
import type { AuditDetails, AuditEvent, AuditWriter } from '../audit/audit-writer.ts'
import type { RequestContext } from '../auth/auth-service.ts'
import type { CurrentUser, UserRepository } from '../auth/user-repository.ts'
import { NotFoundError, ValidationError } from '../errors.ts'
import type { Identity, ListedToken, TokenRepository, TokenRow } from './token-repository.ts'

export const TOKEN_PATTERN = /^omt_[A-Za-z0-9_-]{43}$/

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex')
}

export type TokenFailure = 'malformed' | 'unknown' | 'expired' | 'revoked' | 'user-disabled'

export type Authentication =
  | { ok: true; user: CurrentUser; scopes: Capability[]; tokenId: string; expiresAt: Date }
  | { ok: false; reason: TokenFailure }

/**
 * Who creates or revokes a token, for the audit trail: a signed-in administrator (a page, later), or the
 * system itself when a local operator runs the CLI on the server (no account: actor_id stays NULL).
 */
export interface TokenOperator extends RequestContext {
  by: { userId: string; role: string; agencyId: string | null } | 'system'
  via: 'cli' | 'web'
}

/** The CLI's operator: the system, on the server itself. */
export function cliOperator(): TokenOperator {
  return { by: 'system', via: 'cli', requestId: `cli-${process.pid}`, ip: '127.0.0.1' }
}

function auditActor(operator: TokenOperator): AuditEvent['actor'] {
  if (operator.by !== 'system') {
    return { id: operator.by.userId, role: operator.by.role, agencyId: operator.by.agencyId }
  }
  // The writer's type wants an id with a role; a system event has the role and no account (actor_id NULL).
  return { id: null, role: 'system' } as unknown as AuditEvent['actor']
}

/** The audit row of a change the operator made to a token (created, revoked), in the change's transaction. */
function tokenChange(
  operator: TokenOperator,
  action: 'token.create' | 'token.revoke',
  token: { id: string; partnershipId: string },
  details: AuditDetails,
): AuditEvent {
  return {
    action,
    outcome: 'succeeded',
    partnershipId: token.partnershipId,
    actor: auditActor(operator),
    record: { type: 'api-token', id: token.id },
    requestId: operator.requestId,
    ip: operator.ip,
    details: { via: operator.via, ...details },
  }
}

const isCapability = (s: string): s is Capability => (CAPABILITIES as readonly string[]).includes(s)

/** Said by the CLI and the administrator's page alike when asked for a token for a person's account. */
export const PERSON_ACCOUNT_REFUSAL =
  'API tokens are only for service accounts, and that is a person’s account: people sign in instead. ' +
  'Create a service account for the system that will use the token, and give the token to that.'

/**
 * The rule, in one place: a token acts for a system's service account, never for a person (a person signs in,
 * with a password or single sign-on and perhaps a security code; a token would bypass all of that).
 */
export function requireServiceAccount(account: { serviceAccount: boolean }): void {
  if (!account.serviceAccount) throw new ValidationError([{ field: 'user', message: PERSON_ACCOUNT_REFUSAL }])
}

/**
 * API tokens for service accounts (never a person's: requireServiceAccount): the secret is shown once and
 * only its SHA-256 is kept (a lookup by hash compares no secret in application code). A token's scopes can
 * only narrow what its user's roles grant, and the user is re-read on every call, so disabling the account or
 * removing a role takes effect at once.
 */
export function tokenService(
  database: Database,
  tokens: TokenRepository,
  users: UserRepository,
  audit: AuditWriter,
) {
  return {
    async create(
      input: {
        userEmail: string
        name: string
        scopes: string[]
        days: number
        /** The administrator's page: only an account of their partnership. */
        partnershipId?: string
      },
      ctx: TokenOperator,
    ): Promise<{ id: string; token: string; expiresInDays: number }> {
      const errors: Array<{ field: string; message: string }> = []
      const name = input.name.trim()
      if (name === '' || name.length > 100)
        errors.push({ field: 'name', message: 'Enter a name of 1 to 100 characters' })
      if (!Number.isInteger(input.days) || input.days < 1 || input.days > 365) {
        errors.push({ field: 'days', message: 'Days must be a whole number from 1 to 365' })
      }
      const unknown = input.scopes.filter((s) => !isCapability(s))
      if (input.scopes.length === 0) errors.push({ field: 'scopes', message: 'Give at least one scope' })
      if (unknown.length > 0)
        errors.push({ field: 'scopes', message: `Unknown scopes: ${unknown.join(', ')}` })
      if (errors.length > 0) throw new ValidationError(errors)
      return withTransaction(database, {}, async (trx) => {
        const credentials = await users.credentialsByEmail(trx, input.userEmail.trim())
        const user =
          credentials && !credentials.disabled ? await users.current(trx, credentials.id) : undefined
        if (
          credentials === undefined ||
          user === undefined ||
          (input.partnershipId !== undefined && user.partnershipId !== input.partnershipId)
        ) {
          throw new ValidationError([{ field: 'user', message: 'No active account has that email address' }])
        }
        requireServiceAccount(credentials)
        const granted = capabilitiesOf(actorOf(user))
        const beyond = input.scopes.filter((s) => !granted.has(s as Capability))
        if (beyond.length > 0) {
          throw new ValidationError([
            { field: 'scopes', message: `The account's roles do not grant: ${beyond.join(', ')}` },
          ])
        }
        const token = `omt_${randomBytes(32).toString('base64url')}`
        const id = await tokens.create(trx, {
          partnershipId: user.partnershipId,
          userId: user.id,
          name,
          hash: hashToken(token),
          prefix: token.slice(0, 12),
          scopes: [...new Set(input.scopes)],
          days: input.days,
          createdBy: ctx.by === 'system' ? null : ctx.by.userId,
        })
        await audit.write(
          trx,
          tokenChange(
            ctx,
            'token.create',
            { id, partnershipId: user.partnershipId },
            { scopes: input.scopes.join(' '), days: input.days, userId: user.id },
          ),
        )
        return { id, token, expiresInDays: input.days }
      })
    },

    async list(partnershipId?: string): Promise<ListedToken[]> {
      return withTransaction(database, {}, (trx) => tokens.list(trx, partnershipId))
    },

    /** The names behind a caller's ids (for /api/v1/me). */
    async identity(userId: string): Promise<Identity | undefined> {
      return withTransaction(database, {}, (trx) => tokens.identity(trx, userId))
    },

    /** With `partnershipId` (the administrator's page), only that partnership's tokens. */
    async revoke(id: string, ctx: TokenOperator, partnershipId?: string): Promise<void> {
      if (!UUID.test(id)) throw new NotFoundError('No active token has that id')
      await withTransaction(database, {}, async (trx) => {
        const by = ctx.by === 'system' ? null : ctx.by.userId
        const revoked = await tokens.revoke(trx, id, by, partnershipId)
        if (revoked === undefined) throw new NotFoundError('No active token has that id')
        await audit.write(
          trx,
          tokenChange(
            ctx,
            'token.revoke',
            { id, partnershipId: revoked.partnershipId },
            { userId: revoked.userId },
          ),
        )
      })
    },

    /** Checks an Authorization header; every failure is audited (the reason is never told to the caller). */
    async authenticate(header: string, ctx: RequestContext): Promise<Authentication> {
      // Bounded before any pattern runs: a valid header is 54 characters.
      const token = header.length <= 200 ? /^Bearer +(\S+)$/i.exec(header.trim())?.[1] : undefined
      // The success path reads in single statements (autocommit): api_token and app_user hold no case data (no
      // row-level security), and a transaction with context would add three round trips to every API call.
      // A failure is audited in its own transaction.
      const fail = async (reason: TokenFailure, row?: TokenRow): Promise<Authentication> => {
        await withTransaction(database, {}, (trx) =>
          audit.write(trx, {
            action: 'auth.token-failed',
            outcome: 'failed',
            partnershipId: row?.partnershipId ?? null,
            actor: row === undefined ? null : { id: row.userId },
            record: row === undefined ? null : { type: 'api-token', id: row.id },
            reason,
            requestId: ctx.requestId,
            ip: ctx.ip,
          }),
        )
        return { ok: false, reason }
      }
      if (token === undefined || !TOKEN_PATTERN.test(token)) return fail('malformed')
      const row = await tokens.findByHash(database.db, hashToken(token))
      if (row === undefined) return fail('unknown')
      if (row.revokedAt !== null) return fail('revoked', row)
      if (row.expiresAt.getTime() <= Date.now()) return fail('expired', row)
      const user = await users.current(database.db, row.userId)
      if (user === undefined) return fail('user-disabled', row)
      if (row.lastUsedAt === null || Date.now() - row.lastUsedAt.getTime() > 60_000)
        await tokens.touch(database.db, row.id)
      return {
        ok: true,
        user,
        scopes: row.scopes.filter(isCapability),
        tokenId: row.id,
        expiresAt: row.expiresAt,
      }
    },
  }
}

export type TokenService = ReturnType<typeof tokenService>
