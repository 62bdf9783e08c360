import { createHash } from 'node:crypto'
import type { Transaction } from 'kysely'
import { withTransaction, type Database, type Executor } from '../../db/database.ts'
import type { DB } from '../../db/schema.ts'
import type { AuditAction, AuditDetails, AuditWriter } from '../audit/audit-writer.ts'
import type { SessionRepository } from '../session/session-repository.ts'
import type { OidcFailure, ProviderIdentity } from './oidc-client.ts'
import { hashPassword, verifyAgainstDummy, verifyPassword } from './passwords.ts'
import {
  checkTotp,
  hashRecoveryCode,
  looksLikeRecoveryCode,
  newRecoveryCodes,
  newTotpSecret,
  qrCodeDataUri,
  totpUri,
} from './security-codes.ts'
import type { Credentials, CurrentUser, NewUser, Profile, UserRepository } from './user-repository.ts'

export type PasswordResult =
  { ok: true; userId: string; totpEnabled: boolean } | { ok: false; reason: 'invalid' | 'locked' }

export type CodeResult = { ok: true; usedRecoveryCode: boolean } | { ok: false; reason: 'invalid' | 'locked' }

/** Where a sign-in goes next (the session's stage). */
export type SignInStage = 'security-code' | 'set-up' | 'signed-in'

/** Why single sign-on found no account to sign in to. The page shows the same words for all of them. */
export type SsoRefusal =
  | 'claim-missing'
  | 'email-not-verified'
  | 'unknown-account'
  | 'account-disabled'
  | 'subject-mismatch'
  | 'subject-in-use'

export type SsoResult = { ok: true; userId: string; stage: SignInStage } | { ok: false; reason: SsoRefusal }

export interface Enrolment {
  secret: string
  qrCode: string
}

function emailHash(email: string): string {
  return createHash('sha256').update(email.trim().toLowerCase()).digest('hex')
}

const isLocked = (until: Date | null) => until !== null && until.getTime() > Date.now()

/** Where a request came from, for the audit trail. */
export interface RequestContext {
  requestId: string
  ip: string
}

type AccountRef = Pick<Credentials, 'id' | 'partnershipId' | 'agencyId'>

/**
 * Local accounts: password check with lockout, the TOTP second step, enrolment and recovery codes.
 * Every answer to a failed sign-in is the same whether or not the email address has an account.
 */
export function authService(
  database: Database,
  users: UserRepository,
  sessions: SessionRepository,
  audit: AuditWriter,
  options: { issuer: string },
) {
  const tx = <T>(fn: Parameters<typeof withTransaction<T>>[2]) => withTransaction(database, {}, fn)

  /** Security events go to the audit trail in the transaction that decides them. */
  const record = (
    trx: Transaction<DB>,
    ctx: RequestContext | undefined,
    action: AuditAction,
    outcome: 'succeeded' | 'failed',
    account: AccountRef | undefined,
    details: AuditDetails & { reason?: string } = {},
  ) => {
    const { reason, ...rest } = details
    return audit.write(trx, {
      action,
      outcome,
      partnershipId: account?.partnershipId ?? null,
      actor: account === undefined ? null : { id: account.id, agencyId: account.agencyId },
      reason: typeof reason === 'string' ? reason : null,
      requestId: ctx?.requestId ?? null,
      ip: ctx?.ip ?? null,
      details: rest,
    })
  }

  /** A failed step: audited, and a lock that starts now is audited too. */
  const failure = async (
    trx: Transaction<DB>,
    ctx: RequestContext | undefined,
    account: AccountRef | undefined,
    locked: boolean,
    step: 'password' | 'security-code',
  ): Promise<{ ok: false; reason: 'invalid' | 'locked' }> => {
    await record(trx, ctx, 'auth.sign-in-failed', 'failed', account, {
      reason: locked ? 'locked' : 'invalid',
      step,
      knownAccount: account !== undefined,
    })
    return { ok: false, reason: locked ? 'locked' : 'invalid' }
  }

  return {
    async checkPassword(email: string, password: string, ctx?: RequestContext): Promise<PasswordResult> {
      const found = await tx((trx) => users.credentialsByEmail(trx, email.trim()))
      if (found === undefined || found.passwordHash === null || found.disabled) {
        await verifyAgainstDummy(password)
        const key = emailHash(email)
        return tx(async (trx) => {
          if (found !== undefined) {
            const locked = isLocked(found.lockedUntil) || (await users.recordFailure(trx, found.id))
            return failure(trx, ctx, found, locked, 'password')
          }
          const locked =
            isLocked(await users.throttleLockedUntil(trx, key)) ||
            (await users.recordThrottleFailure(trx, key))
          return failure(trx, ctx, undefined, locked, 'password')
        })
      }
      const passwordHash = found.passwordHash
      const matches = await verifyPassword(passwordHash, password)
      return tx(async (trx) => {
        // A locked account refuses even the right password until the lock ends.
        if (isLocked(found.lockedUntil)) return failure(trx, ctx, found, true, 'password')
        if (!matches) return failure(trx, ctx, found, await users.recordFailure(trx, found.id), 'password')
        // With a second step still to come, failures keep counting until it is passed.
        if (!found.totpEnabled) await users.clearFailures(trx, found.id)
        return { ok: true, userId: found.id, totpEnabled: found.totpEnabled }
      })
    },

    /** The second step: a 6-digit code from the app, or one of the recovery codes (each works once). */
    async checkSecurityCode(userId: string, code: string, ctx?: RequestContext): Promise<CodeResult> {
      return tx(async (trx) => {
        const credentials = await users.credentialsById(trx, userId)
        if (credentials === undefined || credentials.disabled) {
          return failure(trx, ctx, credentials, false, 'security-code')
        }
        if (isLocked(credentials.lockedUntil)) return failure(trx, ctx, credentials, true, 'security-code')
        const totp = await users.totp(trx, userId)
        const trimmed = code.replace(/\s/g, '')
        if (totp.secret !== null && totp.enabled) {
          const result = await checkTotp(totp.secret, trimmed, totp.lastStep)
          if (result.valid) {
            await users.setTotpLastStep(trx, userId, result.step)
            await users.clearFailures(trx, userId)
            await record(trx, ctx, 'auth.sign-in', 'succeeded', credentials, { method: 'totp' })
            return { ok: true, usedRecoveryCode: false }
          }
          if (
            looksLikeRecoveryCode(code) &&
            (await users.useRecoveryCode(trx, userId, hashRecoveryCode(code)))
          ) {
            await users.clearFailures(trx, userId)
            await record(trx, ctx, 'auth.sign-in', 'succeeded', credentials, { method: 'recovery-code' })
            return { ok: true, usedRecoveryCode: true }
          }
        }
        return failure(trx, ctx, credentials, await users.recordFailure(trx, userId), 'security-code')
      })
    },

    /**
     * Single sign-on: the provider's identity (already validated by the OIDC client) is matched to an enabled
     * account by the configured claim; the provider's subject is recorded on first use and must match after.
     * Refusals and the sign-in itself are audited here, in the transaction that decides them.
     * The second step: a provider that asserted MFA satisfies it; otherwise the account's own security code is
     * asked for, as after a password (docs/adr/0010-oidc-sign-in.md).
     */
    async signInWithSso(
      identity: ProviderIdentity,
      ctx: RequestContext,
      options: { requireMfa: boolean },
    ): Promise<SsoResult> {
      return tx(async (trx) => {
        const refuse = async (reason: SsoRefusal, account?: AccountRef): Promise<SsoResult> => {
          await record(trx, ctx, 'auth.sign-in-failed', 'failed', account, {
            reason,
            step: 'oidc',
            knownAccount: account !== undefined,
          })
          return { ok: false, reason }
        }
        const value = identity.value?.trim() ?? ''
        if (value === '') return refuse('claim-missing')
        if (!identity.verified) return refuse('email-not-verified')
        const account = await users.ssoAccountByEmail(trx, value)
        if (account === undefined) return refuse('unknown-account')
        if (account.disabled || account.serviceAccount) return refuse('account-disabled', account)
        let linked = false
        if (account.link === null) {
          // Serialises first sign-ons of one subject, so it can never be recorded on two accounts.
          await users.lockSsoSubject(trx, identity.issuer, identity.subject)
          if ((await users.idBySsoSubject(trx, identity.issuer, identity.subject)) !== undefined) {
            return refuse('subject-in-use', account)
          }
          if (!(await users.linkSso(trx, account.id, identity.issuer, identity.subject))) {
            return refuse('subject-mismatch', account) // another sign-on linked a different subject just now
          }
          linked = true
          await record(trx, ctx, 'auth.sso-linked', 'succeeded', account)
        } else if (account.link.issuer !== identity.issuer || account.link.subject !== identity.subject) {
          return refuse('subject-mismatch', account)
        }
        const stage: SignInStage = identity.mfa
          ? 'signed-in'
          : account.totpEnabled
            ? 'security-code'
            : options.requireMfa
              ? 'set-up'
              : 'signed-in'
        if (stage === 'signed-in') {
          await record(trx, ctx, 'auth.sign-in', 'succeeded', account, {
            method: 'oidc',
            providerMfa: identity.mfa,
            linked,
          })
        }
        return { ok: true, userId: account.id, stage }
      })
    },

    /** A single sign-on callback that failed before any account was looked at (provider error, bad state…). */
    async recordSsoFailure(reason: OidcFailure, ctx: RequestContext, providerError?: string) {
      await tx((trx) =>
        record(trx, ctx, 'auth.sign-in-failed', 'failed', undefined, {
          reason,
          step: 'oidc',
          knownAccount: false,
          ...(providerError !== undefined ? { providerError } : {}),
        }),
      )
    },

    /** A sign-in completed without a security code step (password only, or just after enrolment). */
    async recordSignIn(
      userId: string,
      method: 'password' | 'password-and-new-security-code',
      ctx: RequestContext,
    ) {
      await tx(async (trx) => {
        const account = await users.credentialsById(trx, userId)
        await record(trx, ctx, 'auth.sign-in', 'succeeded', account, { method })
      })
    },

    async recordSignOut(userId: string, ctx: RequestContext) {
      await tx(async (trx) => {
        const account = await users.credentialsById(trx, userId)
        await record(trx, ctx, 'auth.sign-out', 'succeeded', account)
      })
    },

    /** The secret being set up (kept until confirmed, so reloading the page shows the same QR code). */
    async startEnrolment(userId: string): Promise<Enrolment | undefined> {
      const totp = await tx(async (trx) => {
        const current = await users.totp(trx, userId)
        if (current.enabled) return undefined
        if (current.secret !== null) return current
        const secret = newTotpSecret()
        await users.setPendingTotp(trx, userId, secret)
        return { ...current, secret }
      })
      if (totp?.secret == null) return undefined
      return {
        secret: totp.secret,
        qrCode: await qrCodeDataUri(totpUri(options.issuer, totp.email, totp.secret)),
      }
    },

    /** Enables the second step once a code proves the app is set up; returns the recovery codes, shown once. */
    async confirmEnrolment(
      userId: string,
      code: string,
      ctx?: RequestContext,
    ): Promise<string[] | undefined> {
      return tx(async (trx) => {
        const totp = await users.totp(trx, userId)
        if (totp.enabled || totp.secret === null) return undefined
        const result = await checkTotp(totp.secret, code.replace(/\s/g, ''), undefined)
        if (!result.valid) return undefined
        await users.enableTotp(trx, userId, result.step)
        const codes = newRecoveryCodes()
        await users.replaceRecoveryCodes(trx, userId, codes.map(hashRecoveryCode))
        await record(trx, ctx, 'auth.mfa-enrolled', 'succeeded', await users.credentialsById(trx, userId))
        return codes
      })
    },

    async totpEnabled(userId: string): Promise<boolean> {
      return tx(async (trx) => (await users.totp(trx, userId)).enabled)
    },

    /** Re-read on every request: a disabled user, or one whose roles changed, is seen at once. */
    /**
     * Runs on every signed-in request: one statement on its own (autocommit), as app_user and user_role hold no
     * case data (no row-level security) and a transaction would add three round trips to every page.
     */
    async currentUser(userId: string): Promise<CurrentUser | undefined> {
      return users.current(database.db, userId)
    },

    async profile(userId: string): Promise<Profile | undefined> {
      return tx((trx) => users.profile(trx, userId))
    },

    /** For seeds that write many records in their own transaction. */
    createUserIn: (trx: Executor, user: NewUser) => users.create(trx, user),
    createTeamIn: (trx: Executor, team: { partnershipId: string; agencyId: string; name: string }) =>
      users.createTeam(trx, team),

    async createUser(user: Omit<NewUser, 'passwordHash'> & { password?: string | null }): Promise<string> {
      const passwordHash = user.password == null ? null : await hashPassword(user.password)
      return tx((trx) => users.create(trx, { ...user, passwordHash }))
    },
  }
}

export type AuthService = ReturnType<typeof authService>
