/**
 * Input the database cannot store is refused before it gets there: control characters in any string of a
 * request (src/platform/input-hygiene.ts) and numbers past a PostgreSQL integer (src/platform/integer-bounds.ts)
 * answer 400 naming the field, and a page form's version that cannot be a row's answers as a stale form (409).
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { paths } from '../../src/platform/paths.ts'
import { countRows, createBreakGlassGrant, createPerson } from '../factories/person-factory.ts'
import { bearer, createLocation } from '../factories/pole-factory.ts'
import { inputValue } from '../helpers/admin.ts'
import { build, type TestCtx } from '../helpers/build.ts'
import { headingText } from '../helpers/html.ts'
import { createUser, signIn } from '../helpers/sign-in.ts'

async function world(t: TestCtx) {
  const built = await build(t)
  const worker = await createUser(built.db, built.services, { roles: ['social-worker', 'front-door'] })
  const child = await createPerson(built.db.database, worker.partnershipId, { allocatedWorkerId: worker.id })
  const headers = await bearer(built.db, worker.email, ['person:read', 'person:write', 'person:search'])
  return { ...built, worker, child, headers }
}

const problem = (res: { headers: Record<string, unknown>; json: () => unknown }) => {
  assert.match(String(res.headers['content-type']), /^application\/problem\+json/)
  return res.json() as { status: number; detail: string; errors?: Array<{ field: string; message: string }> }
}

describe('control characters', () => {
  it('an API create with "a\\u0000b" answers 400 problem+json naming the field, and writes nothing', async (t) => {
    const w = await world(t)
    const before = await countRows(w.db.ownerUrl, 'person')
    const audits = await countRows(w.db.ownerUrl, 'audit_event')
    const res = await w.app.inject({
      method: 'POST',
      url: paths.api.people(),
      headers: w.headers,
      payload: { kind: 'child', givenName: 'a\u0000b', dateOfBirth: '2012-04-01', familyName: 'ok\u001b' },
    })
    assert.equal(res.statusCode, 400, res.body)
    const body = problem(res)
    assert.equal(body.status, 400)
    assert.deepEqual(
      body.errors?.map((e) => e.field),
      ['/body/givenName', '/body/familyName'],
    )
    const [first] = body.errors ?? []
    assert.match(first?.message ?? '', /must not contain control characters \(found U\+0000\)/)
    assert.match(body.detail, /\/body\/givenName must not contain control characters/)
    assert.equal(await countRows(w.db.ownerUrl, 'person'), before, 'no person written')
    assert.equal(await countRows(w.db.ownerUrl, 'audit_event'), audits, 'not audited: not a security event')
  })

  it('refuses them in the querystring and path too, and lets tab, newline and other Unicode through', async (t) => {
    const w = await world(t)
    const search = await w.app.inject({ url: `${paths.api.search()}?name=a%00b`, headers: w.headers })
    assert.equal(search.statusCode, 400)
    assert.deepEqual(
      problem(search).errors?.map((e) => e.field),
      ['/querystring/name'],
    )
    const del = await w.app.inject({ url: `${paths.api.search()}?name=a%7Fb`, headers: w.headers })
    assert.equal(del.statusCode, 400, 'U+007F too')
    const param = await w.app.inject({ url: `${paths.api.people()}/%00`, headers: w.headers })
    assert.equal(param.statusCode, 400)
    assert.deepEqual(
      problem(param).errors?.map((e) => e.field),
      ['/params/id'],
    )
    const fine = await w.app.inject({
      method: 'PATCH',
      url: paths.api.person(w.child.id),
      headers: w.headers,
      payload: { version: 1, disability: 'Line one\r\n\tLine two – Zoë 😀' },
    })
    assert.equal(fine.statusCode, 200, fine.body)
  })

  it('a page form with one answers the GOV.UK error page naming the field, and writes nothing', async (t) => {
    const w = await world(t)
    const agent = await signIn(w.app, w.worker)
    const before = await countRows(w.db.ownerUrl, 'person')
    await agent.get(paths.people.new)
    const res = await agent.post(paths.people.new, {
      kind: 'child',
      givenName: 'Jo\u0000rdan',
      'dateOfBirth-day': '1',
      'dateOfBirth-month': '4',
      'dateOfBirth-year': '2012',
    })
    assert.equal(res.statusCode, 400)
    assert.match(String(res.headers['content-type']), /^text\/html/)
    assert.equal(headingText(res.body), 'There is a problem')
    assert.match(res.body, /The givenName field must not contain control characters \(it has U\+0000\)/)
    assert.equal(await countRows(w.db.ownerUrl, 'person'), before)
  })
})

describe('numbers past a PostgreSQL integer', () => {
  it('the API refuses them with a 400 naming the field, before the database', async (t) => {
    const w = await world(t)
    // As sent: 2^53+1 is no JavaScript number, so each payload is written by hand.
    for (const version of ['2147483648', '9007199254740993', '1e308', '-2147483649']) {
      const res = await w.app.inject({
        method: 'PATCH',
        url: paths.api.person(w.child.id),
        headers: { ...w.headers, 'content-type': 'application/json' },
        payload: `{"version":${version},"givenName":"Renamed"}`,
      })
      assert.equal(res.statusCode, 400, `${version}: ${res.body}`)
      assert.deepEqual(
        problem(res).errors?.map((e) => e.field),
        ['/body/version'],
      )
    }
    const page = await w.app.inject({
      url: `${paths.api.referrals()}?page=2147483648`,
      headers: await bearer(w.db, w.worker.email, ['referral:read-own', 'referral:queue']),
    })
    assert.equal(page.statusCode, 400)
    assert.deepEqual(
      problem(page).errors?.map((e) => e.field),
      ['/querystring/page'],
    )
    const doc = (await w.app.inject(paths.api.openapi())).json<{
      paths: Record<string, Record<string, { requestBody: { content: Record<string, { schema: unknown }> } }>>
    }>()
    const patch = doc.paths['/api/v1/people/{id}']!.patch!.requestBody.content['application/json']!
      .schema as {
      properties: { version: { minimum: number; maximum: number } }
    }
    assert.deepEqual(
      { ...patch.properties.version, description: undefined, type: undefined },
      { minimum: -2_147_483_648, maximum: 2_147_483_647, description: undefined, type: undefined },
      'the OpenAPI document shows the bounds',
    )
  })

  it('a page form whose version cannot be a row’s answers as a stale form, not 500', async (t) => {
    const built = await build(t)
    const { app, db, services } = built
    const admin = await createUser(db, services, { roles: ['system-admin', 'social-worker', 'dpo'] })
    const holder = await createUser(db, services, { roles: ['social-worker'], partnershipOf: admin })
    const child = await createPerson(db.database, admin.partnershipId, { allocatedWorkerId: admin.id })
    // Recorded by the admin's agency, so theirs to read and change (places follow their readers' agency).
    const location = await createLocation(db.database, admin.partnershipId, { createdBy: admin.id })
    const grantId = await createBreakGlassGrant(db.database, db.ownerUrl, {
      partnershipId: admin.partnershipId,
      userId: holder.id,
      personId: child.id,
    })
    const agent = await signIn(app, admin)
    const forms: Array<{ page: string; post?: string; fields: Record<string, string> }> = [
      {
        page: paths.people.edit(child.id),
        fields: {
          kind: 'child',
          givenName: 'Renamed',
          familyName: child.familyName ?? '',
          'dateOfBirth-day': String(Number(child.dateOfBirth?.slice(8, 10))),
          'dateOfBirth-month': String(Number(child.dateOfBirth?.slice(5, 7))),
          'dateOfBirth-year': child.dateOfBirth?.slice(0, 4) ?? '',
          gender: child.gender ?? '',
        },
      },
      { page: paths.people.names(child.id), fields: { alias0Kind: 'alias', alias0Name: 'JJ' } },
      {
        page: paths.locations.edit(location.id),
        fields: { kind: 'address', addressLine1: '1 High Street', postcode: 'NS1 4AB' },
      },
      {
        page: paths.admin.agency(admin.agencyId),
        post: paths.admin.agencyRename(admin.agencyId),
        fields: { name: 'Renamed' },
      },
      { page: paths.admin.user(holder.id), post: paths.admin.userRoles(holder.id), fields: { roles: 'dsl' } },
      { page: paths.audit.breakGlassReview(grantId), fields: { outcome: 'justified', note: '' } },
    ]
    for (const form of forms) {
      // Each fits the forms' maxLength (12; a longer one is the schema's 400 page).
      for (const version of ['99999999999', '2147483648', '-2147483649', '1e308']) {
        const page = await agent.get(form.page)
        assert.equal(page.statusCode, 200, form.page)
        assert.ok(inputValue(page.body, 'version') !== undefined, `${form.page} has a version`)
        const res = await agent.post(form.post ?? form.page, { ...form.fields, version })
        assert.equal(res.statusCode, 409, `${form.post ?? form.page} with version ${version}`)
      }
    }
  })
})
