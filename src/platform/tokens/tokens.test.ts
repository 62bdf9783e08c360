import assert from 'node:assert/strict'
import { beforeEach, describe, it } from 'node:test'
import { cli, cliEnvironment } from '../../../test/helpers/cli.ts'
import { ownerQuery } from '../../../test/helpers/database.ts'
import type { SurfaceApp } from '../surfaces.ts'
import { build } from '../../../test/helpers/build.ts'
import { adminOf, createUser, TEST_REQUEST } from '../../../test/helpers/sign-in.ts'
import { ValidationError } from '../errors.ts'
import { paths } from '../paths.ts'
import { PERSON_ACCOUNT_REFUSAL } from './token-service.ts'

const bearer = (token: string) => ({ authorization: `Bearer ${token}` })

describe('API tokens and /api/v1/me', () => {
  beforeEach(() => cliEnvironment())

  it('a token made with the CLI acts for its account on /api/v1/me, narrowed to its scopes; only its hash is stored', async (t) => {
    const { app, db, services } = await build(t)
    cliEnvironment(db)
    const account = await createUser(db, services, { roles: ['police-intelligence'], serviceAccount: true })
    const made = await cli([
      'tokens',
      'create',
      '--user',
      account.email,
      '--scopes',
      'person:read,intelligence:read',
      '--name',
      'force system',
    ])
    assert.equal(made.code, 0, made.err)
    const token = made.out.trim()
    assert.match(token, /^omt_[A-Za-z0-9_-]{43}$/)
    assert.match(made.err, /Store it now/)

    const me = await app.inject({ url: paths.api.me(), headers: bearer(token) })
    assert.equal(me.statusCode, 200, me.body)
    const body = me.json<{ id: string; roles: string[]; capabilities: string[]; scopes: string[] }>()
    assert.equal(body.id, account.id)
    assert.deepEqual(body.roles, ['police-intelligence'])
    assert.deepEqual(body.capabilities, ['intelligence:read', 'person:read'])
    assert.deepEqual(body.scopes, ['person:read', 'intelligence:read'])

    const stored = await ownerQuery<{ token_hash: string }>(db.ownerUrl, 'SELECT token_hash FROM api_token')
    assert.equal(stored.length, 1)
    assert.notEqual(stored[0]!.token_hash, token)
    assert.ok(!JSON.stringify(stored).includes(token.slice(4)), 'the secret is not in the table')
    const listed = await cli(['tokens', 'list'])
    assert.match(listed.out, /active .* person:read,intelligence:read {2}force system$/m)
    assert.doesNotMatch(listed.out, new RegExp(token.slice(12)))
    const created = await ownerQuery<{
      actor_id: string | null
      actor_role: string | null
      record_id: string
      details: Record<string, unknown>
    }>(
      db.ownerUrl,
      "SELECT actor_id, actor_role, record_id, details FROM audit_event WHERE action = 'token.create'",
    )
    assert.equal(created.length, 1)
    assert.equal(created[0]!.actor_id, null)
    assert.equal(created[0]!.actor_role, 'system')
    assert.equal(created[0]!.details.via, 'cli')
    assert.ok(!JSON.stringify(created).includes(token.slice(4)), 'the secret is not in the audit trail')

    const id = created[0]!.record_id
    const revoked = await cli(['tokens', 'revoke', id])
    assert.equal(revoked.code, 0, revoked.err)
    assert.match((await cli(['tokens', 'list'])).out, new RegExp(`^${id} .* revoked `, 'm'))
    const again = await cli(['tokens', 'revoke', id])
    assert.equal(again.code, 1)
    assert.match(again.err, /No active token has that id/)
    const audited = await ownerQuery<{ actor_id: string | null; actor_role: string; record_id: string }>(
      db.ownerUrl,
      "SELECT actor_id, actor_role, record_id FROM audit_event WHERE action = 'token.revoke'",
    )
    assert.deepEqual(audited, [{ actor_id: null, actor_role: 'system', record_id: id }])
    assert.equal((await app.inject({ url: paths.api.me(), headers: bearer(token) })).statusCode, 401)
  })

  it('refuses missing, malformed, unknown, revoked, expired and disabled-account tokens with 401, auditing each', async (t) => {
    const { app, db, services } = await build(t)
    cliEnvironment(db)
    const account = await createUser(db, services, { roles: ['social-worker'], serviceAccount: true })
    const create = async () =>
      (
        await cli(['tokens', 'create', '--user', account.email, '--scopes', 'person:read', '--name', 'n'])
      ).out.trim()
    const refused = async (headers: Record<string, string>) => {
      const res = await app.inject({ url: paths.api.me(), headers })
      assert.equal(res.statusCode, 401, JSON.stringify(headers))
      assert.match(res.headers['content-type'] as string, /^application\/problem\+json/)
      assert.match(res.headers['www-authenticate'] as string, /^Bearer /)
      assert.equal(res.json<{ title: string }>().title, 'Unauthorized')
    }
    await refused({})
    await refused({ authorization: 'Bearer not-a-token' })
    await refused({ authorization: 'Basic dXNlcjpwYXNz' })
    await refused({ authorization: 'Bearer' })
    await refused({ authorization: 'Bearer ' })
    await refused({ authorization: '' })
    await refused({ authorization: `Bearer omt_${'A'.repeat(43)} extra` })
    await refused({ authorization: `Bearer ${'x'.repeat(8000)}` })
    await refused({ authorization: 'Bearer omt_ÿÿÿ' })
    await refused(bearer(`omt_${'A'.repeat(43)}`))

    const revoked = await create()
    const [row] = await ownerQuery<{ id: string }>(
      db.ownerUrl,
      'SELECT id FROM api_token ORDER BY created_at DESC LIMIT 1',
    )
    assert.equal((await cli(['tokens', 'revoke', row!.id])).code, 0)
    await refused(bearer(revoked))

    const expired = await create()
    await ownerQuery(
      db.ownerUrl,
      "UPDATE api_token SET expires_at = now() - interval '1 second' WHERE revoked_at IS NULL",
    )
    await refused(bearer(expired))

    const live = await create()
    assert.equal((await app.inject({ url: paths.api.me(), headers: bearer(live) })).statusCode, 200)
    await services.adminUsers.disable(adminOf(account), account.id, TEST_REQUEST)
    await refused(bearer(live))

    const reasons = await ownerQuery<{ reason: string }>(
      db.ownerUrl,
      "SELECT reason FROM audit_event WHERE action = 'auth.token-failed' ORDER BY id",
    )
    assert.deepEqual(
      reasons.map((r) => r.reason),
      [...Array<string>(8).fill('malformed'), 'unknown', 'revoked', 'expired', 'user-disabled'],
    )
  })

  it('answers 403 when the token lacks the scope a route needs, even if the role has it', async (t) => {
    const probe = async (api: SurfaceApp) => {
      api.get(
        `${paths.api.me.pattern}/intelligence-probe`,
        { config: { access: { capability: 'intelligence:read' } } },
        async () => ({ ok: true }),
      )
    }
    const { app, db, services } = await build(t, { routes: [{ api: probe }] })
    cliEnvironment(db)
    const account = await createUser(db, services, { roles: ['police-intelligence'], serviceAccount: true })
    const narrow = (
      await cli(['tokens', 'create', '--user', account.email, '--scopes', 'person:read', '--name', 'narrow'])
    ).out.trim()
    const wide = (
      await cli([
        'tokens',
        'create',
        '--user',
        account.email,
        '--scopes',
        'intelligence:read',
        '--name',
        'wide',
      ])
    ).out.trim()
    const denied = await app.inject({ url: `${paths.api.me()}/intelligence-probe`, headers: bearer(narrow) })
    assert.equal(denied.statusCode, 403)
    assert.match(denied.headers['content-type'] as string, /^application\/problem\+json/)
    assert.match(denied.json<{ detail: string }>().detail, /needs the intelligence:read scope/)
    const anonymous = await app.inject({ url: `${paths.api.me()}/intelligence-probe` })
    assert.equal(anonymous.statusCode, 401)
    assert.match(anonymous.headers['www-authenticate'] as string, /^Bearer /)
    assert.equal(
      (await app.inject({ url: `${paths.api.me()}/intelligence-probe`, headers: bearer(wide) })).statusCode,
      200,
    )
    const audited = await ownerQuery(db.ownerUrl, "SELECT 1 FROM audit_event WHERE action = 'access.denied'")
    assert.equal(audited.length, 1)
  })

  it('the token service refuses a person’s account, for the CLI and the page alike', async (t) => {
    const { db, services } = await build(t)
    const person = await createUser(db, services, { roles: ['practitioner'] })
    await assert.rejects(
      services.tokens.create(
        { userEmail: person.email, name: 'x', scopes: ['person:read'], days: 1 },
        { by: 'system', via: 'cli', requestId: 'test', ip: '127.0.0.1' },
      ),
      (error: unknown) => {
        assert.ok(error instanceof ValidationError)
        assert.deepEqual(error.fieldErrors, [{ field: 'user', message: PERSON_ACCOUNT_REFUSAL }])
        return true
      },
    )
    // Another partnership's person is simply not found (the page must not learn what kind of account it is).
    const stranger = await createUser(db, services, { roles: ['practitioner'] })
    await assert.rejects(
      services.tokens.create(
        {
          userEmail: stranger.email,
          name: 'x',
          scopes: ['person:read'],
          days: 1,
          partnershipId: person.partnershipId,
        },
        { by: 'system', via: 'web', requestId: 'test', ip: '127.0.0.1' },
      ),
      /No active account has that email address/,
    )
    assert.equal((await ownerQuery(db.ownerUrl, 'SELECT 1 FROM api_token')).length, 0)
  })

  it('the CLI refuses unknown scopes, scopes beyond the roles, unknown accounts and bad expiry, creating nothing', async (t) => {
    const { db, services } = await build(t)
    cliEnvironment(db)
    const account = await createUser(db, services, { roles: ['practitioner'], serviceAccount: true })
    const attempt = (args: string[]) => cli(['tokens', 'create', '--name', 'x', ...args])
    const cases: Array<[string[], RegExp]> = [
      [['--user', account.email, '--scopes', 'root'], /Unknown scopes: root/],
      [['--user', account.email, '--scopes', 'intelligence:read'], /roles do not grant: intelligence:read/],
      [
        ['--user', 'nobody@test.example', '--scopes', 'person:search'],
        /No active account has that email address/,
      ],
      [
        ['--user', account.email, '--scopes', 'person:search', '--days', '0'],
        /Days must be a whole number from 1 to 365/,
      ],
      [['--user', account.email, '--scopes', ','], /Give at least one scope/],
    ]
    for (const [args, message] of cases) {
      const result = await attempt(args)
      assert.equal(result.code, 1, args.join(' '))
      assert.match(result.err, message)
    }
    assert.equal((await cli(['tokens', 'revoke', 'abc'])).code, 1)
    assert.equal((await ownerQuery(db.ownerUrl, 'SELECT 1 FROM api_token')).length, 0)
  })
})
