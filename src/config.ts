import path from 'node:path'
import { Type, type Static, type TSchema } from 'typebox'
import { Value } from 'typebox/value'

/**
 * Configuration from the environment, validated once at start-up.
 * The schema below is the single description of every variable; a bad or missing value stops start-up
 * with one line naming the variable (ConfigError).
 */

export type Environment = 'development' | 'test' | 'production'
export type Brand = 'generic' | 'govuk'

export interface Config {
  env: Environment
  production: boolean
  host: string
  port: number
  /** Owner-role connection string of an external PostgreSQL server; absent: the embedded server. */
  databaseUrl: string | undefined
  /** Runtime-role connection string for an external server (required in production with DATABASE_URL). */
  databaseAppUrl: string | undefined
  dataDir: string
  allowEmbedded: boolean
  demo: boolean
  sessionSecret: string | undefined
  /** Every local account must use a security code (TOTP) to sign in. */
  requireMfa: boolean
  logLevel: string
  brand: Brand
  serviceName: string
  organisationName: string
  bodyLimitBytes: number
  requestTimeoutMs: number
  connectionTimeoutMs: number
  dbPoolSize: number
  dbStatementTimeoutMs: number
  /** How long break-glass access to a record lasts. */
  breakGlassHours: number
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`Configuration error: ${variable} ${message}`)
    this.name = 'ConfigError'
  }
}

/** The placeholder secret shipped in examples; production refuses it. */
export const DEFAULT_SESSION_SECRET = 'change-me-openmace-development-secret'

type Env = Record<string, string | undefined>

const literals = <T extends string>(values: readonly T[], description: string) =>
  Type.Unsafe<T>(
    Type.Union(
      values.map((v) => Type.Literal(v)),
      { description },
    ),
  )
const flag = (description: string) => Type.Optional(Type.Boolean({ description }))
const whole = (min: number, max: number, fallback: number) =>
  Type.Integer({
    minimum: min,
    maximum: max,
    default: fallback,
    description: `a whole number from ${min} to ${max}`,
  })
const pgUrl = Type.Optional(
  Type.String({
    pattern: '^postgres(ql)?://[^/]+/[^/?]+',
    description:
      'a PostgreSQL connection URL naming a database, like postgres://user:password@host:5432/openmace',
  }),
)

/** The schema of the environment. Each description is the message shown when the value is wrong. */
const EnvSchema = Type.Object({
  NODE_ENV: literals(['development', 'test', 'production'] as const, 'one of development, test, production'),
  HOST: Type.Optional(Type.String({ minLength: 1, description: 'a host name or address to listen on' })),
  PORT: whole(0, 65535, 3000),
  DATABASE_URL: pgUrl,
  DATABASE_APP_URL: pgUrl,
  OPENMACE_DATA_DIR: Type.Optional(Type.String({ minLength: 1, description: 'a folder path' })),
  OPENMACE_ALLOW_EMBEDDED: flag('true or false'),
  OPENMACE_DEMO: flag('true or false'),
  OPENMACE_SESSION_SECRET: Type.Optional(
    Type.String({ minLength: 32, description: 'at least 32 random characters' }),
  ),
  OPENMACE_REQUIRE_MFA: flag('true or false'),
  LOG_LEVEL: Type.Optional(
    literals(
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const,
      'one of fatal, error, warn, info, debug, trace, silent',
    ),
  ),
  OPENMACE_BRAND: literals(['generic', 'govuk'] as const, 'one of generic, govuk'),
  OPENMACE_SERVICE_NAME: Type.String({
    minLength: 1,
    maxLength: 60,
    default: 'OpenMACE',
    description: '1 to 60 characters',
  }),
  OPENMACE_ORGANISATION_NAME: Type.String({
    minLength: 1,
    maxLength: 80,
    default: 'OpenMACE',
    description: '1 to 80 characters',
  }),
  OPENMACE_BODY_LIMIT_BYTES: whole(1024, 100 * 1024 * 1024, 1024 * 1024),
  OPENMACE_REQUEST_TIMEOUT_MS: whole(1000, 600_000, 30_000),
  OPENMACE_CONNECTION_TIMEOUT_MS: whole(1000, 600_000, 60_000),
  OPENMACE_DB_POOL_SIZE: whole(1, 500, 10),
  OPENMACE_DB_STATEMENT_TIMEOUT_MS: whole(100, 3_600_000, 15_000),
  OPENMACE_BREAK_GLASS_HOURS: whole(1, 24, 4),
})

/** The environment variables documented in the README's configuration table. */
export const CONFIG_VARIABLES = Object.keys(EnvSchema.properties)

function parseEnv(env: Env): Static<typeof EnvSchema> {
  // Only our own variables, blank values treated as unset.
  const raw: Record<string, string> = { NODE_ENV: 'development', OPENMACE_BRAND: 'generic' }
  for (const name of CONFIG_VARIABLES) {
    const value = env[name]?.trim()
    if (value !== undefined && value !== '') raw[name] = value
  }
  const value = Value.Convert(EnvSchema, Value.Default(EnvSchema, raw))
  const first = Value.Errors(EnvSchema, value)[0]
  if (first !== undefined) {
    const name = first.instancePath.split('/')[1] ?? first.instancePath
    const property = (EnvSchema.properties as Record<string, TSchema & { description?: string }>)[name]
    const got = raw[name]
    const shown = name.includes('SECRET') || name.includes('URL') ? '' : ` (got "${got ?? ''}")`
    throw new ConfigError(name, `must be ${property?.description ?? first.message}${shown}`)
  }
  return value as Static<typeof EnvSchema>
}

export function loadConfig(env: Env = process.env, cwd: string = process.cwd()): Config {
  const e = parseEnv(env)
  const production = e.NODE_ENV === 'production'
  const allowEmbedded = e.OPENMACE_ALLOW_EMBEDDED ?? false

  if (production) {
    if (e.DATABASE_URL === undefined && !allowEmbedded) {
      throw new ConfigError(
        'DATABASE_URL',
        'is required in production (or set OPENMACE_ALLOW_EMBEDDED=true to run the embedded database)',
      )
    }
    if (e.DATABASE_URL !== undefined && e.DATABASE_APP_URL === undefined) {
      throw new ConfigError(
        'DATABASE_APP_URL',
        'is required in production with DATABASE_URL: the runtime role (NOSUPERUSER NOBYPASSRLS, member of openmace_runtime)',
      )
    }
    if (e.OPENMACE_SESSION_SECRET === undefined) {
      throw new ConfigError(
        'OPENMACE_SESSION_SECRET',
        'is required in production (at least 32 random characters)',
      )
    }
    if (e.OPENMACE_SESSION_SECRET === DEFAULT_SESSION_SECRET) {
      throw new ConfigError(
        'OPENMACE_SESSION_SECRET',
        'is the example secret from the README: generate your own',
      )
    }
  }

  return {
    env: e.NODE_ENV,
    production,
    host: e.HOST ?? (production ? '0.0.0.0' : 'localhost'),
    port: e.PORT,
    databaseUrl: e.DATABASE_URL,
    databaseAppUrl: e.DATABASE_APP_URL,
    dataDir: path.resolve(cwd, e.OPENMACE_DATA_DIR ?? 'data'),
    allowEmbedded,
    demo: e.OPENMACE_DEMO ?? !production,
    sessionSecret: e.OPENMACE_SESSION_SECRET,
    requireMfa: e.OPENMACE_REQUIRE_MFA ?? production,
    logLevel: e.LOG_LEVEL ?? (e.NODE_ENV === 'test' ? 'silent' : 'info'),
    brand: e.OPENMACE_BRAND,
    serviceName: e.OPENMACE_SERVICE_NAME,
    organisationName: e.OPENMACE_ORGANISATION_NAME,
    bodyLimitBytes: e.OPENMACE_BODY_LIMIT_BYTES,
    requestTimeoutMs: e.OPENMACE_REQUEST_TIMEOUT_MS,
    connectionTimeoutMs: e.OPENMACE_CONNECTION_TIMEOUT_MS,
    dbPoolSize: e.OPENMACE_DB_POOL_SIZE,
    dbStatementTimeoutMs: e.OPENMACE_DB_STATEMENT_TIMEOUT_MS,
    breakGlassHours: e.OPENMACE_BREAK_GLASS_HOURS,
  }
}
