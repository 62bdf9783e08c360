import path from 'node:path'
import { Type, type Static, type TSchema } from 'typebox'
import { Value } from 'typebox/value'
import { paths } from './platform/paths.ts'

/**
 * Configuration from the environment, validated once at start-up.
 * The schema below is the single description of every variable; a bad or missing value stops start-up
 * with one line naming the variable (ConfigError).
 */

export type Environment = 'development' | 'test' | 'production'
export type Brand = 'generic' | 'govuk'

/** Single sign-on through one OpenID Connect provider (docs/adr/0010-oidc-sign-in.md). */
export interface OidcConfig {
  /** The provider's issuer identifier; discovery reads `<issuer>/.well-known/openid-configuration`. */
  issuer: string
  clientId: string
  clientSecret: string
  /** This service's `/sign-in/oidc/callback`, exactly as registered with the provider. */
  redirectUrl: string
  /** The claim whose value is matched (case-insensitively) to an account's email address. */
  claim: string
  /** The words on the sign-in page's button, e.g. "Sign in with Northshire Council". */
  label: string
}

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
  /** Absent: single sign-on is off and the sign-in page offers email and password only. */
  oidc: OidcConfig | undefined
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
  OPENMACE_OIDC_ISSUER: Type.Optional(
    Type.String({
      pattern: '^https?://[^\\s/?#]+[^\\s?#]*$',
      maxLength: 500,
      description: "the provider's issuer URL, like https://login.example.org/tenant/v2.0",
    }),
  ),
  OPENMACE_OIDC_CLIENT_ID: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 200,
      description: 'the client id the provider gave this service',
    }),
  ),
  OPENMACE_OIDC_CLIENT_SECRET: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 500,
      description: 'the client secret the provider gave this service',
    }),
  ),
  OPENMACE_OIDC_REDIRECT_URL: Type.Optional(
    Type.String({
      pattern: '^https?://[^\\s/?#]+/sign-in/oidc/callback$',
      maxLength: 500,
      description: `this service's address followed by ${paths.signInOidcCallback}, as registered with the provider`,
    }),
  ),
  OPENMACE_OIDC_CLAIM: Type.String({
    pattern: '^[A-Za-z_][A-Za-z0-9_.:-]{0,99}$',
    default: 'email',
    description: 'a claim name, like email or preferred_username',
  }),
  OPENMACE_OIDC_LABEL: Type.String({
    minLength: 1,
    maxLength: 80,
    default: 'Sign in with your organisation account',
    description: '1 to 80 characters',
  }),
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

const OIDC_PARTS = [
  'OPENMACE_OIDC_CLIENT_ID',
  'OPENMACE_OIDC_CLIENT_SECRET',
  'OPENMACE_OIDC_REDIRECT_URL',
] as const

/** The single sign-on variables belong together: the issuer turns it on and needs the other three. */
function oidcConfig(e: Static<typeof EnvSchema>, production: boolean): OidcConfig | undefined {
  const issuer = e.OPENMACE_OIDC_ISSUER
  if (issuer === undefined) {
    const stray = OIDC_PARTS.find((name) => e[name] !== undefined)
    if (stray !== undefined) {
      throw new ConfigError(
        stray,
        'is set but OPENMACE_OIDC_ISSUER is not: set both to turn on single sign-on',
      )
    }
    return undefined
  }
  for (const name of OIDC_PARTS) {
    if (e[name] === undefined) throw new ConfigError(name, 'is required when OPENMACE_OIDC_ISSUER is set')
  }
  if (production) {
    if (!issuer.startsWith('https://')) {
      throw new ConfigError('OPENMACE_OIDC_ISSUER', 'must be an https:// URL in production')
    }
    if (!(e.OPENMACE_OIDC_REDIRECT_URL ?? '').startsWith('https://')) {
      throw new ConfigError('OPENMACE_OIDC_REDIRECT_URL', 'must be an https:// URL in production')
    }
  }
  return {
    issuer,
    clientId: e.OPENMACE_OIDC_CLIENT_ID as string,
    clientSecret: e.OPENMACE_OIDC_CLIENT_SECRET as string,
    redirectUrl: e.OPENMACE_OIDC_REDIRECT_URL as string,
    claim: e.OPENMACE_OIDC_CLAIM,
    label: e.OPENMACE_OIDC_LABEL,
  }
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
    oidc: oidcConfig(e, production),
  }
}
