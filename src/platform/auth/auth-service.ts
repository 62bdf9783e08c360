import { createHash } from 'node:crypto'
import { withTransaction, type Database, type Executor } from '../../db/database.ts'
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
import type { CurrentUser, NewUser, Profile, UserRepository } from './user-repository.ts'

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

/**
 * Local accounts: password check with lockout, the TOTP second step, enrolment and recovery codes.
 * Every answer to a failed sign-in is the same whether or not the email address has an account.
 */
export function authService(
  database: Database,
  users: UserRepository,
  sessions: SessionRepository,
  options: { issuer: string },
) {
  const tx = <T>(fn: Parameters<typeof withTransaction<T>>[2]) => withTransaction(database, {}, fn)

  return {
    async checkPassword(email: string, password: string): Promise<PasswordResult> {
      const found = await tx((trx) => users.credentialsByEmail(trx, email.trim()))
      if (found === undefined || found.passwordHash === null || found.disabled) {
        await verifyAgainstDummy(password)
        const key = emailHash(email)
        return tx(async (trx) => {
          if (found !== undefined) {
            if (isLocked(found.lockedUntil)) return { ok: false, reason: 'locked' }
            return { ok: false, reason: (await users.recordFailure(trx, found.id)) ? 'locked' : 'invalid' }
          }
          if (isLocked(await users.throttleLockedUntil(trx, key))) return { ok: false, reason: 'locked' }
          return { ok: false, reason: (await users.recordThrottleFailure(trx, key)) ? 'locked' : 'invalid' }
        })
      }
      const passwordHash = found.passwordHash
      const matches = await verifyPassword(passwordHash, password)
      return tx(async (trx) => {
        // A locked account refuses even the right password until the lock ends.
        if (isLocked(found.lockedUntil)) return { ok: false, reason: 'locked' }
        if (!matches) {
          return { ok: false, reason: (await users.recordFailure(trx, found.id)) ? 'locked' : 'invalid' }
        }
        // With a second step still to come, failures keep counting until it is passed.
        if (!found.totpEnabled) await users.clearFailures(trx, found.id)
        return { ok: true, userId: found.id, totpEnabled: found.totpEnabled }
      })
    },

    /** The second step: a 6-digit code from the app, or one of the recovery codes (each works once). */
    async checkSecurityCode(userId: string, code: string): Promise<CodeResult> {
      return tx(async (trx) => {
        const credentials = await users.credentialsById(trx, userId)
        if (credentials === undefined || credentials.disabled) return { ok: false, reason: 'invalid' }
        if (isLocked(credentials.lockedUntil)) return { ok: false, reason: 'locked' }
        const totp = await users.totp(trx, userId)
        const trimmed = code.replace(/\s/g, '')
        if (totp.secret !== null && totp.enabled) {
          const result = await checkTotp(totp.secret, trimmed, totp.lastStep)
          if (result.valid) {
            await users.setTotpLastStep(trx, userId, result.step)
            await users.clearFailures(trx, userId)
            return { ok: true, usedRecoveryCode: false }
          }
          if (
            looksLikeRecoveryCode(code) &&
            (await users.useRecoveryCode(trx, userId, hashRecoveryCode(code)))
          ) {
            await users.clearFailures(trx, userId)
            return { ok: true, usedRecoveryCode: true }
          }
        }
        return { ok: false, reason: (await users.recordFailure(trx, userId)) ? 'locked' : 'invalid' }
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
    async confirmEnrolment(userId: string, code: string): Promise<string[] | undefined> {
      return tx(async (trx) => {
        const totp = await users.totp(trx, userId)
        if (totp.enabled || totp.secret === null) return undefined
        const result = await checkTotp(totp.secret, code.replace(/\s/g, ''), undefined)
        if (!result.valid) return undefined
        await users.enableTotp(trx, userId, result.step)
        const codes = newRecoveryCodes()
        await users.replaceRecoveryCodes(trx, userId, codes.map(hashRecoveryCode))
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

    /** Disables an account and ends all its sessions in the same transaction (ASVS 7.4.2). */
    async disableUser(userId: string): Promise<number> {
      return tx(async (trx) => {
        await users.disable(trx, userId)
        return sessions.deleteForUser(trx, userId)
      })
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
