import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { generate } from 'otplib'
import { ownerQuery } from '../../../test/helpers/database.ts'
import { build } from '../../../test/helpers/build.ts'
import { headingText } from '../../../test/helpers/html.ts'
import {
  appWithUser,
  adminOf,
  Agent,
  assertSignedIn,
  createUser,
  signIn,
  TEST_REQUEST,
  signInAt,
} from '../../../test/helpers/sign-in.ts'
import { paths } from '../../platform/paths.ts'
import { SESSION_COOKIE } from '../../platform/session/session-plugin.ts'
import { LOCKED, WRONG_CREDENTIALS, WRONG_CODE } from './sign-in-routes.ts'

const errorSummary = (html: string) => /govuk-error-summary[\s\S]*?<\/ul>/.exec(html)?.[0] ?? ''

describe('sign-in with email and password', () => {
  it('shows the form with a CSRF token, signs in, shows home with name, agency and roles, and signs out', async (t) => {
    const { app, db, user } = await appWithUser(t, { roles: ['social-worker', 'team-manager'] })
    const agent = new Agent(app)
    const form = await agent.get(paths.signIn)
    assert.equal(form.statusCode, 200)
    assert.equal(headingText(form.body), 'Sign in')
    assert.match(form.body, /name="_csrf" value="[^"]+"/)
    const cookie = form.cookies.find((c) => c.name === SESSION_COOKIE)
    assert.ok(cookie, 'a pre-sign-in session holds the CSRF secret')
    assert.equal(cookie.secure, true)
    assert.equal(cookie.httpOnly, true)
    assert.equal(cookie.sameSite, 'Lax')
    assert.equal(cookie.path, '/')
    const preAuthCookie = agent.cookies.get(SESSION_COOKIE)

    const res = await agent.post(paths.signIn, { email: user.email.toUpperCase(), password: user.password })
    const home = await assertSignedIn(agent, res, preAuthCookie, user)
    assert.match(home.body, /Social worker or lead professional, Team manager/)
    assert.match(home.body, new RegExp(`href="${paths.account.show}"`))
    assert.match(home.body, /Sign out/)
    assert.equal(home.headers['cache-control'], 'no-store')

    const rows = await ownerQuery<{ user_id: string; data: Record<string, unknown> }>(
      db.ownerUrl,
      'SELECT user_id, data FROM session',
    )
    assert.equal(rows.length, 1, 'the pre-sign-in session row was replaced')
    assert.equal(rows[0]!.user_id, user.id)
    assert.deepEqual(Object.keys(rows[0]!.data).sort(), ['csrfSecret', 'stage', 'userId'])

    const out = await agent.post(paths.signOut, {})
    assert.equal(out.statusCode, 303)
    assert.equal((await ownerQuery(db.ownerUrl, 'SELECT 1 FROM session')).length, 0)
    const after = await agent.get(paths.home)
    assert.equal(after.statusCode, 303)
    assert.equal(after.headers.location, paths.signIn)
  })

  it('gives the same message for a wrong password and an unknown email, keeping the email typed', async (t) => {
    const { app, user } = await appWithUser(t)
    const agent = new Agent(app)
    const wrong = await agent.submit(paths.signIn, { email: user.email, password: 'not the right password' })
    const unknown = await agent.submit(paths.signIn, {
      email: 'nobody@test.example',
      password: 'not the right password',
    })
    for (const res of [wrong, unknown]) {
      assert.equal(res.statusCode, 400)
      assert.match(errorSummary(res.body), new RegExp(WRONG_CREDENTIALS))
      assert.match(res.body, /<title>Error: Sign in/)
      assert.doesNotMatch(res.body, /not the right password/, 'the password is never echoed')
    }
    assert.match(wrong.body, new RegExp(`value="${user.email}"`))
    assert.match(unknown.body, /value="nobody@test.example"/)
  })

  it('asks for missing fields with GOV.UK error messages', async (t) => {
    const { app } = await build(t)
    const res = await new Agent(app).submit(paths.signIn, { email: '', password: '' })
    assert.equal(res.statusCode, 400)
    assert.match(
      errorSummary(res.body),
      /href="#email">Enter your email address[\s\S]*href="#password">Enter your password/,
    )
    assert.match(res.body, /id="email-error"/)
  })

  it('locks an account for 15 minutes after 5 failures, with the same message for an unknown email', async (t) => {
    const { app, db, user } = await appWithUser(t)
    const agent = new Agent(app)
    for (const email of [user.email, 'nobody@test.example']) {
      for (let i = 1; i <= 5; i++) {
        const res = await agent.submit(paths.signIn, { email, password: 'wrong password again' })
        assert.match(res.body, new RegExp(i < 5 ? WRONG_CREDENTIALS : LOCKED), `attempt ${i} for ${email}`)
      }
    }
    const right = await agent.submit(paths.signIn, { email: user.email, password: user.password })
    assert.equal(right.statusCode, 400)
    assert.match(right.body, new RegExp(LOCKED), 'even the right password is refused while locked')
    const [row] = await ownerQuery<{ minutes: string }>(
      db.ownerUrl,
      `SELECT round(extract(epoch FROM locked_until - now()) / 60) AS minutes FROM app_user WHERE id = $1`,
      [user.id],
    )
    assert.equal(Number(row!.minutes), 15)
    await ownerQuery(
      db.ownerUrl,
      `UPDATE app_user SET locked_until = now() - interval '1 second' WHERE id = $1`,
      [user.id],
    )
    const later = await agent.submit(paths.signIn, { email: user.email, password: user.password })
    assert.equal(later.statusCode, 303, 'signs in once the lock has ended')
  })

  it('refuses a disabled user at sign-in and ends their existing sessions at once', async (t) => {
    const { app, services, user } = await appWithUser(t)
    const agent = await signIn(app, user)
    const other = await signIn(app, user)
    assert.equal((await agent.get(paths.home)).statusCode, 200)
    assert.equal(
      await services.adminUsers.disable(adminOf(user), user.id, TEST_REQUEST),
      2,
      'both sessions deleted',
    )
    for (const a of [agent, other]) {
      const res = await a.get(paths.home)
      assert.equal(res.statusCode, 303)
      assert.equal(res.headers.location, paths.signIn)
    }
    const again = await new Agent(app).submit(paths.signIn, { email: user.email, password: user.password })
    assert.match(again.body, new RegExp(WRONG_CREDENTIALS))
  })

  it('refuses a session whose user is disabled directly in the database on the next request', async (t) => {
    const { app, db, user } = await appWithUser(t)
    const agent = await signIn(app, user)
    await ownerQuery(db.ownerUrl, 'UPDATE app_user SET disabled_at = now() WHERE id = $1', [user.id])
    const res = await agent.get(paths.home)
    assert.equal(res.statusCode, 303)
    assert.equal(
      (await ownerQuery(db.ownerUrl, 'SELECT 1 FROM session WHERE user_id = $1', [user.id])).length,
      0,
    )
  })

  it('rate-limits sign-in attempts per network address', async (t) => {
    const { app } = await build(t)
    const agent = new Agent(app)
    await agent.get(paths.signIn)
    let last = 0
    for (let i = 0; i < 31; i++) {
      last = (await agent.post(paths.signIn, { email: `x${i}@test.example`, password: 'whatever password' }))
        .statusCode
    }
    assert.equal(last, 429)
  })
})

describe('sessions', () => {
  it('ends a session idle for 30 minutes and says so on the sign-in page', async (t) => {
    const { app, db, user } = await appWithUser(t)
    const agent = await signIn(app, user)
    await ownerQuery(db.ownerUrl, `UPDATE session SET last_seen_at = now() - interval '31 minutes'`)
    const res = await agent.get(paths.home)
    assert.equal(res.statusCode, 303)
    assert.equal(res.headers.location, paths.signIn)
    const page = await agent.get(paths.signIn)
    assert.match(page.body, /You were signed out because your session ended/)
  })

  it('ends a session 12 hours after it began, however active', async (t) => {
    const { app, db, user } = await appWithUser(t)
    const agent = await signIn(app, user)
    await ownerQuery(
      db.ownerUrl,
      `UPDATE session SET expires_at = now() - interval '1 second', last_seen_at = now()`,
    )
    assert.equal((await agent.get(paths.home)).statusCode, 303)
    const [row] = await ownerQuery<{ n: string }>(
      db.ownerUrl,
      'SELECT count(*) AS n FROM session WHERE user_id IS NOT NULL',
    )
    assert.equal(Number(row!.n), 0, 'the expired row is deleted')
  })

  it('keeps a session alive while it is used, and refuses a tampered cookie', async (t) => {
    const { app, db, user } = await appWithUser(t)
    const agent = await signIn(app, user)
    await ownerQuery(db.ownerUrl, `UPDATE session SET last_seen_at = now() - interval '29 minutes'`)
    assert.equal((await agent.get(paths.home)).statusCode, 200)
    const [row] = await ownerQuery<{ idle: string }>(
      db.ownerUrl,
      `SELECT extract(epoch FROM now() - last_seen_at) AS idle FROM session`,
    )
    assert.ok(Number(row!.idle) < 5, 'last seen now')

    const value = agent.cookies.get(SESSION_COOKIE)!
    const tampered = `${value.slice(0, 5)}${value[5] === 'A' ? 'B' : 'A'}${value.slice(6)}`
    const res = await agent.request({
      method: 'GET',
      url: paths.home,
      cookies: { [SESSION_COOKIE]: tampered },
    })
    assert.equal(res.statusCode, 303)
    assert.equal(res.headers.location, paths.signIn)
  })
})

describe('CSRF protection', () => {
  it('refuses a form with a missing or wrong token with a clear 403 page, and saves nothing', async (t) => {
    const { app, user } = await appWithUser(t)
    const agent = new Agent(app)
    await agent.get(paths.signIn)
    for (const token of ['', 'not-a-token']) {
      const res = await agent.request({
        method: 'POST',
        url: paths.signIn,
        payload: new URLSearchParams({ _csrf: token, email: user.email, password: user.password }).toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      })
      assert.equal(res.statusCode, 403)
      assert.equal(headingText(res.body), 'This form has expired')
    }
    const noSession = await app.inject({
      method: 'POST',
      url: paths.signIn,
      payload: `email=${encodeURIComponent(user.email)}&password=x`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    })
    assert.equal(noSession.statusCode, 403)
    // A token from another session is refused too.
    const other = new Agent(app)
    await other.get(paths.signIn)
    const stolen = await agent.request({
      method: 'POST',
      url: paths.signOut,
      payload: `_csrf=${encodeURIComponent((await import('../../../test/helpers/sign-in.ts')).csrfFrom(other.lastPage))}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    })
    assert.equal(stolen.statusCode, 403)
  })
})

describe('security code (TOTP)', () => {
  async function enrol(t: Parameters<typeof build>[0], env: Record<string, string> = {}) {
    const built = await build(t, { env })
    const user = await createUser(built.db, built.services)
    const { agent, page: setUp } = await signInAt(built.app, user, paths.account.securityCodeSetUp)
    assert.match(setUp.body, /<img src="data:image\/png;base64,[^"]+"[^>]*alt="QR code/)
    const secret = /data-testid="totp-secret">([A-Z2-7]+)</.exec(setUp.body)?.[1]
    assert.ok(secret)
    const wrong = await agent.post(paths.account.securityCodeSetUp, { code: '000000' })
    assert.equal(wrong.statusCode, 400)
    assert.match(errorSummary(wrong.body), /Enter a correct security code/)
    assert.match(wrong.body, new RegExp(secret), 'the same secret is shown again')
    const done = await agent.post(paths.account.securityCodeSetUp, { code: await generate({ secret }) })
    assert.equal(done.statusCode, 200)
    const codes = [...done.body.matchAll(/<li><code>([a-z0-9-]+)<\/code><\/li>/g)].map((m) => m[1]!)
    assert.equal(codes.length, 10)
    return { ...built, user, secret, codes }
  }

  it('enrols with a QR code and recovery codes, then asks for a code at every sign-in', async (t) => {
    const { app, db, user, secret } = await enrol(t)
    const [row] = await ownerQuery<{ n: string; hashed: boolean }>(
      db.ownerUrl,
      `SELECT count(*) AS n, bool_and(code_hash ~ '^[0-9a-f]{64}$') AS hashed FROM recovery_code`,
    )
    assert.equal(Number(row!.n), 10)
    assert.equal(row!.hashed, true)

    const agent = new Agent(app)
    const step = await agent.submit(paths.signIn, { email: user.email, password: user.password })
    assert.equal(step.headers.location, paths.signInSecurityCode)
    assert.equal((await agent.get(paths.home)).statusCode, 303, 'not signed in before the code')
    const bad = await agent.submit(paths.signInSecurityCode, { code: '12345x' })
    assert.equal(bad.statusCode, 400)
    assert.match(errorSummary(bad.body), new RegExp(WRONG_CODE))
    // The code used at enrolment was for this time step: wait for none, use the next step's code.
    const next = await generate({ secret, epoch: Math.floor(Date.now() / 1000) + 30 })
    const ok = await agent.submit(paths.signInSecurityCode, { code: next })
    assert.equal(ok.headers.location, paths.home)
    assert.equal((await agent.get(paths.home)).statusCode, 200)
    const replay = new Agent(app)
    await replay.submit(paths.signIn, { email: user.email, password: user.password })
    const again = await replay.submit(paths.signInSecurityCode, { code: next })
    assert.equal(again.statusCode, 400, 'a code is never accepted twice')
  })

  it('accepts a recovery code once only', async (t) => {
    const { app, user, codes } = await enrol(t)
    const first = new Agent(app)
    await first.submit(paths.signIn, { email: user.email, password: user.password })
    const ok = await first.submit(paths.signInSecurityCode, { code: codes[0]!.toUpperCase() })
    assert.equal(ok.headers.location, paths.home)
    const account = await first.get(paths.account.show)
    assert.match(account.body, /9 unused recovery codes left/)
    const second = new Agent(app)
    await second.submit(paths.signIn, { email: user.email, password: user.password })
    const reused = await second.submit(paths.signInSecurityCode, { code: codes[0]! })
    assert.equal(reused.statusCode, 400)
  })

  it('sends a user without a security code to set one up when MFA is required', async (t) => {
    const { app, db, services } = await build(t, { env: { OPENMACE_REQUIRE_MFA: 'true' } })
    const user = await createUser(db, services)
    const agent = new Agent(app)
    const res = await agent.submit(paths.signIn, { email: user.email, password: user.password })
    assert.equal(res.headers.location, paths.account.securityCodeSetUp)
    assert.equal((await agent.get(paths.home)).statusCode, 303, 'not signed in until set up')
    const page = await agent.get(paths.account.securityCodeSetUp)
    const secret = /data-testid="totp-secret">([A-Z2-7]+)</.exec(page.body)![1]!
    const done = await agent.post(paths.account.securityCodeSetUp, { code: await generate({ secret }) })
    assert.equal(done.statusCode, 200)
    assert.equal((await agent.get(paths.home)).statusCode, 200)
  })

  it('locks after 5 wrong security codes', async (t) => {
    const { app, user } = await enrol(t)
    const agent = new Agent(app)
    await agent.submit(paths.signIn, { email: user.email, password: user.password })
    const bodies: string[] = []
    for (let i = 0; i < 5; i++)
      bodies.push((await agent.submit(paths.signInSecurityCode, { code: '000000' })).body)
    assert.match(bodies.at(-1) ?? '', new RegExp(LOCKED))
    const retry = await agent.get(paths.signInSecurityCode)
    assert.equal(retry.headers.location, paths.signIn)
  })
})
