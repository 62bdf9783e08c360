import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { paths } from '../../platform/paths.ts'
import type { TestCtx } from '../../../test/helpers/build.ts'
import { ownerQuery } from '../../../test/helpers/database.ts'
import {
  createUser,
  deniedAsMissing,
  signIn,
  TEST_PASSWORD,
  signInAt,
} from '../../../test/helpers/sign-in.ts'
import { countRows, createMeeting, createPerson } from '../../../test/factories/person-factory.ts'
import { allocatedChildWorld } from '../../../test/factories/team-factory.ts'
import { personToken } from '../../../test/helpers/tokens.ts'
import { api } from '../../../test/helpers/api.ts'
import { deniedReasons, personAudit, readsVia } from '../../../test/helpers/audit.ts'
import { breakGlassFor } from '../../../test/helpers/scenario.ts'

/** A partnership with a child allocated to a social worker's team, and people around them. */
const world = (t: TestCtx) =>
  allocatedChildWorld(t, {
    others: {
      colleague: ['social-worker'],
      stranger: ['social-worker'],
      practitioner: ['practitioner'],
      dpo: ['dpo'],
    },
    teamMates: ['colleague'],
  })

describe('a child’s record page', () => {
  it('shows the allocated worker the whole record, and audits the read', async (t) => {
    const w = await world(t)
    const { page: res } = await signInAt(w.app, w.worker, paths.people.show(w.child.id))
    assert.match(res.body, new RegExp(`${w.child.givenName} ${w.child.familyName ?? ''}`))
    assert.match(res.body, new RegExp(w.child.nhsNumber ?? 'no NHS number'))
    assert.equal(res.headers['cache-control'], 'no-store')
    const reads = await personAudit(w.db.ownerUrl, w.child.id, 'record.read')
    assert.equal(reads.length, 1)
    assert.equal(reads[0]?.actor_id, w.worker.id)
    assert.equal(reads.at(0)?.details.via, 'page')
    assert.equal(reads.at(0)?.details.breakGlass, false)
  })

  it('a team colleague sees it through the team', async (t) => {
    const w = await world(t)
    const res = await (await signIn(w.app, w.colleague)).get(paths.people.show(w.child.id))
    assert.equal(res.statusCode, 200)
    const reads = await personAudit(w.db.ownerUrl, w.child.id, 'record.read')
    assert.equal(reads[0]?.details.relationships, 'allocated-team')
  })

  it('someone without a relationship gets the same 404 as for a record that does not exist, and the denial is audited', async (t) => {
    const w = await world(t)
    const agent = await signIn(w.app, w.stranger)
    const { denied, missing } = await deniedAsMissing(agent, (id) => paths.people.show(id), w.child.id)
    assert.doesNotMatch(denied.body, new RegExp(w.child.givenName))
    const strip = (html: string) =>
      html
        .replace(/nonce="[^"]+"/g, '')
        .replace(/value="[^"]+"/g, '')
        .replace(/[0-9a-f-]{36}/g, 'ID')
    assert.equal(strip(denied.body), strip(missing.body), 'a denial must look exactly like a missing record')
    const denials = await personAudit(w.db.ownerUrl, w.child.id, 'access.denied')
    assert.equal(denials.length, 1)
    assert.equal(denials[0]?.actor_id, w.stranger.id)
    assert.equal(await countRows(w.db.ownerUrl, 'audit_event', `action = 'record.read'`), 0)
  })

  it('a DSL sees identity and details of their agency’s child, but not the NHS number', async (t) => {
    const w = await world(t)
    const dsl = await createUser(w.db, w.services, { roles: ['dsl'], partnershipOf: w.worker })
    const pupil = await createPerson(w.db.database, w.worker.partnershipId, {
      involvedAgencyIds: [dsl.agencyId],
    })
    const res = await (await signIn(w.app, dsl)).get(paths.people.show(pupil.id))
    assert.equal(res.statusCode, 200)
    assert.match(res.body, new RegExp(pupil.givenName))
    assert.doesNotMatch(res.body, new RegExp(pupil.nhsNumber ?? 'x'))
    assert.doesNotMatch(res.body, /NHS number/)
  })

  it('a MACE member sees a child on a current agenda, and not once the meeting is closed', async (t) => {
    const w = await world(t)
    // A social worker of another team (the police intelligence unit sees who anyone is, so is not the example).
    const member = await createUser(w.db, w.services, {
      roles: ['social-worker'],
      partnershipOf: w.worker,
    })
    const agent = await signIn(w.app, member)
    assert.equal((await agent.get(paths.people.show(w.child.id))).statusCode, 404)
    const meetingId = await createMeeting(w.db.database, w.worker.partnershipId, {
      memberIds: [member.id],
      personIds: [w.child.id],
    })
    assert.equal((await agent.get(paths.people.show(w.child.id))).statusCode, 200)
    await ownerQuery(w.db.ownerUrl, `UPDATE meeting SET status = 'closed' WHERE id = $1`, [meetingId])
    assert.equal((await agent.get(paths.people.show(w.child.id))).statusCode, 404)
  })

  it('a person in another partnership is invisible even to a role with every relationship there', async (t) => {
    const w = await world(t)
    const elsewhere = await createUser(w.db, w.services, { roles: ['social-worker'] })
    const theirs = await createPerson(w.db.database, elsewhere.partnershipId, {
      allocatedWorkerId: elsewhere.id,
    })
    const res = await (await signIn(w.app, w.worker)).get(paths.people.show(theirs.id))
    assert.equal(res.statusCode, 404)
  })

  it('a role without person:read gets 403 from the route, audited', async (t) => {
    const w = await world(t)
    const res = await (await signIn(w.app, w.practitioner)).get(paths.people.show(w.child.id))
    assert.equal(res.statusCode, 403)
    assert.deepEqual(await deniedReasons(w.db.ownerUrl, w.practitioner.id), [
      'missing capability person:read',
    ])
  })

  it('a malformed id is a 404, not a 500', async (t) => {
    const w = await world(t)
    const res = await (await signIn(w.app, w.worker)).get('/people/not-a-uuid')
    assert.equal(res.statusCode, 404)
  })

  it('an unauthenticated visitor is sent to sign in', async (t) => {
    const w = await world(t)
    const res = await w.app.inject({ method: 'GET', url: paths.people.show(w.child.id) })
    assert.equal(res.statusCode, 303)
    assert.equal(res.headers.location, paths.signIn)
  })
})

describe('the caseload list', () => {
  it('lists the people the user works with and nobody else', async (t) => {
    const w = await world(t)
    const other = await createPerson(w.db.database, w.worker.partnershipId)
    const res = await (await signIn(w.app, w.worker)).get(paths.people.list)
    assert.equal(res.statusCode, 200)
    assert.match(res.body, new RegExp(w.child.givenName))
    assert.doesNotMatch(res.body, new RegExp(`>${other.givenName} ${other.familyName ?? ''}<`))
    const strangerPage = await (await signIn(w.app, w.stranger)).get(paths.people.list)
    assert.match(strangerPage.body, /There is nobody on your list yet/)
  })
})

describe('break-glass', () => {
  it('a social worker without a relationship sees the offer, gives a reason and password, and sees the record for 4 hours, flagged', async (t) => {
    const w = await world(t)
    const agent = await signIn(w.app, w.stranger)
    const denied = await agent.get(paths.people.show(w.child.id))
    assert.match(denied.body, /data-testid="break-glass-link"/)
    const form = await agent.get(paths.people.breakGlass(w.child.id))
    assert.equal(form.statusCode, 200)
    const res = await agent.post(paths.people.breakGlass(w.child.id), {
      reason: 'Reported missing tonight; police need a recent photo description',
      password: TEST_PASSWORD,
    })
    assert.equal(res.statusCode, 303)
    assert.equal(res.headers.location, paths.people.show(w.child.id))
    const page = await agent.get(paths.people.show(w.child.id))
    assert.equal(page.statusCode, 200)
    assert.match(page.body, /data-testid="break-glass-banner"/)
    const grants = await ownerQuery<{ hours: number; reason: string; audit_event_id: string | null }>(
      w.db.ownerUrl,
      `SELECT extract(epoch FROM expires_at - granted_at) / 3600 AS hours, reason, audit_event_id::text
         FROM break_glass_grant WHERE user_id = $1 AND record_id = $2`,
      [w.stranger.id, w.child.id],
    )
    assert.equal(grants.length, 1)
    assert.equal(Number(grants[0]?.hours), 4)
    assert.ok(grants[0]?.audit_event_id !== null)
    const glass = await personAudit(w.db.ownerUrl, w.child.id, 'break-glass')
    assert.equal(glass.length, 1)
    assert.equal(glass[0]?.outcome, 'allowed')
    assert.match(glass.at(0)?.reason ?? '', /missing tonight/)
    const reads = await personAudit(w.db.ownerUrl, w.child.id, 'record.read')
    assert.equal(reads.at(-1)?.details.breakGlass, true)
  })

  it('refuses a missing or short reason and a wrong password, keeping the reason and writing no grant', async (t) => {
    const w = await world(t)
    const agent = await signIn(w.app, w.stranger)
    await agent.get(paths.people.breakGlass(w.child.id))
    const empty = await agent.post(paths.people.breakGlass(w.child.id), { reason: '', password: '' })
    assert.equal(empty.statusCode, 400)
    assert.match(empty.body, /Enter why you need to see this record/)
    assert.match(empty.body, /Enter your password/)
    const short = await agent.post(paths.people.breakGlass(w.child.id), {
      reason: 'urgent',
      password: TEST_PASSWORD,
    })
    assert.equal(short.statusCode, 400)
    assert.match(short.body, /at least 10 characters/)
    assert.match(short.body, />urgent<\/textarea>/)
    const wrong = await agent.post(paths.people.breakGlass(w.child.id), {
      reason: 'Child seen with an adult of concern today',
      password: 'not the password at all',
    })
    assert.equal(wrong.statusCode, 400)
    assert.match(wrong.body, /The password is not right/)
    assert.match(wrong.body, /Child seen with an adult of concern today/)
    assert.doesNotMatch(wrong.body, /not the password at all/)
    assert.equal(await countRows(w.db.ownerUrl, 'break_glass_grant'), 0)
    const failed = await personAudit(w.db.ownerUrl, w.child.id, 'break-glass')
    assert.deepEqual(
      failed.map((r) => r.outcome),
      ['failed'],
    )
  })

  it('for a record that does not exist: 404 after the reason, audited, nothing granted', async (t) => {
    const w = await world(t)
    const agent = await signIn(w.app, w.stranger)
    const ghost = '00000000-0000-4000-8000-000000000001'
    await agent.get(paths.people.breakGlass(ghost))
    const res = await agent.post(paths.people.breakGlass(ghost), {
      reason: 'Looking for a child reported by a school',
      password: TEST_PASSWORD,
    })
    assert.equal(res.statusCode, 404)
    assert.equal(await countRows(w.db.ownerUrl, 'break_glass_grant'), 0)
    assert.equal((await personAudit(w.db.ownerUrl, ghost, 'break-glass'))[0]?.outcome, 'denied')
  })

  it('a role that may not break glass gets 403, and no offer on the 404 page', async (t) => {
    const w = await world(t)
    const dsl = await createUser(w.db, w.services, { roles: ['dsl'], partnershipOf: w.worker })
    const agent = await signIn(w.app, dsl)
    const page = await agent.get(paths.people.show(w.child.id))
    assert.equal(page.statusCode, 404)
    assert.doesNotMatch(page.body, /break-glass-link/)
    assert.equal((await agent.get(paths.people.breakGlass(w.child.id))).statusCode, 403)
  })

  it('an expired grant no longer opens the record', async (t) => {
    const w = await world(t)
    await breakGlassFor(w, w.stranger, w.child, { hours: 4, hoursAgo: 5 })
    const res = await (await signIn(w.app, w.stranger)).get(paths.people.show(w.child.id))
    assert.equal(res.statusCode, 404)
  })

  it('a missing CSRF token is refused and grants nothing', async (t) => {
    const w = await world(t)
    const agent = await signIn(w.app, w.stranger)
    const res = await agent.request({
      method: 'POST',
      url: paths.people.breakGlass(w.child.id),
      payload: new URLSearchParams({
        reason: 'Child missing since this morning',
        password: TEST_PASSWORD,
      }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    })
    assert.equal(res.statusCode, 403)
    assert.equal(await countRows(w.db.ownerUrl, 'break_glass_grant'), 0)
  })
})

describe('who has viewed this record', () => {
  it('lists each read with who, agency and whether it was break-glass, for the allocated worker and the DPO', async (t) => {
    const w = await world(t)
    await (await signIn(w.app, w.colleague)).get(paths.people.show(w.child.id))
    await breakGlassFor(w, w.stranger, w.child)
    await (await signIn(w.app, w.stranger)).get(paths.people.show(w.child.id))
    const page = await (await signIn(w.app, w.worker)).get(paths.people.views(w.child.id))
    assert.equal(page.statusCode, 200)
    assert.match(page.body, new RegExp(w.colleague.displayName))
    assert.match(page.body, new RegExp(w.stranger.displayName))
    assert.match(page.body, /Break-glass/)
    const dpoPage = await (await signIn(w.app, w.dpo)).get(paths.people.views(w.child.id))
    assert.equal(dpoPage.statusCode, 200)
    assert.match(dpoPage.body, new RegExp(w.stranger.displayName))
    assert.doesNotMatch(dpoPage.body, new RegExp(w.child.givenName), 'the DPO sees the trail, not the child')
    assert.equal(await countRows(w.db.ownerUrl, 'audit_event', `action = 'record.read-views'`), 2)
  })

  it('is 404 for a worker with no relationship, and 403 for a role without record-views:read', async (t) => {
    const w = await world(t)
    assert.equal(
      (await (await signIn(w.app, w.stranger)).get(paths.people.views(w.child.id))).statusCode,
      404,
    )
    const police = await createUser(w.db, w.services, {
      roles: ['police-intelligence'],
      partnershipOf: w.worker,
    })
    assert.equal((await (await signIn(w.app, police)).get(paths.people.views(w.child.id))).statusCode, 403)
  })
})

describe('the people API', () => {
  it('GET /api/v1/people/:id returns the permitted fields, and 404 problem+json for a denied record', async (t) => {
    const w = await world(t)
    const token = await personToken(w.db, w.worker.email, ['person:read'])
    const auth = { authorization: `Bearer ${token.token}` }
    const ok = await api(w.app, auth).get(`${paths.api.people()}/${w.child.id}`)
    assert.equal(ok.statusCode, 200)
    const body = ok.json<{ person: Record<string, unknown>; access: { relationships: string[] } }>()
    assert.equal(body.person.nhsNumber, w.child.nhsNumber)
    assert.deepEqual(body.access.relationships, ['allocated-worker', 'allocated-team'])
    const other = await createPerson(w.db.database, w.worker.partnershipId)
    const denied = await api(w.app, auth).get(`${paths.api.people()}/${other.id}`)
    assert.equal(denied.statusCode, 404)
    assert.match(String(denied.headers['content-type']), /application\/problem\+json/)
    assert.doesNotMatch(denied.body, new RegExp(other.givenName))
    const list = await api(w.app, auth).get(paths.api.people())
    assert.deepEqual(
      list.json<{ people: Array<{ id: string }> }>().people.map((p) => p.id),
      [w.child.id],
    )
    assert.deepEqual(await readsVia(w.db.ownerUrl, w.child.id), ['api', 'list'])
  })

  it('a token without the person:read scope gets 403; no token 401; a malformed id 400', async (t) => {
    const w = await world(t)
    const token = await personToken(w.db, w.worker.email, ['referral:create'])
    const narrow = await w.app.inject({
      method: 'GET',
      url: `${paths.api.people()}/${w.child.id}`,
      headers: { authorization: `Bearer ${token.token}` },
    })
    assert.equal(narrow.statusCode, 403)
    const none = await w.app.inject({ method: 'GET', url: `${paths.api.people()}/${w.child.id}` })
    assert.equal(none.statusCode, 401)
    const full = await personToken(w.db, w.worker.email, ['person:read'])
    const bad = await w.app.inject({
      method: 'GET',
      url: `${paths.api.people()}/nope`,
      headers: { authorization: `Bearer ${full.token}` },
    })
    assert.equal(bad.statusCode, 400)
  })
})
