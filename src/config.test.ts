import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ConfigError, DEFAULT_SESSION_SECRET, loadConfig } from './config.ts'

const SECRET = 'x'.repeat(40)

function refusal(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env, '/srv/openmace')
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`)
    return error
  }
  assert.fail('expected the configuration to be refused')
}

describe('configuration', () => {
  it('starts with safe development defaults: embedded database in ./data, demo on, port 3000', () => {
    const config = loadConfig({}, '/srv/openmace')
    assert.equal(config.env, 'development')
    assert.equal(config.port, 3000)
    assert.equal(config.host, 'localhost')
    assert.equal(config.databaseUrl, undefined)
    assert.equal(config.dataDir, '/srv/openmace/data')
    assert.equal(config.demo, true)
    assert.equal(config.brand, 'generic')
  })

  it('converts and keeps valid values', () => {
    const config = loadConfig(
      {
        PORT: '8080',
        OPENMACE_DEMO: 'false',
        OPENMACE_DATA_DIR: '/var/lib/openmace',
        OPENMACE_BRAND: 'govuk',
      },
      '/srv',
    )
    assert.equal(config.port, 8080)
    assert.equal(config.demo, false)
    assert.equal(config.dataDir, '/var/lib/openmace')
    assert.equal(config.brand, 'govuk')
  })

  it('refuses a bad value with one line naming the variable', () => {
    const error = refusal({ PORT: 'eighty' })
    assert.equal(error.variable, 'PORT')
    assert.match(
      error.message,
      /^Configuration error: PORT must be a whole number from 0 to 65535 \(got "eighty"\)$/,
    )
    assert.equal(refusal({ PORT: '70000' }).variable, 'PORT')
    assert.equal(refusal({ NODE_ENV: 'prod' }).variable, 'NODE_ENV')
    assert.equal(refusal({ OPENMACE_DEMO: 'yes' }).variable, 'OPENMACE_DEMO')
  })

  it('refuses a DATABASE_URL that is not a PostgreSQL URL, without echoing it (it may hold a password)', () => {
    const error = refusal({ DATABASE_URL: 'mysql://root:hunter2@db/openmace' })
    assert.equal(error.variable, 'DATABASE_URL')
    assert.doesNotMatch(error.message, /hunter2/)
  })

  it('production refuses the embedded database unless explicitly allowed', () => {
    const error = refusal({ NODE_ENV: 'production', OPENMACE_SESSION_SECRET: SECRET })
    assert.equal(error.variable, 'DATABASE_URL')
    const allowed = loadConfig(
      { NODE_ENV: 'production', OPENMACE_ALLOW_EMBEDDED: 'true', OPENMACE_SESSION_SECRET: SECRET },
      '/srv',
    )
    assert.equal(allowed.databaseUrl, undefined)
    assert.equal(allowed.demo, false, 'no demo data in production unless OPENMACE_DEMO=true')
  })

  it('production refuses a missing, short or default session secret', () => {
    const base = { NODE_ENV: 'production', OPENMACE_ALLOW_EMBEDDED: 'true' }
    assert.equal(refusal(base).variable, 'OPENMACE_SESSION_SECRET')
    assert.equal(refusal({ ...base, OPENMACE_SESSION_SECRET: 'short' }).variable, 'OPENMACE_SESSION_SECRET')
    const byDefault = refusal({ ...base, OPENMACE_SESSION_SECRET: DEFAULT_SESSION_SECRET })
    assert.match(byDefault.message, /example secret/)
  })

  it('requires a security code for every account in production only, unless set', () => {
    assert.equal(loadConfig({}, '/srv').requireMfa, false)
    assert.equal(loadConfig({ OPENMACE_REQUIRE_MFA: 'true' }, '/srv').requireMfa, true)
    const production = {
      NODE_ENV: 'production',
      OPENMACE_ALLOW_EMBEDDED: 'true',
      OPENMACE_SESSION_SECRET: SECRET,
    }
    assert.equal(loadConfig(production, '/srv').requireMfa, true)
    assert.equal(loadConfig({ ...production, OPENMACE_REQUIRE_MFA: 'false' }, '/srv').requireMfa, false)
    assert.equal(refusal({ OPENMACE_REQUIRE_MFA: 'maybe' }).variable, 'OPENMACE_REQUIRE_MFA')
  })

  it('production with DATABASE_URL needs the runtime role URL too', () => {
    const error = refusal({
      NODE_ENV: 'production',
      DATABASE_URL: 'postgres://owner:pw@db.internal:5432/openmace',
      OPENMACE_SESSION_SECRET: SECRET,
    })
    assert.equal(error.variable, 'DATABASE_APP_URL')
  })
})

describe('single sign-on configuration', () => {
  const sso = {
    OPENMACE_OIDC_ISSUER: 'https://login.northshire.example/realms/staff',
    OPENMACE_OIDC_CLIENT_ID: 'openmace',
    OPENMACE_OIDC_CLIENT_SECRET: 'a client secret from the provider',
    OPENMACE_OIDC_REDIRECT_URL: 'https://openmace.northshire.example/sign-in/oidc/callback',
  }
  const production = {
    NODE_ENV: 'production',
    OPENMACE_ALLOW_EMBEDDED: 'true',
    OPENMACE_SESSION_SECRET: SECRET,
  }

  it('is off unless the issuer is set; on, the claim defaults to email and the label to a generic one', () => {
    assert.equal(loadConfig({}, '/srv').oidc, undefined)
    assert.deepEqual(loadConfig({ ...production, ...sso }, '/srv').oidc, {
      issuer: sso.OPENMACE_OIDC_ISSUER,
      clientId: 'openmace',
      clientSecret: sso.OPENMACE_OIDC_CLIENT_SECRET,
      redirectUrl: sso.OPENMACE_OIDC_REDIRECT_URL,
      claim: 'email',
      label: 'Sign in with your organisation account',
    })
    const custom = loadConfig(
      {
        ...sso,
        OPENMACE_OIDC_CLAIM: 'preferred_username',
        OPENMACE_OIDC_LABEL: 'Sign in with Northshire Council',
      },
      '/srv',
    ).oidc
    assert.ok(custom)
    assert.equal(custom.claim, 'preferred_username')
    assert.equal(custom.label, 'Sign in with Northshire Council')
  })

  it('needs the client id, secret and redirect URL with the issuer, and the issuer with any of them', () => {
    for (const name of [
      'OPENMACE_OIDC_CLIENT_ID',
      'OPENMACE_OIDC_CLIENT_SECRET',
      'OPENMACE_OIDC_REDIRECT_URL',
    ]) {
      const error = refusal({ ...sso, [name]: '' })
      assert.equal(error.variable, name)
      assert.match(error.message, /is required when OPENMACE_OIDC_ISSUER is set$/)
    }
    const stray = refusal({ OPENMACE_OIDC_CLIENT_ID: 'openmace' })
    assert.equal(stray.variable, 'OPENMACE_OIDC_CLIENT_ID')
    assert.match(stray.message, /OPENMACE_OIDC_ISSUER is not/)
  })

  it('refuses a malformed issuer, redirect URL or claim, never echoing the secret or the redirect URL', () => {
    assert.equal(refusal({ ...sso, OPENMACE_OIDC_ISSUER: 'login.example' }).variable, 'OPENMACE_OIDC_ISSUER')
    const redirect = refusal({
      ...sso,
      OPENMACE_OIDC_REDIRECT_URL: 'https://openmace.example/callback?x=secret',
    })
    assert.equal(redirect.variable, 'OPENMACE_OIDC_REDIRECT_URL')
    assert.match(redirect.message, /\/sign-in\/oidc\/callback/)
    assert.doesNotMatch(redirect.message, /x=secret/)
    assert.equal(refusal({ ...sso, OPENMACE_OIDC_CLAIM: 'two words' }).variable, 'OPENMACE_OIDC_CLAIM')
    assert.equal(refusal({ ...sso, OPENMACE_OIDC_LABEL: 'x'.repeat(81) }).variable, 'OPENMACE_OIDC_LABEL')
  })

  it('allows plain http outside production only (a provider on this machine), not in production', () => {
    const local = {
      ...sso,
      OPENMACE_OIDC_ISSUER: 'http://127.0.0.1:9000',
      OPENMACE_OIDC_REDIRECT_URL: 'http://localhost:3000/sign-in/oidc/callback',
    }
    assert.equal(loadConfig(local, '/srv').oidc?.issuer, 'http://127.0.0.1:9000')
    assert.equal(refusal({ ...production, ...local }).variable, 'OPENMACE_OIDC_ISSUER')
    assert.equal(
      refusal({ ...production, ...sso, OPENMACE_OIDC_REDIRECT_URL: local.OPENMACE_OIDC_REDIRECT_URL })
        .variable,
      'OPENMACE_OIDC_REDIRECT_URL',
    )
  })
})
