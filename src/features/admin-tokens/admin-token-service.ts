import { auditActorOf } from '../../platform/access/actor.ts'
import type { Actor } from '../../platform/access/policy.ts'
import { CAPABILITIES, isRole, ROLE_CAPABILITIES, type Capability } from '../../platform/access/roles.ts'
import type { RequestContext } from '../../platform/auth/auth-service.ts'
import { NotFoundError, ValidationError } from '../../platform/errors.ts'
import { UUID } from '../../platform/identifiers/uuid.ts'
import type { ListedToken } from '../../platform/tokens/token-repository.ts'
import {
  requireServiceAccount,
  type TokenOperator,
  type TokenService,
} from '../../platform/tokens/token-service.ts'
import type { AdminUserService, AdminUserSummary } from '../admin-users/admin-user-service.ts'

export type TokenState = 'active' | 'expired' | 'revoked'

export interface TokenListing extends ListedToken {
  state: TokenState
}

export const MAX_TOKEN_DAYS = 365

/** What the account's roles allow, in the order of the capability list: a token's scopes can only narrow it. */
export function grantedScopes(roles: readonly string[]): Capability[] {
  const granted = new Set(roles.filter(isRole).flatMap((role) => ROLE_CAPABILITIES[role]))
  return CAPABILITIES.filter((c) => granted.has(c))
}

export function tokenState(
  token: Pick<ListedToken, 'revokedAt' | 'expiresAt'>,
  now = new Date(),
): TokenState {
  if (token.revokedAt !== null) return 'revoked'
  return token.expiresAt.getTime() <= now.getTime() ? 'expired' : 'active'
}

/**
 * The system administrator's API tokens page: tokens for their partnership's service accounts, through the one
 * token service (hashed, scoped, expiring, audited as token.create and token.revoke). Callers hold `token:manage`.
 */
export function adminTokenService(accounts: AdminUserService, tokens: TokenService) {
  const operator = (actor: Actor, ctx: RequestContext): TokenOperator => ({
    by: { userId: actor.userId, role: auditActorOf(actor).role, agencyId: actor.agencyId },
    via: 'web',
    requestId: ctx.requestId,
    ip: ctx.ip,
  })
  const active = (a: AdminUserSummary) => !a.disabled && !a.agencyDisabled
  const usable = (a: AdminUserSummary) => a.serviceAccount && active(a)
  /** An active account of the partnership, of either kind, or undefined. */
  const activeAccount = async (actor: Actor, id: string): Promise<AdminUserSummary | undefined> => {
    if (!UUID.test(id)) return undefined
    const found = await accounts.find(actor, id).catch((error: unknown) => {
      if (error instanceof NotFoundError) return undefined
      throw error
    })
    return found !== undefined && active(found) ? found : undefined
  }

  return {
    async list(actor: Actor): Promise<TokenListing[]> {
      const now = new Date()
      return (await tokens.list(actor.partnershipId)).map((t) => ({ ...t, state: tokenState(t, now) }))
    },

    /** Active service accounts that can be given a token. */
    async serviceAccounts(actor: Actor): Promise<AdminUserSummary[]> {
      return (await accounts.list(actor)).filter(usable)
    },

    /** One active service account of the partnership, or undefined. */
    async serviceAccount(actor: Actor, id: string): Promise<AdminUserSummary | undefined> {
      const found = await activeAccount(actor, id)
      return found !== undefined && usable(found) ? found : undefined
    },

    async create(
      actor: Actor,
      input: { userId: string; name: string; scopes: string[]; days: string },
      ctx: RequestContext,
    ): Promise<{ id: string; token: string; account: AdminUserSummary; expiresInDays: number }> {
      const account = await activeAccount(actor, input.userId)
      if (account === undefined) {
        throw new ValidationError([{ field: 'user', message: 'Choose an active service account' }])
      }
      // A person's account is refused by the token service's own rule, in its words (as the CLI is).
      requireServiceAccount(account)
      const errors: Array<{ field: string; message: string }> = []
      const name = input.name.trim()
      if (name === '') errors.push({ field: 'name', message: 'Enter a name for the token' })
      else if (name.length > 100)
        errors.push({ field: 'name', message: 'Name must be 100 characters or fewer' })
      const allowed = grantedScopes(account.roles) as string[]
      if (input.scopes.length === 0) errors.push({ field: 'scopes', message: 'Choose at least one scope' })
      else if (input.scopes.some((s) => !allowed.includes(s))) {
        errors.push({
          field: 'scopes',
          message: 'Choose scopes from the list: the account’s roles allow only those',
        })
      }
      const days = input.days.trim()
      if (days === '') errors.push({ field: 'days', message: 'Enter how many days the token lasts' })
      else if (!/^\d{1,3}$/.test(days) || Number(days) < 1 || Number(days) > MAX_TOKEN_DAYS) {
        errors.push({ field: 'days', message: `Days must be a whole number from 1 to ${MAX_TOKEN_DAYS}` })
      }
      if (errors.length > 0) throw new ValidationError(errors)
      const made = await tokens.create(
        {
          userEmail: account.email,
          name,
          scopes: allowed.filter((s) => input.scopes.includes(s)),
          days: Number(days),
          partnershipId: actor.partnershipId,
        },
        operator(actor, ctx),
      )
      return { ...made, account }
    },

    /** A token of the partnership, for the revoke confirmation; another partnership's is not found. */
    async find(actor: Actor, id: string): Promise<TokenListing> {
      const found = (await this.list(actor)).find((t) => t.id === id)
      if (found === undefined) throw new NotFoundError()
      return found
    },

    async revoke(actor: Actor, id: string, ctx: RequestContext): Promise<void> {
      await tokens.revoke(id, operator(actor, ctx), actor.partnershipId)
    },
  }
}

export type AdminTokenService = ReturnType<typeof adminTokenService>
