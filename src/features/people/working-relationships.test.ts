import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { KNOWN_TO_PARTNERSHIP } from '../../platform/access/policy.ts'
import { paths } from '../../platform/paths.ts'
import type { TestCtx } from '../../../test/helpers/build.ts'
import { ownerQuery } from '../../../test/helpers/database.ts'
import { staffWorld } from '../../../test/helpers/scenario.ts'
import { signIn, TEST_REQUEST } from '../../../test/helpers/sign-in.ts'
import { linkForm } from '../../../test/helpers/forms.ts'
import { countRows, createPerson } from '../../../test/factories/person-factory.ts'
import { bearer, createFlag, createObject } from '../../../test/factories/pole-factory.ts'
import { linkObject } from '../../../test/factories/pole-links-factory.ts'
import { actorFor, createReferral } from '../../../test/factories/referral-factory.ts'

/**
 * Slice i12-relations: the working relationships the policy lacked (the front door's child, the police
 * intelligence unit, a DSL's flags) and places and things that are not free for all, on the pages and the API.
 */

/** Moves a user to another agency of their partnership (the police force, for these tests). */
async function toOtherAgency(
  ownerUrl: string,
  user: { id: string; partnershipId: string; agencyId: string },
) {
  const [other] = await ownerQuery<{ id: string }>(
    ownerUrl,
    'SELECT id FROM agency WHERE partnership_id = $1 AND id <> $2 ORDER BY name LIMIT 1',
    [user.partnershipId, user.agencyId],
  )
  await ownerQuery(ownerUrl, 'UPDATE app_user SET agency_id = $2 WHERE id = $1', [user.id, other!.id])
  return other!.id
}

const LINK_FORM = linkForm()

describe('the front door’s child (FRONT_DOOR_CHILD)', () => {
  it('opens from the queue and the referral while it is open, with its flags; 404 once it is withdrawn', async (t) => {
    const w = await staffWorld(t, { referrer: ['practitioner'], frontDoor: ['front-door'] })
    const child = await createPerson(w.db.database, w.referrer.partnershipId)
    await createFlag(w.db.database, w.db.ownerUrl, {
      partnershipId: w.referrer.partnershipId,
      subjectKind: 'person',
      subjectId: child.id,
      setBy: w.referrer.id,
    })
    const referral = await createReferral(w.services, w.db.database, w.referrer, child.id)
    const agent = await signIn(w.app, w.frontDoor)
    const queue = await agent.get(paths.frontDoor)
    assert.equal(queue.statusCode, 200)
    assert.ok(queue.body.includes(paths.referrals.show(referral.id)))
    const page = await agent.get(paths.referrals.show(referral.id))
    assert.equal(page.statusCode, 200)
    assert.match(page.body, /View the child's record/)
    assert.ok(page.body.includes(paths.people.show(child.id)))
    const record = await agent.get(paths.people.show(child.id))
    assert.equal(record.statusCode, 200)
    assert.ok(record.body.includes(child.givenName))
    assert.match(record.body, /Child criminal exploitation/)
    assert.match(record.body, /seen carrying packages/, 'the flag’s reason')
    // The queue is the relationship: a token needs it too.
    const auth = await bearer(w.db, w.frontDoor.email, ['person:read', 'referral:queue'])
    const api = await w.app.inject({ method: 'GET', url: paths.api.person(child.id), headers: auth })
    assert.equal(api.statusCode, 200)
    const flags = await w.app.inject({ method: 'GET', url: paths.api.personFlags(child.id), headers: auth })
    assert.equal(flags.statusCode, 200)
    assert.equal(
      flags.json<{ flags: Array<{ reason: string | null }> }>().flags[0]?.reason?.length !== 0,
      true,
    )

    await w.services.referrals.withdraw(
      actorFor(w.frontDoor, ['front-door']),
      referral.id,
      { reason: 'Made in error' },
      TEST_REQUEST,
    )
    assert.equal((await agent.get(paths.people.show(child.id))).statusCode, 404)
    const after = await w.app.inject({ method: 'GET', url: paths.api.person(child.id), headers: auth })
    assert.equal(after.statusCode, 404)
  })
})

describe('the police intelligence unit (INTELLIGENCE_UNIT_PERSON)', () => {
  async function world(t: TestCtx) {
    const w = await staffWorld(t, { worker: ['social-worker'], police: ['police-intelligence'] })
    const child = await createPerson(w.db.database, w.worker.partnershipId, {
      givenName: 'Tyrese',
      familyName: 'Okafor',
      allocatedWorkerId: w.worker.id,
    })
    await ownerQuery(w.db.ownerUrl, 'UPDATE person SET nhs_number = $2 WHERE id = $1', [
      child.id,
      '9434765919',
    ])
    await createFlag(w.db.database, w.db.ownerUrl, {
      partnershipId: w.worker.partnershipId,
      subjectKind: 'person',
      subjectId: child.id,
      setBy: w.worker.id,
    })
    await linkObject(
      w.db.ownerUrl,
      { id: child.id, partnershipId: w.worker.partnershipId },
      'phone',
      '+447700900982',
    )
    return { ...w, child }
  }

  it('finds a person by a phone linked to them, never by name; sees who they are and nothing more', async (t) => {
    const w = await world(t)
    // The unit is who records intelligence: a token needs those scopes too.
    const auth = await bearer(w.db, w.police.email, [
      'person:search',
      'person:read',
      'intelligence:read',
      'intelligence:write',
    ])
    const get = (url: string) => w.app.inject({ method: 'GET', url, headers: auth })
    const byPhone = await get(`${paths.api.search()}?phone=${encodeURIComponent('07700 900982')}`)
    assert.equal(byPhone.statusCode, 200)
    const results = byPhone.json<{ results: Array<Record<string, unknown>> }>().results
    assert.deepEqual(
      results.map((r) => r.id),
      [w.child.id],
    )
    assert.equal(results[0]?.givenName, 'Tyrese')
    const byName = await get(`${paths.api.search()}?name=tyrese%20okafor`)
    assert.equal(byName.statusCode, 200)
    assert.deepEqual(byName.json<{ results: unknown[] }>().results, [])

    const person = await get(paths.api.person(w.child.id))
    assert.equal(person.statusCode, 200)
    const shown = person.json<{ person: Record<string, unknown> }>().person
    assert.equal(shown.givenName, 'Tyrese')
    for (const hidden of ['nhsNumber', 'gender', 'schoolName', 'allocatedWorkerName']) {
      assert.equal(hidden in shown, false, hidden)
    }
    const agent = await signIn(w.app, w.police)
    const page = await agent.get(paths.people.show(w.child.id))
    assert.equal(page.statusCode, 200)
    assert.match(page.body, /Tyrese/)
    assert.doesNotMatch(page.body, /9434765919|943 476 5919/)
    assert.doesNotMatch(page.body, /Child criminal exploitation/, 'no flags')
    assert.equal((await agent.get(paths.people.chronology(w.child.id))).statusCode, 404)
    assert.equal((await get(paths.api.personFlags(w.child.id))).statusCode, 404)
    const reads = await countRows(
      w.db.ownerUrl,
      'audit_event',
      `action = 'record.read' AND actor_id = $1 AND record_id = $2`,
      [w.police.id, w.child.id],
    )
    assert.ok(reads >= 3, 'each read audited')
  })

  it('attaches a link to them without break-glass, audited; a social worker cannot see the unit’s phone', async (t) => {
    const w = await world(t)
    const other = await createPerson(w.db.database, w.worker.partnershipId, { givenName: 'Jordan' })
    const phone = await createObject(w.db.database, w.worker.partnershipId, {
      kind: 'phone',
      value: '+447700900321',
      description: 'Deal line seen in a stop check',
      createdBy: w.police.id,
    })
    await toOtherAgency(w.db.ownerUrl, w.police)
    const agent = await signIn(w.app, w.police)
    await agent.get(paths.links.newForPerson(other.id))
    const res = await agent.post(paths.links.newForPerson(other.id), { ...LINK_FORM, to: '07700 900321' })
    assert.equal(res.statusCode, 303, res.body)
    const [link] = await ownerQuery<{ created_by: string; to_id: string }>(
      w.db.ownerUrl,
      'SELECT created_by, to_id FROM link WHERE from_id = $1',
      [other.id],
    )
    assert.deepEqual(link, { created_by: w.police.id, to_id: phone.id })
    assert.equal(
      await countRows(
        w.db.ownerUrl,
        'audit_event',
        `action = 'record.create' AND record_type = 'link' AND actor_id = $1`,
        [w.police.id],
      ),
      1,
    )
    assert.equal(await countRows(w.db.ownerUrl, 'break_glass_grant'), 0)
    // The social worker has no relationship with Jordan, nor with the unit's phone.
    const worker = await signIn(w.app, w.worker)
    assert.equal((await worker.get(paths.objects.show(phone.id))).statusCode, 404)
  })
})

describe('a DSL’s flags (decideFlagReason)', () => {
  it('sees the reasons their agency wrote, never another agency’s, on the record page and the API', async (t) => {
    const w = await staffWorld(t, { dsl: ['dsl'], police: ['police-intelligence'] })
    const pupil = await createPerson(w.db.database, w.dsl.partnershipId, {
      involvedAgencyIds: [w.dsl.agencyId],
    })
    await toOtherAgency(w.db.ownerUrl, w.police)
    const ours = await createFlag(w.db.database, w.db.ownerUrl, {
      partnershipId: w.dsl.partnershipId,
      subjectKind: 'person',
      subjectId: pupil.id,
      setBy: w.dsl.id,
    })
    const theirs = await createFlag(w.db.database, w.db.ownerUrl, {
      partnershipId: w.dsl.partnershipId,
      subjectKind: 'person',
      subjectId: pupil.id,
      setBy: w.police.id,
      flagType: 'cse',
    })
    await ownerQuery(w.db.ownerUrl, 'UPDATE flag SET reason = $2 WHERE id = $1', [
      theirs,
      'Police: suspected of being groomed by the occupant of a cuckooed flat',
    ])
    const agent = await signIn(w.app, w.dsl)
    const page = await agent.get(paths.people.show(pupil.id))
    assert.equal(page.statusCode, 200)
    assert.match(page.body, /Child criminal exploitation/)
    assert.match(page.body, /Child sexual exploitation/, 'the flag is there')
    assert.match(page.body, /seen carrying packages/, 'their own agency’s reason')
    assert.doesNotMatch(page.body, /groomed by the occupant/)
    assert.match(page.body, /Written by another agency/)
    const auth = await bearer(w.db, w.dsl.email, ['person:read'])
    const api = await w.app.inject({ method: 'GET', url: paths.api.personFlags(pupil.id), headers: auth })
    assert.equal(api.statusCode, 200)
    assert.doesNotMatch(api.body, /groomed by the occupant/)
    const reasons = Object.fromEntries(
      api.json<{ flags: Array<{ id: string; reason: string | null }> }>().flags.map((f) => [f.id, f.reason]),
    )
    assert.equal(reasons[theirs], null)
    assert.match(String(reasons[ours]), /seen carrying packages/)
    // The police officer who set it reads it (the unit sees no flags without a relationship: set by them, the
    // flag is still theirs to read through the API only with sight of the child, which they do not have).
    const police = await bearer(w.db, w.police.email, ['person:read'])
    const theirsRead = await w.app.inject({
      method: 'GET',
      url: paths.api.personFlags(pupil.id),
      headers: police,
    })
    assert.equal(theirsRead.statusCode, 404)
  })
})

describe('places and things are not free for all (decideThing)', () => {
  async function world(t: TestCtx) {
    const w = await staffWorld(t, { worker: ['social-worker'], police: ['police-intelligence'] })
    await toOtherAgency(w.db.ownerUrl, w.police)
    const child = await createPerson(w.db.database, w.worker.partnershipId, {
      allocatedWorkerId: w.worker.id,
    })
    const phone = await createObject(w.db.database, w.worker.partnershipId, {
      kind: 'phone',
      value: '+447700900555',
      description: 'Burner used by the suspect Dale Whitmore',
      createdBy: w.police.id,
    })
    return { ...w, child, phone }
  }

  /** The worker's reads of the phone, its page and the API (both `status`), and their API lookup of its number. */
  async function workerReads(w: Awaited<ReturnType<typeof world>>, status: 200 | 404) {
    const agent = await signIn(w.app, w.worker)
    const page = await agent.get(paths.objects.show(w.phone.id))
    assert.equal(page.statusCode, status)
    const auth = await bearer(w.db, w.worker.email, ['person:read', 'person:search'])
    const api = await w.app.inject({ method: 'GET', url: paths.api.object(w.phone.id), headers: auth })
    assert.equal(api.statusCode, status)
    const lookup = await w.app.inject({
      method: 'GET',
      url: `${paths.api.search()}?phone=${encodeURIComponent('07700 900555')}`,
      headers: auth,
    })
    return { agent, page, api, lookup }
  }

  it('another agency’s phone linked to nobody the reader sees: 404 on page and API, “known” on a lookup', async (t) => {
    const w = await world(t)
    const { agent, page, api, lookup } = await workerReads(w, 404)
    assert.doesNotMatch(page.body, /Dale Whitmore/)
    assert.doesNotMatch(api.body, /Dale Whitmore/)
    assert.equal(lookup.statusCode, 200)
    assert.deepEqual(lookup.json(), { results: [], next: null, knownToPartnership: KNOWN_TO_PARTNERSHIP })
    await agent.get(paths.search.page)
    const searched = await agent.post(paths.search.page, { phone: '07700 900555' })
    assert.equal(searched.statusCode, 200)
    assert.match(searched.body, /Known to the partnership — ask the police intelligence unit/)
    assert.doesNotMatch(searched.body, /Dale Whitmore|Burner/)
    // Linking it to the worker's child: the form says it is known, and no more; nothing written.
    await agent.get(paths.links.newForPerson(w.child.id))
    const linking = await agent.post(paths.links.newForPerson(w.child.id), {
      ...LINK_FORM,
      to: '07700 900555',
    })
    assert.equal(linking.statusCode, 400)
    assert.match(linking.body, /Known to the partnership — ask the police intelligence unit/)
    assert.equal(await countRows(w.db.ownerUrl, 'link'), 0)
    // The unit that recorded it reads it.
    const police = await signIn(w.app, w.police)
    const theirs = await police.get(paths.objects.show(w.phone.id))
    assert.equal(theirs.statusCode, 200)
    assert.match(theirs.body, /Dale Whitmore/)
  })

  it('linked to a child the reader works with, it opens (page and API), and a lookup finds the child', async (t) => {
    const w = await world(t)
    await linkObject(
      w.db.ownerUrl,
      { id: w.child.id, partnershipId: w.worker.partnershipId },
      'phone',
      w.phone.value,
    )
    const { page, lookup } = await workerReads(w, 200)
    assert.match(page.body, /Dale Whitmore/)
    const body = lookup.json<{ results: Array<{ id: string }>; knownToPartnership: string | null }>()
    assert.deepEqual(
      body.results.map((r) => r.id),
      [w.child.id],
    )
    assert.equal(body.knownToPartnership, null)
  })
})

describe('the search page’s example phone number', () => {
  it('is one the app records, and then finds', async (t) => {
    const w = await staffWorld(t, { worker: ['social-worker'] })
    const agent = await signIn(w.app, w.worker)
    const form = await agent.get(paths.search.page)
    const example = /For example, (0[0-9 ]+[0-9])/.exec(form.body)?.[1]
    assert.ok(example, 'the phone field gives an example')
    await agent.get(paths.objects.new)
    const recorded = await agent.submit(paths.objects.new, { kind: 'phone', phone: example })
    assert.equal(recorded.statusCode, 303, recorded.body)
    const [row] = await ownerQuery<{ value: string }>(w.db.ownerUrl, 'SELECT value FROM object')
    assert.equal(row?.value, `+44${example.replace(/\s/g, '').slice(1)}`)
    await agent.get(paths.search.page)
    const searched = await agent.post(paths.search.page, { phone: example })
    assert.equal(searched.statusCode, 200, 'not refused as a phone number')
    assert.doesNotMatch(searched.body, /Known to the partnership/, 'their own agency’s phone')
  })
})
