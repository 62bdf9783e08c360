import assert from 'node:assert/strict'
import { beforeEach, describe, it } from 'node:test'
import { paths } from '../../platform/paths.ts'
import { build } from '../../../test/helpers/build.ts'
import { staffWorld } from '../../../test/helpers/scenario.ts'
import { ownerQuery } from '../../../test/helpers/database.ts'
import { currentActor, signIn, type TestUser } from '../../../test/helpers/sign-in.ts'
import { cli, cliEnvironment } from '../../../test/helpers/cli.ts'
import { api } from '../../../test/helpers/api.ts'
import { auditEvents } from '../../../test/helpers/audit.ts'
import { createPerson } from '../../../test/factories/person-factory.ts'
import { createPartnership } from '../../../test/factories/partnership-factory.ts'
import { bearer, createObject } from '../../../test/factories/pole-factory.ts'
import { actorFor, CTX } from '../../../test/factories/referral-factory.ts'
import type { Role } from '../../platform/access/roles.ts'
import { MESSAGES } from './suggestion-service.ts'

type Ctx = Parameters<typeof build>[0]

const world = (t: Ctx) =>
  staffWorld(t, {
    officer: ['police-intelligence'],
    frontDoor: ['front-door'],
    worker: ['social-worker'],
  })
type World = Awaited<ReturnType<typeof world>>

const as = (user: TestUser, role: Role) => actorFor(user, [role])

/** A phone recorded by the officer and the same number recorded as an "other" thing by the front door. */
async function plantPhone(w: World) {
  const phone = await w.services.objects.create(
    as(w.officer, 'police-intelligence'),
    { kind: 'phone', value: '0113 496 0123', description: 'Deal line advertised by text' },
    CTX,
  )
  const other = await w.services.objects.create(
    as(w.frontDoor, 'front-door'),
    { kind: 'other', value: '0113 496 0123', description: 'Number written on a bag' },
    CTX,
  )
  return { phone, other }
}

const suggestionRows = (w: World) =>
  ownerQuery<{
    id: string
    status: string
    kind: string
    score: string
    version: number
    partnership_id: string
  }>(
    w.db.ownerUrl,
    'SELECT id, status, kind, score, version, partnership_id FROM link_suggestion ORDER BY created_at',
  )

/** The suggestions' statuses, oldest first. */
const statusesOf = async (w: World) => (await suggestionRows(w)).map((r) => r.status)

describe('suggested links: found when records change', () => {
  it('the same phone typed differently on two things is proposed with its explanation, for reviewers only', async (t) => {
    const w = await world(t)
    const { phone, other } = await plantPhone(w)
    const [row] = await suggestionRows(w)
    assert.equal(row?.status, 'pending')
    assert.equal(row.kind, 'object')
    const queue = await w.services.suggestions.queue(as(w.frontDoor, 'front-door'), CTX, 'api')
    assert.equal(queue.length, 1)
    const [s] = queue
    assert.deepEqual(
      s?.explanation.map((c) => c.text),
      ['same phone number +6.9', 'recorded as different kinds of thing \u22121.6'],
    )
    assert.equal(s.score, 5.3)
    assert.deepEqual(new Set(s.ends.map((e) => e.id)), new Set([phone.id, other.id]))
    // A social worker may not review: the page is refused.
    const agent = await signIn(w.app, w.worker)
    assert.equal((await agent.get(paths.suggestions.queue)).statusCode, 403)
  })

  it('never proposes a pair that is already linked, and never across partnerships', async (t) => {
    const w = await world(t)
    const elsewhere = await createPartnership(w.db.database)
    await createObject(w.db.database, elsewhere.id, { kind: 'phone', value: '+441134960123' })
    const { phone, other } = await plantPhone(w)
    const rows = await suggestionRows(w)
    assert.equal(rows.length, 1)
    assert.equal(rows[0]?.partnership_id, w.officer.partnershipId)
    // Linked meanwhile: working it out again supersedes it, and no new one is proposed.
    await ownerQuery(
      w.db.ownerUrl,
      `INSERT INTO link (partnership_id, link_type, from_kind, from_id, to_kind, to_id, source, confidence)
       VALUES ($1, 'phone-contacted', 'object', $2, 'object', $3, 'Test', 'confirmed')`,
      [w.officer.partnershipId, phone.id, other.id],
    )
    await w.services.suggestions.refreshFor(as(w.officer, 'police-intelligence'), 'object', phone.id)
    assert.deepEqual(await statusesOf(w), ['superseded'])
  })

  it('people: only between records the reviewer may see; a hidden end is refused as if absent', async (t) => {
    const w = await world(t)
    const officer = as(w.officer, 'police-intelligence')
    const shared = { givenName: 'Kayden', familyName: 'Marsh', dateOfBirth: '2010-04-12', gender: 'Male' }
    const seen = await createPerson(w.db.database, w.officer.partnershipId, {
      ...shared,
      allocatedWorkerId: w.officer.id,
    })
    const hidden = await createPerson(w.db.database, w.officer.partnershipId, shared)
    await w.services.suggestions.refreshFor(officer, 'person', seen.id)
    const [row] = await suggestionRows(w)
    assert.equal(row?.kind, 'person')
    assert.deepEqual(await w.services.suggestions.queue(officer, CTX, 'api'), [])
    const agent = await signIn(w.app, w.officer)
    const page = await agent.get(paths.suggestions.show(row.id))
    assert.equal(page.statusCode, 404)
    assert.doesNotMatch(page.body, /Kayden|Marsh/)
    const denied = await auditEvents(w.db.ownerUrl, { recordType: 'suggestion', recordId: row.id })
    assert.deepEqual(
      denied.map((e) => e.action),
      ['access.denied'],
    )
    // Once the officer may see both, it is listed, and both people are audited as read.
    await ownerQuery(w.db.ownerUrl, 'UPDATE person SET allocated_worker_id = $2 WHERE id = $1', [
      hidden.id,
      w.officer.id,
    ])
    const queue = await w.services.suggestions.queue(officer, CTX, 'api')
    assert.deepEqual(
      queue[0]?.explanation.map((c) => c.text),
      ['same name +6.7', 'same date of birth +4.6', 'same gender +0.7'],
    )
    const reads = await auditEvents(w.db.ownerUrl, { recordType: 'person', recordId: hidden.id })
    assert.ok(reads.some((e) => e.action === 'record.read'))
  })

  it('a person known by a street name in one record is found from a record under that name', async (t) => {
    const w = await world(t)
    const officer = as(w.officer, 'police-intelligence')
    const known = await createPerson(w.db.database, w.officer.partnershipId, {
      kind: 'adult-of-concern',
      givenName: 'Tyrone',
      familyName: 'Quayle',
      allocatedWorkerId: w.officer.id,
    })
    await ownerQuery(
      w.db.ownerUrl,
      "INSERT INTO person_alias (partnership_id, person_id, kind, name) VALUES ($1, $2, 'street-name', 'Ghost')",
      [w.officer.partnershipId, known.id],
    )
    const street = await createPerson(w.db.database, w.officer.partnershipId, {
      kind: 'adult-of-concern',
      givenName: 'Ghost',
      familyName: null,
      dateOfBirth: null,
      gender: null,
      allocatedWorkerId: w.officer.id,
    })
    await w.services.suggestions.refreshFor(officer, 'person', street.id)
    const queue = await w.services.suggestions.queue(officer, CTX, 'api')
    assert.deepEqual(
      queue.map((s) => s.explanation.map((c) => c.text)),
      [['name matches a street name +5.9']],
    )
  })
})

describe('suggested links: accept and reject', () => {
  it('accepting on the page records the link with provenance naming both records; a second accept is 409', async (t) => {
    const w = await world(t)
    const { phone, other } = await plantPhone(w)
    const [row] = await suggestionRows(w)
    const id = row?.id ?? ''
    const agent = await signIn(w.app, w.frontDoor)
    const queue = await agent.get(paths.suggestions.queue)
    assert.equal(queue.statusCode, 200)
    assert.match(queue.body, new RegExp(paths.suggestions.show(id)))
    const page = await agent.get(paths.suggestions.show(id))
    assert.equal(page.statusCode, 200)
    assert.match(page.body, /Same phone number/)
    assert.match(page.body, /Recorded as different kinds of thing/)
    assert.match(page.body, /0113 496 0123/)
    const accepted = await agent.post(paths.suggestions.accept(id), { version: String(row?.version) })
    assert.equal(accepted.statusCode, 303)
    const linkId = String(accepted.headers.location).split('/').pop() ?? ''
    const [link] = await ownerQuery<{ link_type: string; source: string; from_id: string; to_id: string }>(
      w.db.ownerUrl,
      'SELECT link_type, source, from_id, to_id FROM link WHERE id = $1',
      [linkId],
    )
    assert.equal(link?.link_type, 'same-thing-as')
    assert.deepEqual(new Set([link.from_id, link.to_id]), new Set([phone.id, other.id]))
    assert.match(link.source, /^Suggested link, score 5\.3: .* \(recorded by .*\) and .* \(recorded by .*\)$/)
    const again = await agent.post(paths.suggestions.accept(id), { version: String(row?.version) })
    assert.equal(again.statusCode, 409)
    assert.match(again.body, new RegExp(MESSAGES.decided))
    assert.equal((await ownerQuery(w.db.ownerUrl, 'SELECT id FROM link')).length, 1)
    // Linked now: not proposed again.
    await w.services.suggestions.refreshFor(as(w.officer, 'police-intelligence'), 'object', phone.id)
    assert.deepEqual(await statusesOf(w), ['accepted'])
  })

  it('a record changed since the suggestion: 409, nothing linked; the API answers the same', async (t) => {
    const w = await world(t)
    const { other } = await plantPhone(w)
    const [row] = await suggestionRows(w)
    const id = row?.id ?? ''
    await ownerQuery(w.db.ownerUrl, 'UPDATE object SET version = version + 1 WHERE id = $1', [other.id])
    const agent = await signIn(w.app, w.frontDoor)
    await agent.get(paths.suggestions.show(id))
    const stale = await agent.post(paths.suggestions.accept(id), { version: String(row?.version) })
    assert.equal(stale.statusCode, 409)
    assert.match(stale.body, /One of the two records has changed/)
    const caller = api(
      w.app,
      await bearer(w.db, w.frontDoor.email, ['link:review', 'link:write', 'person:read']),
    )
    const res = await caller.post(paths.api.suggestionAccept(id), { version: row?.version })
    assert.equal(res.statusCode, 409)
    assert.match(String(res.headers['content-type']), /problem\+json/)
    assert.equal((await ownerQuery(w.db.ownerUrl, 'SELECT id FROM link')).length, 0)
    assert.deepEqual(await statusesOf(w), ['pending'])
  })

  it('rejecting needs a reason (kept on the page); once rejected the same evidence is never proposed again', async (t) => {
    const w = await world(t)
    const { phone } = await plantPhone(w)
    const [row] = await suggestionRows(w)
    const id = row?.id ?? ''
    const agent = await signIn(w.app, w.officer)
    await agent.get(paths.suggestions.show(id))
    const none = await agent.post(paths.suggestions.reject(id), {
      version: String(row?.version),
      reason: '  ',
    })
    assert.equal(none.statusCode, 400)
    assert.match(none.body, /href="#reason"/)
    assert.match(none.body, new RegExp(MESSAGES.reason))
    assert.equal((await suggestionRows(w))[0]?.status, 'pending')
    const done = await agent.post(paths.suggestions.reject(id), {
      version: String(row?.version),
      reason: 'Shared office number, different people',
    })
    assert.equal(done.statusCode, 303)
    assert.equal(done.headers.location, paths.suggestions.queue)
    await w.services.suggestions.refreshFor(as(w.officer, 'police-intelligence'), 'object', phone.id)
    assert.deepEqual(await statusesOf(w), ['rejected'])
    const changes = await auditEvents(w.db.ownerUrl, { recordType: 'suggestion', recordId: id })
    assert.ok(changes.some((e) => e.action === 'record.update' && e.details.change === 'reject'))
  })

  it('the API: list, get, reject without a reason (400), accept, accept twice (409); 403 without link:review', async (t) => {
    const w = await world(t)
    await plantPhone(w)
    const caller = api(
      w.app,
      await bearer(w.db, w.officer.email, ['link:review', 'link:write', 'person:read']),
    )
    const list = await caller.get(paths.api.suggestions())
    assert.equal(list.statusCode, 200)
    const [s] = list.json<{ suggestions: Array<{ id: string; version: number }> }>().suggestions
    const id = s?.id ?? ''
    const one = await caller.get(paths.api.suggestion(id))
    assert.equal(one.statusCode, 200)
    assert.equal(one.json<{ suggestion: { explanation: unknown[] } }>().suggestion.explanation.length, 2)
    const noReason = await caller.post(paths.api.suggestionReject(id), { version: s?.version, reason: '' })
    assert.equal(noReason.statusCode, 400)
    const ok = await caller.post(paths.api.suggestionAccept(id), { version: s?.version })
    assert.equal(ok.statusCode, 200)
    assert.equal(ok.json<{ suggestion: { status: string } }>().suggestion.status, 'accepted')
    const twice = await caller.post(paths.api.suggestionAccept(id), { version: s?.version })
    assert.equal(twice.statusCode, 409)
    const reader = api(w.app, await bearer(w.db, w.officer.email, ['person:read']))
    assert.equal((await reader.get(paths.api.suggestions())).statusCode, 403)
    const missing = await caller.get(paths.api.suggestion('00000000-0000-4000-8000-000000000000'))
    assert.equal(missing.statusCode, 404)
  })
})

describe('the demo', () => {
  it('plants duplicates from different agencies that are pending review: a phone, a flat, a street name', async (t) => {
    const { services, db } = await build(t)
    const { users = [] } = await services.demo.seed()
    const police = users.find((u) => u.role === 'police-intelligence')
    const [row] = await ownerQuery<{ id: string }>(db.ownerUrl, 'SELECT id FROM app_user WHERE email = $1', [
      police?.email ?? '',
    ])
    const actor = await currentActor({ services }, { id: row?.id ?? '' })
    const queue = await services.suggestions.queue(actor, CTX, 'api')
    assert.deepEqual(queue.map((s) => [s.proposal, s.explanation.map((c) => c.text)]).sort(), [
      ['the same person', ['name matches a street name +5.9', 'same gender +0.7']],
      [
        'the same place',
        ['same postcode +4.6', 'same house or flat number +3.9', 'same street +0.4', 'same town +0.1'],
      ],
      ['the same thing', ['same phone number +6.9', 'recorded as different kinds of thing \u22121.6']],
    ])
    // Each from two different agencies.
    for (const s of queue) assert.notEqual(s.ends[0].source, s.ends[1].source, s.proposal)
  })
})

describe('openmace suggestions rebuild', () => {
  beforeEach(() => cliEnvironment())

  it('works out every record again, with the planted duplicates found and a line a partnership', async (t) => {
    const w = await world(t)
    cliEnvironment(w.db)
    // Recorded without the services (as a bulk load would): nothing is suggested until the rebuild.
    await createObject(w.db.database, w.officer.partnershipId, { kind: 'vehicle', value: 'AB12CDE' })
    await createObject(w.db.database, w.officer.partnershipId, { kind: 'other', value: 'ab12 cde' })
    assert.equal((await suggestionRows(w)).length, 0)
    const result = await cli(['suggestions', 'rebuild'])
    assert.equal(result.code, 0, result.err)
    assert.match(result.out, /: \d+ records checked in [\d.]+ s; 1 suggested links pending review\./)
    const again = await cli(['suggestions', 'rebuild'])
    assert.equal(again.code, 0, again.err)
    assert.equal((await suggestionRows(w)).length, 1)
    const unknown = await cli(['suggestions', 'rebuild', '--partnership', 'NOPE'])
    assert.equal(unknown.code, 1)
    assert.match(unknown.err, /no partnership with the code NOPE/)
  })
})
