import { createHash } from 'node:crypto'
import { withTransaction, type Database } from '../../db/database.ts'
import type { AuditWriter } from '../../platform/audit/audit-writer.ts'
import type { RequestContext } from '../../platform/auth/auth-service.ts'
import { passwordProblem } from '../../platform/auth/password-policy.ts'
import { hashPassword } from '../../platform/auth/passwords.ts'
import { ValidationError } from '../../platform/errors.ts'
import type { AccountSetUpRepository } from './account-set-up-repository.ts'

/** 32 random bytes, base64url: what the administrator's page hands out. */
export const SET_UP_TOKEN = /^[A-Za-z0-9_-]{43}$/

/** Why a link does not work is never said: unknown, used, expired and disabled all look the same. */
export type SetUpCheck = { ok: true; email: string; displayName: string } | { ok: false }

const hashOf = (token: string) => createHash('sha256').update(token).digest('hex')

/**
 * A person's first password, chosen through the one-time link an administrator gave them. Public: the link is
 * the credential, so nothing here says whether an account exists, and a link works once.
 */
export function accountSetUpService(database: Database, links: AccountSetUpRepository, audit: AuditWriter) {
  const find = async (token: string) => {
    if (!SET_UP_TOKEN.test(token)) return undefined
    const link = await withTransaction(database, {}, (trx) => links.findByHash(trx, hashOf(token)))
    return link?.usable === true ? link : undefined
  }

  return {
    async check(token: string): Promise<SetUpCheck> {
      const link = await find(token)
      return link === undefined
        ? { ok: false }
        : { ok: true, email: link.email, displayName: link.displayName }
    },

    /**
     * Sets the password if the link still works; returns false (and changes nothing) if it does not.
     * A password the policy refuses is a ValidationError, and the link stays usable.
     */
    async complete(
      token: string,
      input: { password: string; confirm: string },
      ctx: RequestContext,
    ): Promise<boolean> {
      const link = await find(token)
      if (link === undefined) return false
      const problem = passwordProblem(input.password, link.email)
      if (problem !== undefined) throw new ValidationError([{ field: 'password', message: problem }])
      if (input.confirm !== input.password) {
        throw new ValidationError([{ field: 'confirm', message: 'Enter the same password twice' }])
      }
      const passwordHash = await hashPassword(input.password)
      return withTransaction(database, {}, async (trx) => {
        if (!(await links.use(trx, link.id))) return false
        await links.setPassword(trx, link.userId, passwordHash)
        await audit.write(trx, {
          action: 'auth.account-set-up',
          outcome: 'succeeded',
          partnershipId: link.partnershipId,
          actor: { id: link.userId, agencyId: link.agencyId },
          record: { type: 'user', id: link.userId },
          requestId: ctx.requestId,
          ip: ctx.ip,
        })
        return true
      })
    },
  }
}

export type AccountSetUpService = ReturnType<typeof accountSetUpService>
