import { createHash, randomInt } from 'node:crypto'
import { generateSecret, generateURI, verify } from 'otplib'
import QRCode from 'qrcode'

/** TOTP (RFC 6238): 6 digits, 30-second steps, SHA-1, as every authenticator app supports. */
export function newTotpSecret(): string {
  return generateSecret()
}

export function totpUri(issuer: string, email: string, secret: string): string {
  return generateURI({ issuer, label: email, secret })
}

/** A PNG data URI (the CSP allows `img-src data:`), so no image route and no inline SVG markup. */
export function qrCodeDataUri(uri: string): Promise<string> {
  return QRCode.toDataURL(uri, { errorCorrectionLevel: 'M', margin: 2, width: 240 })
}

/**
 * Checks a code against the current step and one step either side (clock drift). otplib 13 answers
 * `{ valid, timeStep }`; a step at or before `afterStep` (the last code used) is refused: no replay.
 */
export async function checkTotp(
  secret: string,
  code: string,
  afterStep: number | undefined,
): Promise<{ valid: true; step: number } | { valid: false }> {
  if (!/^\d{6}$/.test(code)) return { valid: false }
  const result = await verify({
    secret,
    token: code,
    epochTolerance: 30,
    ...(afterStep !== undefined ? { afterTimeStep: afterStep } : {}),
  })
  // The union also covers HOTP results, which have no time step.
  return result.valid && 'timeStep' in result ? { valid: true, step: result.timeStep } : { valid: false }
}

export const RECOVERY_CODE_COUNT = 10
const ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789' // no 0/o, 1/l/i

/** Ten one-time codes like `k7mq-x2va-9pdr` (about 59 bits each). */
export function newRecoveryCodes(): string[] {
  return Array.from({ length: RECOVERY_CODE_COUNT }, () =>
    Array.from({ length: 3 }, () =>
      Array.from({ length: 4 }, () => ALPHABET[randomInt(ALPHABET.length)]).join(''),
    ).join('-'),
  )
}

/** Codes are compared ignoring case, spaces and hyphens, as people type them. */
export function normaliseRecoveryCode(code: string): string {
  return code.toLowerCase().replace(/[\s-]/g, '')
}

export function looksLikeRecoveryCode(code: string): boolean {
  return /^[a-z0-9]{12}$/.test(normaliseRecoveryCode(code))
}

export function hashRecoveryCode(code: string): string {
  return createHash('sha256').update(normaliseRecoveryCode(code)).digest('hex')
}
