import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { decideSearchMatch, type Actor } from '../../platform/access/policy.ts'
import { ValidationError } from '../../platform/errors.ts'
import { redactUrl } from '../../platform/logger.ts'
import { paths } from '../../platform/paths.ts'
import { RATE_LIMITS } from '../../platform/rate-limits.ts'
import type { TestCtx } from '../../../test/helpers/build.ts'
import { ownerQuery } from '../../../test/helpers/database.ts'
import {
  assertPageRefusal,
  assertProblemRefusal,
  exhaustRateLimit,
} from '../../../test/helpers/rate-limit.ts'
import {
  createUser,
  csrfFrom,
  signIn,
  TEST_REQUEST,
  currentActor,
  signInAt,
} from '../../../test/helpers/sign-in.ts'
import { countRows, createPerson } from '../../../test/factories/person-factory.ts'
import { createTeamOf } from '../../../test/factories/team-factory.ts'
import {
  addAlias,
  createLocation,
  linkObject,
  livesAt,
  setIdentifiers,
} from '../../../test/factories/pole-links-factory.ts'
import { parseSearch, type SearchInput } from './search-input.ts'
import { dateInputs } from '../../../test/helpers/forms.ts'
import { staffWorld } from '../../../test/helpers/scenario.ts'

/**
 * Kieran Walsh (allocated to the worker's team) with a street name, a phone, a vehicle and a home; a second
 * Kieran Walsh allocated to someone else, sharing the phone and the postcode, whom the worker may not see.
 */
async function world(t: TestCtx) {
  const built = await staffWorld(t, {
    worker: ['social-worker'],
    stranger: ['social-worker'],
    practitioner: ['practitioner'],
  })
  const { db, worker, stranger, practitioner } = built
  const teamId = await createTeamOf(db, worker)
  const kieran = await createPerson(db.database, worker.partnershipId, {
    givenName: 'Kieran',
    familyName: 'Walsh',
    dateOfBirth: '2010-05-04',
    allocatedTeamId: teamId,
  })
  await setIdentifiers(db.ownerUrl, kieran.id, { upn: 'Z123456789012', laChildId: 'LA-77881' })
  const hidden = await createPerson(db.database, worker.partnershipId, {
    givenName: 'Kieran',
    familyName: 'Walsh',
    dateOfBirth: '2010-05-04',
    allocatedWorkerId: stranger.id,
  })
  const k = { id: kieran.id, partnershipId: worker.partnershipId }
  const h = { id: hidden.id, partnershipId: worker.partnershipId }
  await addAlias(db.ownerUrl, k, 'Kez')
  await linkObject(db.ownerUrl, k, 'phone', '+441134960123')
  await linkObject(db.ownerUrl, h, 'phone', '+441134960123')
  await linkObject(db.ownerUrl, k, 'vehicle', 'AB12CDE')
  const home = await createLocation(db.ownerUrl, worker.partnershipId, 'NS1 4AB')
  const other = await createLocation(db.ownerUrl, worker.partnershipId, 'NS1 4AB')
  await livesAt(db.ownerUrl, k, home)
  await livesAt(db.ownerUrl, h, other)
  return { ...built, worker, stranger, practitioner, teamId, kieran, hidden }
}

describe('search input', () => {
  it('is kept out of the request log: an API search URL is logged without its query', () => {
    assert.equal(redactUrl('/api/v1/search?name=kieran%20walsh&phone=0113'), '/api/v1/search?[REDACTED]')
    assert.equal(redactUrl('/api/v1/searching?x=1'), '/api/v1/searching?x=1')
  })

  it('asks for something to search by', () => {
    const result = parseSearch({ kind: 'child' })
    assert.ok('errors' in result)
    assert.match(result.errors[0]?.message ?? '', /Enter a name, date of birth/)
  })

  it('gives each bad criterion its own message', () => {
    const result = parseSearch({
      name: 'k',
      phone: 'not a phone',
      postcode: 'XX',
      vehicle: '!!',
      dobDay: '31',
      dobMonth: '2',
      dobYear: '2010',
      limit: '51',
    })
    assert.ok('errors' in result)
    assert.deepEqual(
      result.errors.map((e) => e.field),
      ['name', 'dateOfBirth', 'phone', 'vehicle', 'postcode', 'limit'],
    )
  })

  it('normalises phone, vehicle, postcode and NHS number to their stored forms', () => {
    const result = parseSearch({
      phone: '0113 496 0123',
      vehicle: 'ab12 cde',
      postcode: 'ns14ab',
      identifier: '943 476 5919',
    })
    assert.ok('ok' in result)
    assert.equal(result.ok.criteria.phone, '+441134960123')
    assert.equal(result.ok.criteria.vehicle, 'AB12CDE')
    assert.equal(result.ok.criteria.postcode, 'NS1 4AB')
    assert.equal(result.ok.criteria.identifier?.nhsNumber, '9434765919')
  })
})

describe('the policy on search matches', () => {
  const record = { kind: 'person' as const, partnershipId: 'p1', allocatedWorkerId: 'someone-else' }
  const base = { userId: 'u1', partnershipId: 'p1', agencyId: 'a1', teamIds: [], managedTeamIds: [] }

  it('a practitioner (search, no read) sees only children they referred, and only who they are', () => {
    const practitioner: Actor = { ...base, roles: ['practitioner'] }
    assert.equal(decideSearchMatch(practitioner, record).allowed, false)
    const referred = decideSearchMatch(practitioner, { ...record, referrerIds: ['u1'] })
    assert.equal(referred.allowed, true)
    assert.deepEqual(referred.fields, ['identity'])
  })

  it('a reader sees what their read decision allows; nobody without person:search sees anything', () => {
    const worker: Actor = { ...base, roles: ['social-worker'] }
    assert.deepEqual(decideSearchMatch(worker, { ...record, allocatedWorkerId: 'u1' }).fields, [
      'identity',
      'details',
      'sensitive',
    ])
    assert.equal(
      decideSearchMatch({ ...base, roles: ['dpo'] }, { ...record, allocatedWorkerId: 'u1' }).allowed,
      false,
    )
  })
})

describe('search', () => {
  it('finds by fuzzy name, alias, identifier, phone, vehicle and postcode, and never a person the user may not see', async (t) => {
    const w = await world(t)
    const actor = await currentActor(w, w.worker)
    const search = async (input: SearchInput) =>
      (await w.services.search.search(actor, input, TEST_REQUEST)).results
    for (const input of [
      { name: 'kieran walsh' },
      { name: 'Keiran Walsh' },
      { name: 'kez' },
      { identifier: 'LA-77881' },
      { identifier: 'Z123456789012' },
      { phone: '0113 496 0123' },
      { vehicle: 'ab12 cde' },
      { postcode: 'ns14ab' },
      { dateOfBirth: '2010-05-04' },
      { name: 'walsh', postcode: 'NS1 4AB', dateOfBirth: '2010-05-04' },
    ]) {
      const results = await search(input)
      assert.deepEqual(
        results.map((r) => r.id),
        [w.kieran.id],
        JSON.stringify(input),
      )
    }
    const [byAlias] = await search({ name: 'kez' })
    assert.ok(byAlias !== undefined)
    assert.deepEqual(byAlias.matchedOn, ['alias'])
    assert.equal(byAlias.givenName, 'Kieran')
    assert.deepEqual(await search({ name: 'Nobody Atall' }), [])
  })

  it('audits each match shown as a read, and the search by its criteria only', async (t) => {
    const w = await world(t)
    const actor = await currentActor(w, w.worker)
    await w.services.search.search(actor, { name: 'kieran walsh' }, TEST_REQUEST)
    const rows = await ownerQuery<{
      action: string
      record_id: string | null
      details: Record<string, unknown>
    }>(w.db.ownerUrl, `SELECT action, record_id, details FROM audit_event WHERE actor_id = $1 ORDER BY id`, [
      w.worker.id,
    ])
    assert.deepEqual(
      rows.map((r) => [r.action, r.record_id, r.details.via ?? r.details.criteria]),
      [
        ['record.read', w.kieran.id, 'search'],
        ['record.search', null, 'name'],
      ],
    )
    assert.doesNotMatch(JSON.stringify(rows), /kieran/i)
  })

  it('a practitioner, who may search but not read records, sees no one they did not refer', async (t) => {
    const w = await world(t)
    const page = await w.services.search.search(
      await currentActor(w, w.practitioner),
      { name: 'kieran walsh' },
      TEST_REQUEST,
    )
    assert.deepEqual(page.results, [])
  })

  it('pages with a keyset cursor, at most 50 a page', async (t) => {
    const w = await world(t)
    for (let i = 0; i < 5; i++) {
      await createPerson(w.db.database, w.worker.partnershipId, {
        givenName: 'Kieran',
        familyName: 'Walsh',
        allocatedTeamId: w.teamId,
      })
    }
    const actor = await currentActor(w, w.worker)
    const first = await w.services.search.search(actor, { name: 'kieran walsh', limit: '4' }, TEST_REQUEST)
    assert.equal(first.results.length, 4)
    assert.ok(first.next !== null)
    const second = await w.services.search.search(
      actor,
      { name: 'kieran walsh', limit: '4', after: first.next },
      TEST_REQUEST,
    )
    assert.equal(second.results.length, 2)
    assert.equal(second.next, null)
    const all = [...first.results, ...second.results].map((r) => r.id)
    assert.equal(new Set(all).size, 6)
    assert.ok(!all.includes(w.hidden.id))
    await assert.rejects(
      w.services.search.search(actor, { name: 'kieran', limit: '51' }, TEST_REQUEST),
      (e: unknown) => e instanceof ValidationError && e.fieldErrors[0]?.field === 'limit',
    )
  })
})

describe('the search page and API', () => {
  it('shows results for a POSTed search, keeps the input, and refuses bad input with field messages', async (t) => {
    const w = await world(t)
    const agent = await signIn(w.app, w.worker)
    assert.match((await agent.get(paths.home)).body, /Search for a person/)
    const form = await agent.get(paths.search.page)
    assert.equal(form.statusCode, 200)
    const res = await agent.post(paths.search.page, {
      name: 'keiran walsh',
      ...dateInputs('dob', '4', '5', '2010'),
    })
    assert.equal(res.statusCode, 200)
    assert.match(res.body, /Kieran/)
    assert.match(res.body, new RegExp(paths.people.show(w.kieran.id)))
    assert.ok(!res.body.includes(w.hidden.id))
    assert.match(res.body, /value="keiran walsh"/)
    assert.match(res.body, /name="dob-year"[^>]*value="2010"/)
    const audits = await countRows(w.db.ownerUrl, 'audit_event', "action = 'record.search'")
    const bad = await agent.post(paths.search.page, { phone: 'call me' })
    assert.equal(bad.statusCode, 400)
    assert.match(bad.body, /govuk-error-summary/)
    assert.match(bad.body, /Enter a phone number/)
    assert.match(bad.body, /value="call me"/)
    assert.equal(await countRows(w.db.ownerUrl, 'audit_event', "action = 'record.search'"), audits)
  })

  it('GET /api/v1/search answers the same, with problem+json for bad input and 403 without person:search', async (t) => {
    const w = await world(t)
    const { agent, page: res } = await signInAt(
      w.app,
      w.worker,
      `${paths.api.search()}?phone=${encodeURIComponent('0113 496 0123')}`,
    )
    const body = res.json<{ results: Array<{ id: string; matchedOn: string[] }>; next: string | null }>()
    assert.deepEqual(
      body.results.map((r) => r.id),
      [w.kieran.id],
    )
    assert.deepEqual(body.results[0]?.matchedOn, ['phone'])
    const bad = await agent.get(`${paths.api.search()}?postcode=nowhere`)
    assert.equal(bad.statusCode, 400)
    assert.match(String(bad.headers['content-type']), /problem\+json/)
    assert.equal(bad.json<{ errors: Array<{ field: string }> }>().errors[0]?.field, 'postcode')
    const dpo = await createUser(w.db, w.services, { roles: ['dpo'], partnershipOf: w.worker })
    const denied = await (await signIn(w.app, dpo)).get(`${paths.api.search()}?name=kieran`)
    assert.equal(denied.statusCode, 403)
  })
})

describe('the search rate limit (RATE_LIMITS.search)', () => {
  it('refuses one user’s searches beyond the limit on the page with the GOV.UK error page, and not another user’s', async (t) => {
    const w = await world(t)
    const agent = await signIn(w.app, w.worker)
    const form = await agent.get(paths.search.page)
    const _csrf = csrfFrom(form.body)
    const refused = await exhaustRateLimit(RATE_LIMITS.search.max, () =>
      agent.post(paths.search.page, { _csrf, name: 'kieran walsh' }),
    )
    assertPageRefusal(refused)
    const other = await createUser(w.db, w.services, { roles: ['social-worker'], partnershipOf: w.worker })
    const theirs = await signIn(w.app, other)
    await theirs.get(paths.search.page)
    assert.equal((await theirs.post(paths.search.page, { name: 'kieran walsh' })).statusCode, 200)
  })

  it('refuses one caller’s API searches beyond the limit with problem+json, and not another caller’s', async (t) => {
    const w = await world(t)
    const agent = await signIn(w.app, w.worker)
    const url = `${paths.api.search()}?name=kieran`
    assertProblemRefusal(await exhaustRateLimit(RATE_LIMITS.search.max, () => agent.get(url)))
    const other = await createUser(w.db, w.services, { roles: ['social-worker'], partnershipOf: w.worker })
    assert.equal((await (await signIn(w.app, other)).get(url)).statusCode, 200)
  })
})
