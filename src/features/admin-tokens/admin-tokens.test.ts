import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  adminSignedIn,
  errorSummary,
  fieldError,
  inputValue,
  postPairs,
  postWithoutCsrf,
} from '../../../test/helpers/admin.ts'
import { deniedReasons } from '../../../test/helpers/audit.ts'
import { ownerQuery } from '../../../test/helpers/database.ts'
import { createUser, signIn, type Agent } from '../../../test/helpers/sign-in.ts'
import { paths } from '../../platform/paths.ts'
import { PERSON_ACCOUNT_REFUSAL } from '../../platform/tokens/token-service.ts'

const setUp = adminSignedIn

/** A service account made through the accounts page; returns its id. */
async function serviceAccount(
  agent: Agent,
  ownerUrl: string,
  agencyId: string,
  roles: string[],
): Promise<string> {
  await agent.get(paths.admin.userNew)
  const email = `svc.${roles.join('.')}.${Date.now()}@test.example`
  const made = await postPairs(agent, paths.admin.userNew, [
    ['kind', 'service'],
    ['displayName', 'Force records system'],
    ['email', email],
    ['agency', agencyId],
    ...roles.map((r): [string, string] => ['roles', r]),
  ])
  assert.equal(made.statusCode, 303)
  const [row] = await ownerQuery<{ id: string }>(ownerUrl, 'SELECT id FROM app_user WHERE email = $1', [
    email,
  ])
  return row!.id
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` })

describe('API tokens page, for the system administrator', () => {
  it('creates a token for a service account with scopes its roles allow; it works on /api/v1/me until revoked', async (t) => {
    const { app, db, agent, admin } = await setUp(t)
    const empty = await agent.get(paths.admin.tokens)
    assert.equal(empty.statusCode, 200)
    assert.match(empty.body, /There are no API tokens yet/)
    assert.match(empty.body, /create a service account/)
    const accountId = await serviceAccount(agent, db.ownerUrl, admin.agencyId, ['police-intelligence'])

    const choose = await agent.get(paths.admin.tokenNew)
    assert.match(choose.body, new RegExp(`<option value="${accountId}"`))
    const form = await agent.get(`${paths.admin.tokenNew}?user=${accountId}`)
    assert.equal(form.statusCode, 200)
    assert.match(form.body, /value="intelligence:read"/, 'a scope the role grants')
    assert.doesNotMatch(form.body, /value="audit:read"/, 'no scope beyond the role')
    const made = await postPairs(agent, paths.admin.tokenNew, [
      ['user', accountId],
      ['name', 'Force records system'],
      ['scopes', 'person:read'],
      ['scopes', 'intelligence:read'],
      ['days', '30'],
    ])
    assert.equal(made.statusCode, 200)
    const token = /data-testid="token-secret">([^<]+)</.exec(made.body)?.[1]
    assert.ok(token)
    assert.match(token, /^omt_[A-Za-z0-9_-]{43}$/)

    const me = await app.inject({ url: paths.api.me(), headers: bearer(token) })
    assert.equal(me.statusCode, 200, me.body)
    const body = me.json<{ id: string; scopes: string[] }>()
    assert.equal(body.id, accountId)
    assert.deepEqual(body.scopes, ['person:read', 'intelligence:read'])

    const list = await agent.get(paths.admin.tokens)
    const table = /data-testid="tokens"[\s\S]*?<\/table>/.exec(list.body)?.[0] ?? ''
    assert.match(table, /Force records system[\s\S]*person:read, intelligence:read[\s\S]*Active/)
    assert.match(table, new RegExp(`<code>${token.slice(0, 12)}…</code>`), 'the prefix only')
    assert.ok(!list.body.includes(token.slice(12)), 'never the secret')
    const [created] = await ownerQuery<{
      actor_id: string
      record_id: string
      details: Record<string, unknown>
    }>(db.ownerUrl, "SELECT actor_id, record_id, details FROM audit_event WHERE action = 'token.create'")
    assert.equal(created!.actor_id, admin.id)
    assert.equal(created!.details.via, 'web')
    assert.ok(!JSON.stringify(created).includes(token.slice(4)))

    const confirm = await agent.get(paths.admin.tokenRevoke(created!.record_id))
    assert.equal(confirm.statusCode, 200)
    assert.match(confirm.body, /Revoke Force records system\?/)
    assert.equal((await agent.post(paths.admin.tokenRevoke(created!.record_id), {})).statusCode, 303)
    assert.equal((await app.inject({ url: paths.api.me(), headers: bearer(token) })).statusCode, 401)
    assert.match((await agent.get(paths.admin.tokens)).body, /Revoked/)
    const [revoked] = await ownerQuery<{ actor_id: string }>(
      db.ownerUrl,
      "SELECT actor_id FROM audit_event WHERE action = 'token.revoke' AND record_id = $1",
      [created!.record_id],
    )
    assert.equal(revoked!.actor_id, admin.id)
  })

  it('refuses bad input field by field, keeping it and creating nothing', async (t) => {
    const { db, services, agent, admin } = await setUp(t)
    const accountId = await serviceAccount(agent, db.ownerUrl, admin.agencyId, ['social-worker'])
    const person = await createUser(db, services, { roles: ['social-worker'], partnershipOf: admin })
    const outsider = await createUser(db, services, { roles: ['social-worker'] })
    await agent.get(`${paths.admin.tokenNew}?user=${accountId}`)
    const empty = await postPairs(agent, paths.admin.tokenNew, [
      ['user', accountId],
      ['days', ''],
    ])
    assert.equal(empty.statusCode, 400)
    assert.match(fieldError(empty.body, 'name'), /Enter a name/)
    assert.match(fieldError(empty.body, 'scopes'), /Choose at least one scope/)
    assert.match(fieldError(empty.body, 'days'), /Enter how many days/)
    const bad = await postPairs(agent, paths.admin.tokenNew, [
      ['user', accountId],
      ['name', 'n'.repeat(101)],
      ['scopes', 'audit:read'],
      ['days', '366'],
    ])
    assert.equal(bad.statusCode, 400)
    assert.match(fieldError(bad.body, 'name'), /100 characters or fewer/)
    assert.match(fieldError(bad.body, 'scopes'), /roles allow only those/)
    assert.match(fieldError(bad.body, 'days'), /from 1 to 365/)
    assert.equal(inputValue(bad.body, 'days'), '366', 'input kept')
    const post = (user: string) =>
      postPairs(agent, paths.admin.tokenNew, [
        ['user', user],
        ['name', 'x'],
        ['scopes', 'person:read'],
        ['days', '10'],
      ])
    for (const user of [outsider.id, 'not-a-uuid']) {
      const wrong = await post(user)
      assert.equal(wrong.statusCode, 400, user)
      assert.match(errorSummary(wrong.body), /Choose an active service account/)
    }
    // A person's account of the partnership: the token service's own refusal, the CLI's words.
    const personal = await post(person.id)
    assert.equal(personal.statusCode, 400)
    assert.ok(errorSummary(personal.body).includes(PERSON_ACCOUNT_REFUSAL), errorSummary(personal.body))
    assert.equal((await agent.get(`${paths.admin.tokenNew}?user=${person.id}`)).statusCode, 400)
    const tokens = await ownerQuery(db.ownerUrl, 'SELECT 1 FROM api_token')
    assert.equal(tokens.length, 0)
  })

  it('refuses forms without the CSRF token, another partnership’s token, and other roles (403, audited)', async (t) => {
    const { app, db, services, agent, admin } = await setUp(t)
    const accountId = await serviceAccount(agent, db.ownerUrl, admin.agencyId, ['dpo'])
    await agent.get(`${paths.admin.tokenNew}?user=${accountId}`)
    /** The new-token form for the service account, filled in with one scope. */
    const tokenForm = (name: string) => ({ user: accountId, name, scopes: 'audit:read', days: '10' })
    const forged = await postWithoutCsrf(agent, paths.admin.tokenNew, tokenForm('forged'))
    assert.equal(forged.statusCode, 403)
    assert.equal((await ownerQuery(db.ownerUrl, 'SELECT 1 FROM api_token')).length, 0)

    // A token in another partnership, made by the CLI's service: invisible and unrevocable from this page.
    const elsewhere = await createUser(db, services, { roles: ['dpo'], serviceAccount: true })
    const theirs = await services.tokens.create(
      { userEmail: elsewhere.email, name: 'theirs', scopes: ['audit:read'], days: 5 },
      { by: 'system', via: 'cli', requestId: 'test', ip: '127.0.0.1' },
    )
    assert.doesNotMatch((await agent.get(paths.admin.tokens)).body, /theirs/)
    assert.equal((await agent.get(paths.admin.tokenRevoke(theirs.id))).statusCode, 404)
    await agent.get(paths.admin.tokens)
    assert.equal((await agent.post(paths.admin.tokenRevoke(theirs.id), {})).statusCode, 404)
    assert.equal((await app.inject({ url: paths.api.me(), headers: bearer(theirs.token) })).statusCode, 200)

    const dpo = await createUser(db, services, { roles: ['dpo'], partnershipOf: admin })
    const other = await signIn(app, dpo)
    assert.equal((await other.get(paths.admin.tokens)).statusCode, 403)
    assert.equal((await other.get(paths.admin.tokenNew)).statusCode, 403)
    await other.get(paths.home)
    const refused = await other.post(paths.admin.tokenNew, tokenForm('sneaky'))
    assert.equal(refused.statusCode, 403)
    assert.equal((await ownerQuery(db.ownerUrl, "SELECT 1 FROM api_token WHERE name = 'sneaky'")).length, 0)
    const denials = await deniedReasons(db.ownerUrl, dpo.id)
    assert.equal(denials.length, 3)
    assert.ok(denials.every((reason) => reason === 'missing capability token:manage'))
  })
})
