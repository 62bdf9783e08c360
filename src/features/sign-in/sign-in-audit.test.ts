import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { generate } from 'otplib'
import { ownerQuery } from '../../../test/helpers/database.ts'
import { auditTrail } from '../../../test/helpers/audit.ts'
import { build } from '../../../test/helpers/build.ts'
import {
  adminOf,
  Agent,
  createUser,
  signIn,
  TEST_REQUEST,
  appWithUser,
} from '../../../test/helpers/sign-in.ts'
import { paths } from '../../platform/paths.ts'

describe('sign-in security events are in the audit trail', () => {
  it('records failed sign-ins (known and unknown emails alike), a lockout, a sign-in and a sign-out', async (t) => {
    const { app, db, services, user } = await appWithUser(t)
    const agent = new Agent(app)
    await agent.get(paths.signIn)
    await agent.post(paths.signIn, {
      email: 'nobody@northshire.example',
      password: 'not the password at all',
    })
    for (let i = 0; i < 5; i++) {
      await agent.get(paths.signIn)
      await agent.post(paths.signIn, { email: user.email, password: 'not the password at all' })
    }
    const rows = await auditTrail(db.ownerUrl)
    assert.equal(rows.length, 6)
    assert.deepEqual(
      rows.map((r) => [r.action, r.outcome, r.reason]),
      [
        ['auth.sign-in-failed', 'failed', 'invalid'],
        ['auth.sign-in-failed', 'failed', 'invalid'],
        ['auth.sign-in-failed', 'failed', 'invalid'],
        ['auth.sign-in-failed', 'failed', 'invalid'],
        ['auth.sign-in-failed', 'failed', 'invalid'],
        ['auth.sign-in-failed', 'failed', 'locked'],
      ],
    )
    assert.equal(rows[0]!.actor_id, null, 'an unknown email has no actor')
    assert.equal(rows[0]!.details.knownAccount, false)
    assert.equal(rows[1]!.actor_id, user.id)
    assert.match(rows[1]!.request_id ?? '', /^[0-9a-f-]{36}$/)
    assert.ok(rows[1]!.ip, 'the client address is recorded')
    assert.ok(!JSON.stringify(rows).includes('nobody@'), 'no email address in the audit trail')

    const other = await createUser(db, services)
    const signedIn = await signIn(app, other)
    await signedIn.get(paths.home) // the sign-out form's CSRF token
    assert.equal((await signedIn.post(paths.signOut, {})).statusCode, 303)
    const latest = (await auditTrail(db.ownerUrl)).slice(-2)
    assert.deepEqual(
      latest.map((r) => [r.action, r.outcome, r.actor_id, r.details.method ?? null]),
      [
        ['auth.sign-in', 'succeeded', other.id, 'password'],
        ['auth.sign-out', 'succeeded', other.id, null],
      ],
    )
    assert.ok(latest[0]!.partnership_id, 'the partnership is recorded')
  })

  it('records enrolment of a security code and sign-in with one; disabling a user records the sessions ended', async (t) => {
    const { app, db, services, user } = await appWithUser(t)
    const agent = await signIn(app, user)
    const setUp = await agent.get(paths.account.securityCodeSetUp)
    const secret = /data-testid="totp-secret">([A-Z2-7]+)</.exec(setUp.body)?.[1]
    assert.ok(secret)
    await agent.post(paths.account.securityCodeSetUp, { code: await generate({ secret }) })
    const second = new Agent(app)
    await second.submit(paths.signIn, { email: user.email, password: user.password })
    await second.submit(paths.signInSecurityCode, {
      code: await generate({ secret, epoch: Math.floor(Date.now() / 1000) + 30 }),
    })
    const ended = await services.adminUsers.disable(adminOf(user), user.id, TEST_REQUEST)
    assert.ok(ended >= 1)
    const rows = await auditTrail(db.ownerUrl)
    assert.deepEqual(
      rows.map((r) => [r.action, r.details.method ?? r.details.change ?? null]),
      [
        ['auth.sign-in', 'password'],
        ['auth.mfa-enrolled', null],
        ['auth.sign-in', 'totp'],
        ['admin.user-change', 'disabled'],
      ],
    )
    assert.equal(rows.at(-1)!.details.sessionsEnded, ended)
  })

  it('an audit row is written in the same transaction: a sign-in that fails to record leaves no partial state', async (t) => {
    const { db, services } = await build(t)
    const user = await createUser(db, services)
    // A request context with an address the audit writer refuses makes the audit write, and so the check, fail.
    await assert.rejects(
      services.auth.checkPassword(user.email, 'not the password at all', {
        requestId: 'r-1',
        ip: 'not-an-ip',
      }),
      /not an IP address/,
    )
    const [row] = await ownerQuery<{ failed_attempts: number }>(
      db.ownerUrl,
      'SELECT failed_attempts FROM app_user WHERE id = $1',
      [user.id],
    )
    assert.equal(row!.failed_attempts, 0, 'the failure count rolled back with the audit row')
    assert.equal((await auditTrail(db.ownerUrl)).length, 0)
  })
})
