import { createHash } from 'node:crypto'
import type { Transaction } from 'kysely'
import { withTransaction, type Database, type Executor } from '../../db/database.ts'
import type { DB } from '../../db/schema.ts'
import type { AuditAction, AuditDetails, AuditWriter } from '../audit/audit-writer.ts'
import type { SessionRepository } from '../session/session-repository.ts'
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
    async currentUser(userId: string): Promise<CurrentUser | undefined> {
      return tx((trx) => users.current(trx, userId))
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
