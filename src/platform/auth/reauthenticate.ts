import type { Executor } from '../../db/database.ts'
import { verifyAgainstDummy, verifyPassword } from './passwords.ts'
import type { UserRepository } from './user-repository.ts'

/**
 * Re-authentication before a high-value action (ASVS 7.5.3: break-glass and bulk export): the signed-in person
 * types their password again. An account without a password (single sign-on only) cannot confirm this way and
 * is refused, in the same time a wrong password takes.
 */
export async function confirmPassword(
  db: Executor,
  users: UserRepository,
  userId: string,
  password: string,
): Promise<boolean> {
  const credentials = await users.credentialsById(db, userId)
  if (credentials?.passwordHash == null || credentials.disabled) return verifyAgainstDummy(password)
  return verifyPassword(credentials.passwordHash, password)
}
