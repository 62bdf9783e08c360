import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ownerQuery } from '../../../test/helpers/database.ts'
import type { SurfaceApp } from '../../platform/surfaces.ts'
import { build } from '../../../test/helpers/build.ts'
import { adminOf, createUser, signIn, TEST_REQUEST } from '../../../test/helpers/sign-in.ts'
import { personToken } from '../../../test/helpers/tokens.ts'
import { paths } from '../../platform/paths.ts'
import { cliOperator } from '../../platform/tokens/token-service.ts'

interface Me {
  id: string
  displayName: string
  email: string
  partnership: { id: string; name: string }
  agency: { id: string; name: string }
  team: { id: string; name: string } | null
  roles: string[]
  capabilities: string[]
  scopes: string[] | null
  authenticatedWith: 'token' | 'session'
  tokenExpiresAt: string | null
}

describe('GET /api/v1/me', () => {
  it('describes the token’s account by name, with capabilities narrowed to its scopes and its expiry', async (t) => {
    const { app, db, services } = await build(t)
    const account = await createUser(db, services, { roles: ['police-intelligence'], serviceAccount: true })
    const created = await services.tokens.create(
      { userEmail: account.email, name: 'force system', scopes: ['intelligence:read'], days: 30 },
      cliOperator(),
    )
    const res = await app.inject({
      url: paths.api.me(),
      headers: { authorization: `Bearer ${created.token}` },
    })
    assert.equal(res.statusCode, 200, res.body)
    assert.match(res.headers['content-type'] as string, /^application\/json/)
    const me = res.json<Me>()
    const [names] = await ownerQuery<{ partnership: string; agency: string }>(
      db.ownerUrl,
      `SELECT p.name AS partnership, a.name AS agency FROM app_user u
         JOIN partnership p ON p.id = u.partnership_id JOIN agency a ON a.id = u.agency_id WHERE u.id = $1`,
      [account.id],
    )
    assert.deepEqual(me, {
      id: account.id,
      displayName: account.displayName,
      email: account.email,
      partnership: { id: account.partnershipId, name: names!.partnership },
      agency: { id: account.agencyId, name: names!.agency },
      team: null,
      roles: ['police-intelligence'],
      capabilities: ['intelligence:read'],
      scopes: ['intelligence:read'],
      authenticatedWith: 'token',
      tokenExpiresAt: me.tokenExpiresAt,
    })
    const days = (Date.parse(me.tokenExpiresAt ?? '') - Date.now()) / 86_400_000
    assert.ok(days > 29.9 && days <= 30, `expires in 30 days, not ${days}`)
  })

  it('answers a signed-in session too, with every capability of its roles and no scopes', async (t) => {
    const probe = async (api: SurfaceApp) => {
      api.post(`${paths.api.me.pattern}/write-probe`, { config: { access: 'signed-in' } }, async () => ({
        ok: true,
      }))
    }
    const { app, db, services } = await build(t, { routes: [{ api: probe }] })
    const account = await createUser(db, services, { roles: ['police-intelligence'] })
    const agent = await signIn(app, account)
    const res = await agent.get(paths.api.me())
    assert.equal(res.statusCode, 200, res.body)
    const me = res.json<Me>()
    assert.equal(me.id, account.id)
    assert.equal(me.authenticatedWith, 'session')
    assert.equal(me.scopes, null)
    assert.equal(me.tokenExpiresAt, null)
    assert.ok(me.capabilities.includes('intelligence:read') && me.capabilities.includes('person:read'))

    // A session only reads: writing through the API with a cookie would need CSRF protection.
    const write = await agent.request({ method: 'POST', url: `${paths.api.me()}/write-probe`, payload: {} })
    assert.equal(write.statusCode, 401)

    // A session never widens a token: with an Authorization header, the token alone decides.
    const narrow = await personToken(db, account.email, ['person:read'])
    const both = await agent.request({
      url: paths.api.me(),
      headers: { authorization: `Bearer ${narrow.token}` },
    })
    assert.deepEqual(both.json<Me>().capabilities, ['person:read'])
    const badToken = await agent.request({ url: paths.api.me(), headers: { authorization: 'Bearer nope' } })
    assert.equal(badToken.statusCode, 401)

    // Without the session cookie or a token: 401.
    const anonymous = await app.inject({ url: paths.api.me() })
    assert.equal(anonymous.statusCode, 401)
    assert.match(anonymous.headers['content-type'] as string, /^application\/problem\+json/)
    assert.match(anonymous.headers['www-authenticate'] as string, /^Bearer /)

    // A tampered cookie, and then the session of a disabled account: 401.
    const tampered = await app.inject({
      url: paths.api.me(),
      cookies: { '__Host-openmace-session': 'forged.value' },
    })
    assert.equal(tampered.statusCode, 401)
    await services.adminUsers.disable(adminOf(account), account.id, TEST_REQUEST)
    assert.equal((await agent.get(paths.api.me())).statusCode, 401)
  })

  it('refuses an unauthenticated call with 401 before validating its body (no 400 that reveals the schema)', async (t) => {
    const probe = async (api: SurfaceApp) => {
      api.post(
        `${paths.api.me.pattern}/validated-probe`,
        {
          config: { access: { capability: 'person:read' } },
          schema: { body: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } } },
        },
        async () => ({ ok: true }),
      )
    }
    const { app } = await build(t, { routes: [{ api: probe }] })
    const res = await app.inject({
      method: 'POST',
      url: `${paths.api.me()}/validated-probe`,
      headers: { authorization: 'Bearer wrong' },
      payload: { nope: 1 },
    })
    assert.equal(res.statusCode, 401)
    assert.match(res.headers['content-type'] as string, /^application\/problem\+json/)
  })

  it('a bearer token does not sign anyone in to the pages', async (t) => {
    const { app, db, services } = await build(t)
    const account = await createUser(db, services, { roles: ['dsl'], serviceAccount: true })
    const { token } = await services.tokens.create(
      { userEmail: account.email, name: 'n', scopes: ['person:read'], days: 1 },
      cliOperator(),
    )
    const home = await app.inject({ url: paths.home, headers: { authorization: `Bearer ${token}` } })
    assert.equal(home.statusCode, 303)
    assert.equal(home.headers.location, paths.signIn)
  })

  it('is in the OpenAPI document under the identity tag, with its response schema and bearer security', async (t) => {
    const { app } = await build(t)
    const doc = (await app.inject(paths.api.openapi())).json<{
      paths: Record<
        string,
        { get?: { tags: string[]; security: unknown; responses: Record<string, unknown> } }
      >
    }>()
    const me = doc.paths[paths.api.me()]?.get
    assert.ok(me)
    assert.deepEqual(me.tags, ['identity'])
    assert.deepEqual(me.security, [{ bearer: [] }])
    assert.ok(me.responses['200'] && me.responses['401'])
  })
})
