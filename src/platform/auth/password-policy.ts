import { readFileSync } from 'node:fs'

/**
 * NCSC password guidance: long passwords, a deny list of the most common ones, no composition rules, no expiry.
 * The list (common-passwords.txt) holds the commonest passwords and their usual variations (a year or digits
 * appended); only those of 12 characters or more can matter, shorter ones fail on length first.
 */
export const MIN_PASSWORD_LENGTH = 12
export const MAX_PASSWORD_LENGTH = 256

const COMMON = new Set(
  readFileSync(new URL('./common-passwords.txt', import.meta.url), 'utf8')
    .split('\n')
    .map((line) => line.trim().toLowerCase())
    .filter((line) => line !== ''),
)

function normalise(value: string): string {
  return value.toLowerCase().replace(/\s+/g, '')
}

/** The message to show, or undefined when the password is acceptable. */
export function passwordProblem(password: string, email?: string): string | undefined {
  if (password === '') return 'Enter a password'
  const length = password.length
  if (length < MIN_PASSWORD_LENGTH) return `Password must be ${MIN_PASSWORD_LENGTH} characters or more`
  if (length > MAX_PASSWORD_LENGTH) return `Password must be ${MAX_PASSWORD_LENGTH} characters or fewer`
  const simple = normalise(password)
  if (COMMON.has(simple) || COMMON.has(password.toLowerCase())) {
    return 'Password is too common. Choose a password that is harder to guess, such as three random words'
  }
  if (/^(.)\1+$/u.test(password)) {
    return 'Password must not be one character repeated. Choose a password that is harder to guess'
  }
  if (email !== undefined && email !== '') {
    const lower = normalise(email)
    const local = lower.split('@')[0] ?? ''
    if (simple === lower || simple.includes(lower) || (local.length >= 6 && simple.includes(local))) {
      return 'Password must not contain your email address'
    }
  }
  return undefined
}
