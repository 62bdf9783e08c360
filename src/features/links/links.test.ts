import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { Capability } from '../../platform/access/roles.ts'
import { paths } from '../../platform/paths.ts'
import { build, type TestCtx } from '../../../test/helpers/build.ts'
import { ownerQuery } from '../../../test/helpers/database.ts'
import { signIn } from '../../../test/helpers/sign-in.ts'
import { countRows, createPerson } from '../../../test/factories/person-factory.ts'
import { allocatedChildWorld } from '../../../test/factories/team-factory.ts'
import { todayInLondon } from '../../platform/calendar.ts'
import { personToken } from '../../../test/helpers/tokens.ts'
import { api } from '../../../test/helpers/api.ts'
import { dateInputs, linkForm } from '../../../test/helpers/forms.ts'
import { auditEvents, deniedReasons, readsCounted } from '../../../test/helpers/audit.ts'

/**
 * A child and an adult of concern allocated to a social worker's team, a stranger's child, a phone and a flat the
 * worker's agency recorded (theirs to read: decideThing).
 */
async function world(t: TestCtx) {
  const built = await allocatedChildWorld(t, { others: { stranger: ['social-worker'], dsl: ['dsl'] } })
  const { db, worker, stranger, teamId } = built
  const adult = await createPerson(db.database, worker.partnershipId, {
    kind: 'adult-of-concern',
    allocatedTeamId: teamId,
  })
  const policeId = `PNC${String(Date.now()).slice(-6)}`
  await ownerQuery(db.ownerUrl, 'UPDATE person SET police_id = $2 WHERE id = $1', [adult.id, policeId])
  // Someone else's child: exists, but the worker has no relationship to them.
  const hidden = await createPerson(db.database, worker.partnershipId, { allocatedWorkerId: stranger.id })
  const [phone] = await ownerQuery<{ id: string }>(
    db.ownerUrl,
    `INSERT INTO object (partnership_id, kind, value, created_by)
     VALUES ($1, 'phone', '+441134960123', $2) RETURNING id`,
    [worker.partnershipId, worker.id],
  )
  const [flat] = await ownerQuery<{ id: string }>(
    db.ownerUrl,
    `INSERT INTO location (partnership_id, kind, address_line_1, town, postcode, created_by)
     VALUES ($1, 'address', '4 Test Court', 'Testford', 'NS1 4AB', $2) RETURNING id`,
    [worker.partnershipId, worker.id],
  )
  return {
    ...built,
    adult,
    adultPoliceId: policeId,
    hidden,
    phoneId: phone!.id,
    flatId: flat!.id,
  }
}

/** An intelligence-graded suspicion: exploited by someone, from a case note (2/C). */
const FORM = linkForm({
  linkType: 'exploited-by',
  source: 'Case note 2025-0042',
  sourceType: 'intelligence',
  sourceEvaluation: '2',
  intelligenceAssessment: 'C',
  confidence: 'suspected',
})

async function tokenFor(w: Awaited<ReturnType<typeof world>>, user: { email: string }, scopes: Capability[]) {
  const token = await personToken(w.db, user.email, scopes, { name: 'links test' })
  return { authorization: `Bearer ${token.token}` }
}

const audits = (ownerUrl: string, action: string, type = 'link') =>
  auditEvents(ownerUrl, { action, recordType: type })

describe('adding a link from a person’s page', () => {
  it('records a suspected, graded link to an adult found by police id; shown with provenance on both pages', async (t) => {
    const w = await world(t)
    const agent = await signIn(w.app, w.worker)
    const person = await agent.get(paths.people.show(w.child.id))
    assert.match(person.body, /No links recorded that you can see/)
    assert.match(person.body, new RegExp(paths.links.newForPerson(w.child.id)))
    const form = await agent.get(paths.links.newForPerson(w.child.id))
    assert.equal(form.statusCode, 200)
    assert.match(form.body, /Add a link/)
    assert.doesNotMatch(form.body, /in contact with/, 'object-to-object types are not offered from a person')
    const res = await agent.post(paths.links.newForPerson(w.child.id), {
      ...FORM,
      to: w.adultPoliceId,
    })
    assert.equal(res.statusCode, 303, res.body)
    const linkId = /\/links\/([0-9a-f-]{36})$/.exec(res.headers.location ?? '')?.[1]
    assert.ok(linkId)
    const rows = await ownerQuery<Record<string, unknown>>(
      w.db.ownerUrl,
      'SELECT * FROM link WHERE id = $1',
      [linkId],
    )
    assert.equal(rows.at(0)?.from_id, w.child.id)
    assert.equal(rows.at(0)?.to_id, w.adult.id)
    assert.equal(rows.at(0)?.confidence, 'suspected')
    assert.equal(rows.at(0)?.source_evaluation, '2')
    assert.equal(rows.at(0)?.intelligence_assessment, 'C')
    assert.equal(rows.at(0)?.created_by, w.worker.id)
    const created = await audits(w.db.ownerUrl, 'record.create')
    assert.equal(created.length, 1)
    assert.equal(created.at(0)?.record_id, linkId)
    assert.equal(created.at(0)?.details.linkType, 'exploited-by')

    const page = await agent.get(paths.links.show(linkId))
    assert.equal(page.statusCode, 200)
    assert.match(page.body, /exploited by/)
    assert.match(page.body, /Suspected/)
    assert.match(page.body, /Intelligence 2C/)
    assert.match(page.body, /Case note 2025-0042/)
    assert.match(page.body, new RegExp(w.worker.displayName))
    assert.match(page.body, new RegExp(w.adult.givenName))
    assert.equal(
      await readsCounted(w.db.ownerUrl, 'link', { recordId: w.adult.id }),
      1,
      'the link page names the adult: a read of their record',
    )

    const childPage = await agent.get(paths.people.show(w.child.id))
    assert.match(childPage.body, /data-testid="person-links"/)
    assert.match(childPage.body, /Exploited by/)
    assert.match(childPage.body, new RegExp(`href="${paths.people.show(w.adult.id)}"`))
    const adultPage = await agent.get(paths.people.show(w.adult.id))
    assert.match(adultPage.body, /Exploits/, 'read from the other end, the inverse label')
  })

  it('links a person to a phone by its number as typed, and to a place by postcode', async (t) => {
    const w = await world(t)
    const agent = await signIn(w.app, w.worker)
    await agent.get(paths.links.newForPerson(w.child.id))
    const phone = await agent.post(paths.links.newForPerson(w.child.id), {
      ...FORM,
      linkType: 'uses-phone',
      to: '0113 496 0123',
      sourceType: 'record',
      confidence: 'confirmed',
    })
    assert.equal(phone.statusCode, 303, phone.body)
    await agent.get(paths.links.newForPerson(w.child.id))
    const place = await agent.post(paths.links.newForPerson(w.child.id), {
      ...FORM,
      linkType: 'frequents',
      to: 'ns14ab',
      sourceType: 'record',
      confidence: 'confirmed',
    })
    assert.equal(place.statusCode, 303, place.body)
    assert.equal(await countRows(w.db.ownerUrl, 'link', 'to_id = $1', [w.phoneId]), 1)
    assert.equal(await countRows(w.db.ownerUrl, 'link', 'to_id = $1', [w.flatId]), 1)
    const page = await agent.get(paths.people.show(w.child.id))
    assert.match(page.body, /Phone 0113 496 0123/)
    assert.match(page.body, /4 Test Court/)
  })

  it('records a one-way link read from the other end: from the adult’s page, “exploits” the child is stored as child exploited by adult', async (t) => {
    const w = await world(t)
    const agent = await signIn(w.app, w.worker)
    const form = await agent.get(paths.links.newForPerson(w.adult.id))
    assert.match(form.body, /value="~exploited-by"/)
    const res = await agent.post(paths.links.newForPerson(w.adult.id), {
      ...FORM,
      linkType: '~exploited-by',
      to: w.child.id,
    })
    assert.equal(res.statusCode, 303, res.body)
    const rows = await ownerQuery<{ link_type: string; from_id: string; to_id: string }>(
      w.db.ownerUrl,
      'SELECT link_type, from_id, to_id FROM link',
    )
    assert.deepEqual(rows, [{ link_type: 'exploited-by', from_id: w.child.id, to_id: w.adult.id }])
    const adultPage = await agent.get(paths.people.show(w.adult.id))
    assert.match(adultPage.body, /Exploits/)
  })

  const bad: Array<[string, Record<string, string>, RegExp]> = [
    ['missing type', { linkType: '' }, /Select the type of link/],
    [
      'ending before it starts',
      dateInputs('toDate', '1', '1', '2025'),
      /must be the same as or after the date it started/,
    ],
    [
      'ending in the future',
      dateInputs('toDate', '1', '1', '2999'),
      /Date the link ended must be today or in the past/,
    ],
    [
      'an impossible date',
      dateInputs('fromDate', '31', '2', '2025'),
      /Date the link started must be a real date/,
    ],
    ['no source', { source: '  ' }, /Enter where this came from/],
    [
      'intelligence without grades',
      { sourceEvaluation: '', intelligenceAssessment: '' },
      /Select the source evaluation/,
    ],
    ['no confidence', { confidence: '' }, /Select whether the link is confirmed or suspected/],
    ['a type that does not fit', { linkType: 'phone-contacted' }, /Select a type of link that fits/],
  ]
  for (const [name, fields, message] of bad) {
    it(`refuses ${name}: field message, input kept, nothing written`, async (t) => {
      const w = await world(t)
      const agent = await signIn(w.app, w.worker)
      await agent.get(paths.links.newForPerson(w.child.id))
      const res = await agent.post(paths.links.newForPerson(w.child.id), {
        ...FORM,
        to: w.adult.id,
        ...fields,
      })
      assert.equal(res.statusCode, 400)
      assert.match(res.body, /There is a problem/)
      assert.match(res.body, message)
      assert.match(res.body, new RegExp(`value="${w.adult.id}"`), 'the other end is kept')
      assert.equal(await countRows(w.db.ownerUrl, 'link'), 0)
      assert.equal(await countRows(w.db.ownerUrl, 'audit_event', `action = 'record.create'`), 0)
    })
  }

  it('a record the user may not see gets the same message as one that does not exist; nothing leaks or is written', async (t) => {
    const w = await world(t)
    const agent = await signIn(w.app, w.worker)
    await agent.get(paths.links.newForPerson(w.child.id))
    const hidden = await agent.post(paths.links.newForPerson(w.child.id), { ...FORM, to: w.hidden.id })
    const missing = await agent.post(paths.links.newForPerson(w.child.id), {
      ...FORM,
      to: '00000000-0000-4000-8000-000000000000',
    })
    const byNhs = await agent.post(paths.links.newForPerson(w.child.id), {
      ...FORM,
      to: w.hidden.nhsNumber ?? '',
    })
    for (const res of [hidden, missing, byNhs]) {
      assert.equal(res.statusCode, 400)
      assert.match(res.body, /Select a record you can see/)
      assert.doesNotMatch(res.body, new RegExp(w.hidden.givenName))
    }
    assert.equal(await countRows(w.db.ownerUrl, 'link'), 0)
    const denied = await audits(w.db.ownerUrl, 'access.denied', 'person')
    assert.ok(denied.some((d) => d.record_id === w.hidden.id && d.actor_id === w.worker.id))
    assert.ok(
      denied.some(
        (d) => d.record_id === '00000000-0000-4000-8000-000000000000' && d.reason === 'no such record',
      ),
      'a record id that names nothing is audited as a refused read too',
    )
  })

  it('refuses a link of a person to themselves', async (t) => {
    const w = await world(t)
    const agent = await signIn(w.app, w.worker)
    await agent.get(paths.links.newForPerson(w.child.id))
    const res = await agent.post(paths.links.newForPerson(w.child.id), {
      ...FORM,
      linkType: 'associate-of',
      to: w.child.id,
    })
    assert.equal(res.statusCode, 400)
    assert.match(res.body, /A record cannot be linked to itself/)
    assert.equal(await countRows(w.db.ownerUrl, 'link'), 0)
  })

  it('the form for a person the user may not see is a 404, audited; a role without link:write gets 403', async (t) => {
    const w = await world(t)
    const agent = await signIn(w.app, w.worker)
    assert.equal((await agent.get(paths.links.newForPerson(w.hidden.id))).statusCode, 404)
    const denied = await audits(w.db.ownerUrl, 'access.denied', 'person')
    assert.equal(denied.at(-1)?.record_id, w.hidden.id)
    const dslAgent = await signIn(w.app, w.dsl)
    assert.equal((await dslAgent.get(paths.links.newForPerson(w.child.id))).statusCode, 403)
    assert.deepEqual(await deniedReasons(w.db.ownerUrl, w.dsl.id), ['missing capability link:write'])
  })
})

async function aLink(
  w: Awaited<ReturnType<typeof world>>,
  toId?: string,
  linkType = 'associate-of',
): Promise<string> {
  return w.services.links.create(
    {
      userId: w.worker.id,
      partnershipId: w.worker.partnershipId,
      agencyId: w.worker.agencyId,
      teamIds: [w.teamId],
      managedTeamIds: [],
      roles: ['social-worker'],
    },
    {
      linkType,
      fromKind: 'person',
      fromId: w.child.id,
      to: toId ?? w.adult.id,
      fromDate: '2025-01-01',
      toDate: '',
      source: 'Strategy meeting minutes',
      sourceType: 'record',
      sourceAgencyId: '',
      sourceEvaluation: '',
      intelligenceAssessment: '',
      confidence: 'confirmed',
    },
    { requestId: 'test', ip: '127.0.0.1' },
  )
}

describe('links on a place’s and a thing’s pages', () => {
  it('show the child only to those who may see the child', async (t) => {
    const w = await world(t)
    await aLink(w, w.phoneId, 'uses-phone')
    await aLink(w, 'NS1 4AB', 'lives-at')
    const worker = await signIn(w.app, w.worker)
    const phone = await worker.get(paths.objects.show(w.phoneId))
    assert.equal(phone.statusCode, 200)
    assert.match(phone.body, /Phone used by/)
    assert.match(phone.body, new RegExp(w.child.givenName))
    const flat = await worker.get(paths.locations.show(w.flatId))
    assert.match(flat.body, /Home of/)
    assert.match(flat.body, new RegExp(w.child.givenName))
    const stranger = await signIn(w.app, w.stranger)
    const hiddenPhone = await stranger.get(paths.objects.show(w.phoneId))
    assert.equal(hiddenPhone.statusCode, 200)
    assert.doesNotMatch(hiddenPhone.body, new RegExp(w.child.givenName))
    assert.match(hiddenPhone.body, /No links recorded that you can see/)
    const hiddenFlat = await stranger.get(paths.locations.show(w.flatId))
    assert.doesNotMatch(hiddenFlat.body, new RegExp(w.child.givenName))
  })
})

describe('a link’s page and ending a link', () => {
  it('ends a link with a reason; it stays, marked ended, with who and why; a stale form answers 409 with input kept', async (t) => {
    const w = await world(t)
    const linkId = await aLink(w)
    const agent = await signIn(w.app, w.worker)
    const page = await agent.get(paths.links.show(linkId))
    assert.match(page.body, /End this link/)
    const empty = await agent.post(paths.links.end(linkId), { version: '1', endReason: '' })
    assert.equal(empty.statusCode, 400)
    assert.match(empty.body, /Enter why this link has ended/)
    const ended = await agent.post(paths.links.end(linkId), {
      version: '1',
      endReason: 'Moved out of the area',
    })
    assert.equal(ended.statusCode, 303)
    const after = await agent.get(paths.links.show(linkId))
    assert.match(after.body, /Ended/)
    assert.match(after.body, /Moved out of the area/)
    assert.doesNotMatch(after.body, /End this link/)
    const rows = await ownerQuery<{ ended_by: string; to_date: string; version: number }>(
      w.db.ownerUrl,
      `SELECT ended_by, to_date::text, version FROM link WHERE id = $1`,
      [linkId],
    )
    assert.equal(rows.at(0)?.ended_by, w.worker.id)
    assert.equal(rows.at(0)?.to_date, todayInLondon())
    assert.equal(rows.at(0)?.version, 2)
    const updates = await audits(w.db.ownerUrl, 'record.update')
    assert.equal(updates.length, 1)
    assert.equal(updates.at(0)?.details.change, 'end')
    // The person page still shows the ended link (history kept).
    const personPage = await agent.get(paths.people.show(w.child.id))
    assert.match(personPage.body, /Ended: Moved out of the area/)

    const second = await aLink(w, w.adultPoliceId)
    await agent.get(paths.links.show(second))
    await ownerQuery(w.db.ownerUrl, 'UPDATE link SET version = version + 1 WHERE id = $1', [second])
    const stale = await agent.post(paths.links.end(second), {
      version: '1',
      endReason: 'No longer in contact',
    })
    assert.equal(stale.statusCode, 409)
    assert.match(stale.body, /Someone else changed this link/)
    assert.match(stale.body, /No longer in contact/)
    assert.equal(await countRows(w.db.ownerUrl, 'link', 'id = $1 AND ended_at IS NULL', [second]), 1)
  })

  it('is a 404 (audited) when either end is not visible; the DSL of neither end sees nothing', async (t) => {
    const w = await world(t)
    const linkId = await aLink(w)
    const res = await (await signIn(w.app, w.stranger)).get(paths.links.show(linkId))
    assert.equal(res.statusCode, 404)
    assert.doesNotMatch(res.body, new RegExp(w.child.givenName))
    const missing = await (
      await signIn(w.app, w.stranger)
    ).get(paths.links.show('00000000-0000-4000-8000-000000000000'))
    assert.equal(missing.statusCode, 404)
    const denied = await audits(w.db.ownerUrl, 'access.denied')
    assert.equal(denied.at(0)?.record_id, linkId)
    assert.equal(denied.at(0)?.actor_id, w.stranger.id)
    const end = await (
      await signIn(w.app, w.stranger)
    ).submit(
      paths.people.list,
      {
        version: '1',
        endReason: 'Trying',
      },
      paths.links.end(linkId),
    )
    assert.equal(end.statusCode, 404)
    assert.equal(await countRows(w.db.ownerUrl, 'link', 'ended_at IS NOT NULL'), 0)
  })
})

describe('the links API', () => {
  it('POST /api/v1/links creates, GET reads it with provenance, the person’s list shows it, end keeps it; 409 when stale', async (t) => {
    const w = await world(t)
    const auth = await tokenFor(w, w.worker, ['person:read', 'link:write'])
    const created = await api(w.app, auth).post(paths.api.links(), {
      linkType: 'lives-at',
      from: { kind: 'person', id: w.child.id },
      to: { id: w.adult.id },
      source: 'Police stop 12/3',
      confidence: 'confirmed',
    })
    // A person is not a place: "lives at" does not reach them, so the end is not found.
    assert.equal(created.statusCode, 400)
    assert.equal(created.json<{ errors: Array<{ field: string }> }>().errors.at(0)?.field, '/body/to/id')
    const ok = await api(w.app, auth).post(paths.api.links(), {
      linkType: 'exploited-by',
      from: { kind: 'person', id: w.child.id },
      to: { id: w.adult.id },
      fromDate: '2025-02-03',
      source: 'Police intelligence log 881',
      sourceType: 'intelligence',
      sourceEvaluation: '3',
      intelligenceAssessment: 'D',
      confidence: 'suspected',
    })
    assert.equal(ok.statusCode, 201, ok.body)
    const link = ok.json<{
      link: { id: string; version: number; sourceType: string; to: { name: string } }
    }>().link
    assert.equal(link.sourceType, 'intelligence')
    assert.equal(ok.headers.location, paths.api.link(link.id))
    const got = await api(w.app, auth).get(paths.api.link(link.id))
    assert.equal(got.statusCode, 200)
    assert.equal(got.json<{ link: { intelligenceAssessment: string } }>().link.intelligenceAssessment, 'D')
    const list = await api(w.app, auth).get(paths.api.personLinks(w.child.id))
    assert.equal(list.statusCode, 200)
    const links = list.json<{ links: Array<{ id: string; relation: string }> }>().links
    assert.deepEqual(
      links.map((l) => [l.id, l.relation]),
      [[link.id, 'exploited by']],
    )
    const fromAdult = await api(w.app, auth).get(paths.api.personLinks(w.adult.id))
    assert.equal(fromAdult.json<{ links: Array<{ relation: string }> }>().links.at(0)?.relation, 'exploits')

    const end = await api(w.app, auth).post(paths.api.linkEnd(link.id), {
      version: 1,
      reason: 'Intelligence withdrawn',
      endedOn: todayInLondon(),
    })
    assert.equal(end.statusCode, 200, end.body)
    assert.equal(end.json<{ link: { current: boolean; version: number } }>().link.current, false)
    const again = await api(w.app, auth).post(paths.api.linkEnd(link.id), { version: 1, reason: 'Again' })
    assert.equal(again.statusCode, 409)
    assert.match(String(again.headers['content-type']), /problem\+json/)
    const kept = await api(w.app, auth).get(paths.api.personLinks(w.child.id))
    assert.equal(kept.json<{ links: Array<{ current: boolean }> }>().links.at(0)?.current, false)
  })

  it('links a thing to a place (a phone seen at a flat by its postcode) between two shared entities', async (t) => {
    const w = await world(t)
    const auth = await tokenFor(w, w.worker, ['person:read', 'link:write'])
    const res = await api(w.app, auth).post(paths.api.links(), {
      linkType: 'object-at',
      from: { kind: 'object', id: w.phoneId },
      to: { kind: 'location', id: 'ns1 4ab' },
      source: 'Cell site report 77',
      confidence: 'suspected',
    })
    assert.equal(res.statusCode, 201, res.body)
    const link = res.json<{ link: { from: { href: string }; to: { id: string; href: string } } }>().link
    assert.equal(link.to.id, w.flatId)
    assert.equal(link.from.href, paths.objects.show(w.phoneId))
    assert.equal(link.to.href, paths.locations.show(w.flatId))
  })

  it('bad input on the API: problem+json field errors and nothing written', async (t) => {
    const w = await world(t)
    const auth = await tokenFor(w, w.worker, ['person:read', 'link:write'])
    const post = (payload: Record<string, unknown>) => api(w.app, auth).post(paths.api.links(), payload)
    const base = {
      linkType: 'associate-of',
      from: { kind: 'person', id: w.child.id },
      to: { id: w.adult.id },
      source: 'Case note',
      confidence: 'confirmed',
    }
    const cases: Array<[Record<string, unknown>, string, RegExp]> = [
      [{ fromDate: '2025-03-01', toDate: '2025-02-01' }, '/body/toDate', /after the date it started/],
      [{ to: { id: w.child.id } }, '/body/to/id', /cannot be linked to itself/],
      [{ to: { id: w.hidden.id } }, '/body/to/id', /Select a record you can see/],
      [{ from: { kind: 'person', id: w.hidden.id } }, '/body/from/id', /Select a record you can see/],
      [{ linkType: 'not-a-type' }, '/body/linkType', /Select the type of link/],
      [{ sourceEvaluation: '1' }, '/body/sourceEvaluation', /only when the source is intelligence/],
    ]
    for (const [change, field, message] of cases) {
      const res = await post({ ...base, ...change })
      assert.equal(res.statusCode, 400, JSON.stringify(change))
      const errors = res.json<{ errors: Array<{ field: string; message: string }> }>().errors
      const hit = errors.find((e) => e.field === field)
      assert.ok(hit, `${field} in ${JSON.stringify(errors)}`)
      assert.match(hit.message, message)
      assert.doesNotMatch(res.body, new RegExp(w.hidden.givenName))
    }
    assert.equal(await countRows(w.db.ownerUrl, 'link'), 0)
  })

  it('denied: 403 without link:write (audited), 404 for a link or person the caller may not see, ends untouched', async (t) => {
    const w = await world(t)
    const linkId = await aLink(w)
    const readOnly = await tokenFor(w, w.worker, ['person:read'])
    const refused = await api(w.app, readOnly).post(paths.api.links(), {
      linkType: 'associate-of',
      from: { kind: 'person', id: w.child.id },
      to: { id: w.adult.id },
      source: 'x',
      confidence: 'confirmed',
    })
    assert.equal(refused.statusCode, 403)
    assert.equal(
      await countRows(
        w.db.ownerUrl,
        'audit_event',
        `action = 'access.denied' AND reason = 'missing capability link:write'`,
      ),
      1,
    )
    const stranger = await tokenFor(w, w.stranger, ['person:read', 'link:write'])
    for (const url of [paths.api.link(linkId), paths.api.personLinks(w.child.id)]) {
      const res = await api(w.app, stranger).get(url)
      assert.equal(res.statusCode, 404, url)
      assert.doesNotMatch(res.body, new RegExp(w.child.givenName))
    }
    const end = await api(w.app, stranger).post(paths.api.linkEnd(linkId), {
      version: 1,
      reason: 'Not mine to end',
    })
    assert.equal(end.statusCode, 404)
    assert.equal(await countRows(w.db.ownerUrl, 'link', 'ended_at IS NOT NULL'), 0)
    // The stranger's own child linked to the worker's child: the worker does not see that link at all.
    await ownerQuery(
      w.db.ownerUrl,
      `INSERT INTO link (partnership_id, link_type, from_kind, from_id, to_kind, to_id, source, confidence)
       VALUES ($1, 'sibling-of', 'person', $2, 'person', $3, 'School record', 'confirmed')`,
      [w.worker.partnershipId, w.child.id, w.hidden.id],
    )
    const mine = await tokenFor(w, w.worker, ['person:read'])
    const list = await api(w.app, mine).get(paths.api.personLinks(w.child.id))
    assert.equal(list.json<{ links: unknown[] }>().links.length, 1)
    assert.doesNotMatch(list.body, new RegExp(w.hidden.givenName))
  })
})

it('the OpenAPI document lists the links operations under the links tag', async (t) => {
  const { app } = await build(t)
  const doc = (await app.inject(paths.api.openapi())).json<{
    tags: Array<{ name: string }>
    paths: Record<string, Record<string, { tags?: string[] }>>
  }>()
  assert.ok(doc.tags.some((tag) => tag.name === 'links'))
  const operations = [
    ['/api/v1/links', 'post'],
    ['/api/v1/links/{id}', 'get'],
    ['/api/v1/people/{id}/links', 'get'],
    ['/api/v1/links/{id}/end', 'post'],
  ] as const
  for (const [path, method] of operations) {
    assert.deepEqual(doc.paths[path]?.[method]?.tags, ['links'], `${method} ${path}`)
  }
})
