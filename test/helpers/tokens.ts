import { randomBytes } from 'node:crypto'
import { withTransaction } from '../../src/db/database.ts'
import { userRepository } from '../../src/platform/auth/user-repository.ts'
import { tokenRepository } from '../../src/platform/tokens/token-repository.ts'
import { hashToken } from '../../src/platform/tokens/token-service.ts'
import type { TestDatabase } from './database.ts'

/**
 * An API token for a person's account, written straight to the table. The token service refuses one (API
 * tokens are for service accounts: requireServiceAccount), but the API's own tests call as a person with a
 * role, about that person's own concerns, referrals and records, the same account that signs in to the pages;
 * authentication and the policy treat the token alike whichever kind of account it acts for. Tests of the
 * tokens themselves go through the service (and the CLI) with service accounts. (The bench uses it too: it
 * reads as the demo social worker, the allocated worker of the child it reads.)
 */
export async function personToken(
  db: Pick<TestDatabase, 'database'>,
  email: string,
  scopes: readonly string[],
  options: { name?: string; days?: number } = {},
): Promise<{ id: string; token: string }> {
  return withTransaction(db.database, {}, async (trx) => {
    const account = await userRepository().credentialsByEmail(trx, email)
    if (account === undefined) throw new Error(`no account ${email}`)
    const token = `omt_${randomBytes(32).toString('base64url')}`
    const id = await tokenRepository().create(trx, {
      partnershipId: account.partnershipId,
      userId: account.id,
      name: options.name ?? 'test',
      hash: hashToken(token),
      prefix: token.slice(0, 12),
      scopes: [...new Set(scopes)],
      days: options.days ?? 1,
      createdBy: null,
    })
    return { id, token }
  })
}

/** The Authorization header for personToken. */
export async function personBearer(
  db: TestDatabase,
  email: string,
  scopes: readonly string[],
): Promise<{ authorization: string }> {
  return { authorization: `Bearer ${(await personToken(db, email, scopes)).token}` }
}
