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

/**
 * A set-up link carries a one-time secret in its path (src/features/account-set-up), and an API search names,
 * dates of birth and identifiers in its query (src/features/search): logs keep the path only.
 */
export function redactUrl(url: unknown): unknown {
  return typeof url === 'string'
    ? url
        .replace(/^(\/account\/set-up\/)[^/?#]*/, '$1[REDACTED]')
        .replace(/^(\/api\/v1\/search)\?.*/, '$1?[REDACTED]')
    : url
}

interface LoggedRequest {
  method?: string
  url?: string
  host?: string
  ip?: string
  headers?: Record<string, unknown>
  socket?: { remotePort?: number }
}

/** Fastify's request serializer, with secrets in URLs redacted. */
function requestSerializer(req: LoggedRequest) {
  return {
    method: req.method,
    url: redactUrl(req.url),
    version: req.headers?.['accept-version'],
    host: req.host,
    remoteAddress: req.ip,
    remotePort: req.socket?.remotePort,
  }
}

export function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    serializers: { req: requestSerializer },
    redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
    base: { service: 'openmace' },
    timestamp: pino.stdTimeFunctions.isoTime,
  }
}

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(loggerOptions(level), destination)
}
