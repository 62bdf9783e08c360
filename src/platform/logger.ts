import type { FastifyBaseLogger } from 'fastify'
import pino, { type LoggerOptions } from 'pino'

export type Logger = FastifyBaseLogger

/**
 * Personal data never reaches the logs: names, dates of birth, identifiers, addresses, free text,
 * credentials and cookies are redacted wherever they appear in a logged object (one or two levels deep).
 */
const SENSITIVE_KEYS = [
  'name',
  'firstName',
  'lastName',
  'givenName',
  'familyName',
  'fullName',
  'alias',
  'aliases',
  'dateOfBirth',
  'dob',
  'nhsNumber',
  'upn',
  'localAuthorityId',
  'policeId',
  'identifier',
  'identifiers',
  'address',
  'postcode',
  'phone',
  'email',
  'narrative',
  'password',
  'newPassword',
  'passwordHash',
  'token',
  'accessToken',
  'refreshToken',
  'idToken',
  'secret',
  'totp',
  'cookie',
]

export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  'body',
  'req.body',
  'query',
  ...SENSITIVE_KEYS.flatMap((key) => [key, `*.${key}`, `*.*.${key}`]),
]

export function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
    base: { service: 'openmace' },
    timestamp: pino.stdTimeFunctions.isoTime,
  }
}

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(loggerOptions(level), destination)
}
