import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { describe, it, type TestContext } from 'node:test'
import { auditTrail } from '../../../test/helpers/audit.ts'
import { build } from '../../../test/helpers/build.ts'
import { ownerQuery } from '../../../test/helpers/database.ts'
import { loginAtProvider, startTestIdp, type TestIdp } from '../../../test/helpers/oidc-provider.ts'
import { Agent, assertSignedIn, createUser } from '../../../test/helpers/sign-in.ts'
import { paths } from '../../platform/paths.ts'
import { SESSION_COOKIE } from '../../platform/session/session-plugin.ts'
import { SSO_MESSAGES } from './sign-in-routes.ts'

const REDIRECT_URL = `http://openmace.test${paths.signInOidcCallback}`
const errorSummary = (html: string) => /govuk-error-summary[\s\S]*?<\/ul>/.exec(html)?.[0] ?? ''
/** A message as a pattern (the messages hold full stops). */
const plain = (message: string) => message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

const linkOf = async (ownerUrl: string, userId: string) =>
  (
    await ownerQuery<{ oidc_issuer: string | null; oidc_subject: string | null }>(
      ownerUrl,
      'SELECT oidc_issuer, oidc_subject FROM app_user WHERE id = $1',
      [userId],
    )
  )[0]

/** The app on its own database, pointed at a real provider running in this process. */
async function setUp(t: TestContext, env: Record<string, string> = {}) {
  const idp = await startTestIdp(t, { redirectUrl: REDIRECT_URL })
  const built = await build(t, { env: { ...idp.env, ...env } })
  return { ...built, idp }
}

/** Starts single sign-on from the app; returns the provider's authorisation URL. */
async function start(agent: Agent): Promise<URL> {
  const res = await agent.get(paths.signInOidc)
  assert.equal(res.statusCode, 303)
  return new URL(String(res.headers.location))
}

/** Signs in at the provider as `login` and brings the answer back to the app's callback. */
async function signInThroughProvider(agent: Agent, login: string) {
  const back = await loginAtProvider((await start(agent)).href, { login })
  assert.equal(`${back.origin}${back.pathname}`, REDIRECT_URL)
  return agent.get(`${back.pathname}${back.search}`)
}

/** The sign-in page the user is sent back to, and the message in its error summary. */
async function refusalShown(agent: Agent, res: { statusCode: number; headers: Record<string, unknown> }) {
  assert.equal(res.statusCode, 303)
  assert.equal(res.headers.location, paths.signIn)
  const page = await agent.get(paths.signIn)
  assert.equal(page.statusCode, 200)
  return errorSummary(page.body)
}

const idpUser = (
  idp: TestIdp,
  email: string,
  extra: { sub?: string; verified?: boolean; amr?: string[] } = {},
) =>
  idp.addAccount({
    sub: extra.sub ?? `sub-${randomUUID()}`,
    email,
    emailVerified: extra.verified ?? true,
    ...(extra.amr !== undefined ? { amr: extra.amr } : {}),
  })

describe('single sign-on with OpenID Connect', () => {
  it('offers the button only when configured, with the configured words; the routes are 404 without it', async (t) => {
    const off = await build(t)
    const page = await new Agent(off.app).get(paths.signIn)
    assert.doesNotMatch(page.body, new RegExp(`href="${paths.signInOidc}"`))
    assert.equal((await new Agent(off.app).get(paths.signInOidc)).statusCode, 404)
    assert.equal((await new Agent(off.app).get(`${paths.signInOidcCallback}?code=x&state=y`)).statusCode, 404)

    const { app } = await setUp(t, { OPENMACE_OIDC_LABEL: 'Sign in with Northshire Council' })
    const on = await new Agent(app).get(paths.signIn)
    assert.match(
      on.body,
      new RegExp(`<a href="${paths.signInOidc}"[^>]*id="oidc"[^>]*>\\s*Sign in with Northshire Council`),
    )
  })

  it('signs in through the provider with PKCE, state and nonce: new session, subject recorded, audited', async (t) => {
    const { app, db, services, idp } = await setUp(t)
    const user = await createUser(db, services, { roles: ['social-worker'] })
    // The provider's address differs in case from the account's: matched case-insensitively.
    const account = idpUser(idp, user.email.toUpperCase())
    const agent = new Agent(app)
    await agent.get(paths.signIn)
    const preAuth = agent.cookies.get(SESSION_COOKIE)

    const authorisation = await start(agent)
    assert.equal(authorisation.origin, idp.issuer)
    const query = authorisation.searchParams
    assert.equal(query.get('response_type'), 'code')
    assert.equal(query.get('code_challenge_method'), 'S256')
    assert.match(query.get('code_challenge') ?? '', /^[\w-]{43}$/)
    assert.ok(query.get('state') && query.get('nonce'), 'state and nonce are sent')
    assert.equal(query.get('redirect_uri'), REDIRECT_URL)

    const back = await loginAtProvider(authorisation.href, { login: account.sub })
    assert.ok(back.searchParams.get('code'))
    const res = await agent.get(`${back.pathname}${back.search}`)
    await assertSignedIn(agent, res, preAuth, user)

    assert.deepEqual(await linkOf(db.ownerUrl, user.id), {
      oidc_issuer: idp.issuer,
      oidc_subject: account.sub,
    })
    const [session] = await ownerQuery<{ data: Record<string, unknown> }>(
      db.ownerUrl,
      'SELECT data FROM session WHERE user_id = $1',
      [user.id],
    )
    assert.equal(session!.data.oidc, undefined, 'no login state kept after sign-in')
    assert.equal(session!.data.stage, 'signed-in')
    const rows = await auditTrail(db.ownerUrl)
    assert.deepEqual(
      rows.map((r) => [r.action, r.outcome, r.actor_id]),
      [
        ['auth.sso-linked', 'succeeded', user.id],
        ['auth.sign-in', 'succeeded', user.id],
      ],
    )
    assert.deepEqual(rows[1]!.details, { method: 'oidc', providerMfa: false, linked: true })
    assert.ok(!JSON.stringify(rows).includes(user.email), 'no email address in the audit trail')

    // The next sign-in finds the recorded subject: no new link.
    const again = await signInThroughProvider(new Agent(app), account.sub)
    assert.equal(again.headers.location, paths.home)
    const last = (await auditTrail(db.ownerUrl)).at(-1)!
    assert.deepEqual([last.action, last.details.linked], ['auth.sign-in', false])
  })

  it('refuses an unknown address, a disabled account or agency and a service account with the same words, audited', async (t) => {
    const { app, db, services, idp } = await setUp(t)
    const disabled = await createUser(db, services)
    await ownerQuery(db.ownerUrl, 'UPDATE app_user SET disabled_at = now() WHERE id = $1', [disabled.id])
    const service = await createUser(db, services, { password: null })
    await ownerQuery(db.ownerUrl, 'UPDATE app_user SET service_account = true WHERE id = $1', [service.id])
    const inDisabledAgency = await createUser(db, services)
    await ownerQuery(db.ownerUrl, 'UPDATE agency SET disabled_at = now() WHERE id = $1', [
      inDisabledAgency.agencyId,
    ])
    const unknown = idpUser(idp, 'nobody.here@test.example')
    const ofDisabled = idpUser(idp, disabled.email)
    const ofService = idpUser(idp, service.email)
    const ofDisabledAgency = idpUser(idp, inDisabledAgency.email)

    const agent = new Agent(app)
    const first = await refusalShown(agent, await signInThroughProvider(agent, unknown.sub))
    const second = await refusalShown(agent, await signInThroughProvider(agent, ofDisabled.sub))
    const third = await refusalShown(agent, await signInThroughProvider(agent, ofService.sub))
    const fourth = await refusalShown(agent, await signInThroughProvider(agent, ofDisabledAgency.sub))
    assert.match(first, new RegExp(plain(SSO_MESSAGES['sso-refused'])))
    assert.match(first, /href="#oidc"/)
    assert.equal(second, first, 'the page does not say whether an account exists')
    assert.equal(third, first)
    assert.equal(fourth, first)
    assert.equal((await agent.get(paths.home)).headers.location, paths.signIn, 'not signed in')
    assert.equal((await linkOf(db.ownerUrl, disabled.id))!.oidc_subject, null)
    assert.equal((await linkOf(db.ownerUrl, service.id))!.oidc_subject, null)

    const rows = await auditTrail(db.ownerUrl)
    assert.deepEqual(
      rows.map((r) => [r.action, r.reason, r.actor_id, r.details.step, r.details.knownAccount]),
      [
        ['auth.sign-in-failed', 'unknown-account', null, 'oidc', false],
        ['auth.sign-in-failed', 'account-disabled', disabled.id, 'oidc', true],
        ['auth.sign-in-failed', 'account-disabled', service.id, 'oidc', true],
        ['auth.sign-in-failed', 'account-disabled', inDisabledAgency.id, 'oidc', true],
      ],
    )
  })

  it('refuses an email address the provider has not verified, and a missing claim', async (t) => {
    const { app, db, services, idp } = await setUp(t)
    const user = await createUser(db, services)
    const unverified = idpUser(idp, user.email, { verified: false })
    const noEmail = idp.addAccount({ sub: 'no-email' })
    const agent = new Agent(app)
    assert.match(
      await refusalShown(agent, await signInThroughProvider(agent, unverified.sub)),
      new RegExp(plain(SSO_MESSAGES['sso-refused'])),
    )
    await refusalShown(agent, await signInThroughProvider(agent, noEmail.sub))
    assert.equal(
      (await linkOf(db.ownerUrl, user.id))!.oidc_subject,
      null,
      'an unverified address links nothing',
    )
    assert.deepEqual(
      (await auditTrail(db.ownerUrl)).map((r) => [r.reason, r.actor_id]),
      [
        ['email-not-verified', null],
        ['claim-missing', null],
      ],
    )
  })

  it('matches another claim when configured (OPENMACE_OIDC_CLAIM), without needing email_verified', async (t) => {
    const { app, db, services, idp } = await setUp(t, { OPENMACE_OIDC_CLAIM: 'sub' })
    const user = await createUser(db, services)
    // The subject itself is the user's address here; the email claim is absent and unverified.
    idp.addAccount({ sub: user.email })
    const res = await signInThroughProvider(new Agent(app), user.email)
    assert.equal(res.headers.location, paths.home)
  })

  it('refuses a different subject for an account already linked, and a subject already linked elsewhere', async (t) => {
    const { app, db, services, idp } = await setUp(t)
    const user = await createUser(db, services)
    const other = await createUser(db, services)
    const original = idpUser(idp, user.email, { sub: 'subject-a' })
    assert.equal((await signInThroughProvider(new Agent(app), original.sub)).headers.location, paths.home)

    // Someone else at the provider now presents the same address.
    const impostor = idpUser(idp, user.email, { sub: 'subject-b' })
    const agent = new Agent(app)
    assert.match(
      await refusalShown(agent, await signInThroughProvider(agent, impostor.sub)),
      new RegExp(plain(SSO_MESSAGES['sso-refused'])),
    )
    // The original subject's address changes to another account's: it stays tied to its first account.
    idp.addAccount({ ...original, email: other.email })
    await refusalShown(agent, await signInThroughProvider(agent, original.sub))

    assert.deepEqual(await linkOf(db.ownerUrl, user.id), {
      oidc_issuer: idp.issuer,
      oidc_subject: 'subject-a',
    })
    assert.equal((await linkOf(db.ownerUrl, other.id))!.oidc_subject, null)
    const refusals = (await auditTrail(db.ownerUrl)).filter((r) => r.action === 'auth.sign-in-failed')
    assert.deepEqual(
      refusals.map((r) => [r.reason, r.actor_id]),
      [
        ['subject-mismatch', user.id],
        ['subject-in-use', other.id],
      ],
    )
  })

  it('refuses a callback with a wrong or missing state, without a login in progress, replayed, or too late', async (t) => {
    const { app, db, services, idp } = await setUp(t)
    const user = await createUser(db, services)
    const account = idpUser(idp, user.email)
    const interrupted = new RegExp(plain(SSO_MESSAGES['sso-interrupted']))

    const agent = new Agent(app)
    const back = await loginAtProvider((await start(agent)).href, { login: account.sub })
    const tampered = new URLSearchParams(back.search)
    tampered.set('state', 'not-the-state')
    assert.match(await refusalShown(agent, await agent.get(`${back.pathname}?${tampered}`)), interrupted)

    const second = new Agent(app)
    const back2 = await loginAtProvider((await start(second)).href, { login: account.sub })
    const withoutState = new URLSearchParams(back2.search)
    withoutState.delete('state')
    assert.match(
      await refusalShown(second, await second.get(`${back2.pathname}?${withoutState}`)),
      interrupted,
    )

    // A good answer brought to a browser that never started a login (login CSRF) is refused.
    const stranger = new Agent(app)
    const back3 = await loginAtProvider((await start(new Agent(app))).href, { login: account.sub })
    assert.match(
      await refusalShown(stranger, await stranger.get(`${back3.pathname}${back3.search}`)),
      interrupted,
    )

    // The right browser succeeds once; the same callback again finds no login in progress.
    const fourth = new Agent(app)
    const back4 = await loginAtProvider((await start(fourth)).href, { login: account.sub })
    assert.equal((await fourth.get(`${back4.pathname}${back4.search}`)).headers.location, paths.home)
    const replay = new Agent(app)
    await start(replay)
    assert.match(
      await refusalShown(replay, await replay.get(`${back4.pathname}${back4.search}`)),
      interrupted,
    )

    // A login started more than ten minutes ago.
    const late = new Agent(app)
    const back5 = await loginAtProvider((await start(late)).href, { login: account.sub })
    await ownerQuery(
      db.ownerUrl,
      `UPDATE session SET data = jsonb_set(data, '{oidc,startedAt}', to_jsonb($1::bigint)) WHERE data ? 'oidc'`,
      [Date.now() - 11 * 60 * 1000],
    )
    assert.match(await refusalShown(late, await late.get(`${back5.pathname}${back5.search}`)), interrupted)

    const failures = (await auditTrail(db.ownerUrl)).filter((r) => r.action === 'auth.sign-in-failed')
    assert.deepEqual(
      failures.map((r) => [r.reason, r.details.step]),
      [
        ['state-mismatch', 'oidc'],
        ['state-mismatch', 'oidc'],
        ['no-login-in-progress', 'oidc'],
        ['state-mismatch', 'oidc'],
        ['login-expired', 'oidc'],
      ],
    )
  })

  it('shows a clear message when the provider answers with an error (the user cancelled), audited', async (t) => {
    const { app, db, idp } = await setUp(t)
    const agent = new Agent(app)
    const back = await loginAtProvider((await start(agent)).href, { cancel: true })
    assert.equal(back.searchParams.get('error'), 'access_denied')
    const summary = await refusalShown(agent, await agent.get(`${back.pathname}${back.search}`))
    assert.match(summary, new RegExp(plain(SSO_MESSAGES['sso-cancelled'])))
    const [row] = await auditTrail(db.ownerUrl)
    assert.deepEqual(
      [row!.action, row!.reason, row!.details.providerError],
      ['auth.sign-in-failed', 'provider-error', 'access_denied'],
    )
    // A made-up error parameter with free text is kept out of the audit trail as 'other'.
    await start(agent)
    const pending = await ownerQuery<{ state: string }>(
      db.ownerUrl,
      `SELECT data->'oidc'->>'state' AS state FROM session WHERE data ? 'oidc'`,
    )
    const forged = new URLSearchParams({ error: 'Robert); DROP', state: pending[0]!.state, iss: idp.issuer })
    await refusalShown(agent, await agent.get(`${paths.signInOidcCallback}?${forged}`))
    assert.equal((await auditTrail(db.ownerUrl)).at(-1)!.details.providerError, 'other')
  })

  it('when the provider cannot be reached: a clear message at the start (logged only) and at the callback (audited), never a 500', async (t) => {
    // A port that refuses connections.
    const closed = http.createServer()
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
    const port = (closed.address() as AddressInfo).port
    await new Promise<void>((resolve) => closed.close(() => resolve()))
    const down = await build(t, {
      env: {
        OPENMACE_OIDC_ISSUER: `http://127.0.0.1:${port}`,
        OPENMACE_OIDC_CLIENT_ID: 'x',
        OPENMACE_OIDC_CLIENT_SECRET: 'y',
        OPENMACE_OIDC_REDIRECT_URL: REDIRECT_URL,
      },
    })
    const agent = new Agent(down.app)
    const res = await agent.get(paths.signInOidc)
    assert.match(await refusalShown(agent, res), new RegExp(plain(SSO_MESSAGES['sso-unavailable'])))
    assert.equal((await auditTrail(down.db.ownerUrl)).length, 0)

    // The provider goes away between the login and the code exchange.
    const { app, db, services, idp } = await setUp(t)
    const user = await createUser(db, services)
    const account = idpUser(idp, user.email)
    const later = new Agent(app)
    const back = await loginAtProvider((await start(later)).href, { login: account.sub })
    await idp.stop()
    const summary = await refusalShown(later, await later.get(`${back.pathname}${back.search}`))
    assert.match(summary, new RegExp(plain(SSO_MESSAGES['sso-unavailable'])))
    assert.deepEqual(
      (await auditTrail(db.ownerUrl)).map((r) => [r.action, r.reason]),
      [['auth.sign-in-failed', 'provider-unavailable']],
    )
  })

  it('with OPENMACE_REQUIRE_MFA, a provider that asserts MFA signs in; otherwise the account sets up a security code', async (t) => {
    const { app, db, services, idp } = await setUp(t, { OPENMACE_REQUIRE_MFA: 'true' })
    const strong = await createUser(db, services)
    const weak = await createUser(db, services)
    const withMfa = idpUser(idp, strong.email, { amr: ['pwd', 'mfa'] })
    const withoutMfa = idpUser(idp, weak.email, { amr: ['pwd'] })

    const res = await signInThroughProvider(new Agent(app), withMfa.sub)
    assert.equal(res.headers.location, paths.home)
    const signIn = (await auditTrail(db.ownerUrl)).find((r) => r.action === 'auth.sign-in')
    assert.equal(signIn?.details.providerMfa, true)

    const agent = new Agent(app)
    const second = await signInThroughProvider(agent, withoutMfa.sub)
    assert.equal(second.headers.location, paths.account.securityCodeSetUp)
    assert.equal((await agent.get(paths.home)).statusCode, 303, 'not signed in until the code is set up')
    assert.equal((await agent.get(paths.account.securityCodeSetUp)).statusCode, 200)
    const signIns = (await auditTrail(db.ownerUrl)).filter((r) => r.action === 'auth.sign-in')
    assert.equal(signIns.length, 1, 'no sign-in recorded before the second step')
  })
})
