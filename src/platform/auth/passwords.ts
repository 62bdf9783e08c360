import { hash, verify } from '@node-rs/argon2'

/**
 * argon2id (the library's default algorithm) with OWASP's second recommended setting: 19 MiB, 2 passes,
 * 1 lane. Roughly 20-40 ms a hash here, which is what makes stolen hashes slow to guess.
 */
const OPTIONS = { memoryCost: 19_456, timeCost: 2, parallelism: 1 }

export function hashPassword(password: string): Promise<string> {
  return hash(password, OPTIONS)
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password)
  } catch {
    return false
  }
}

let dummy: Promise<string> | undefined
/**
 * For unknown email addresses (and accounts without a password) we still verify against a hash, so the time
 * taken does not reveal whether an account exists.
 */
export async function verifyAgainstDummy(password: string): Promise<false> {
  dummy ??= hashPassword('openmace-dummy-password-for-timing')
  await verifyPassword(await dummy, password)
  return false
}
