import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { paths } from '../../platform/paths.ts'
import type { TestCtx } from '../../../test/helpers/build.ts'
import { staffWorld } from '../../../test/helpers/scenario.ts'
import { ownerQuery } from '../../../test/helpers/database.ts'
import { createUser, deniedAsMissing, signIn, signInAt } from '../../../test/helpers/sign-in.ts'
import { countRows, createPerson } from '../../../test/factories/person-factory.ts'
import { personAudit, readsVia } from '../../../test/helpers/audit.ts'

/**
 * A child with something from every source, at known times: the record's creation, an agency's involvement, a
 * statutory status that started and ended, a street name, links to a flat, a visible friend and an adult the
 * worker may not see, a flag, and a duplicate merged into the record.
 */
async function world(t: TestCtx) {
  const built = await staffWorld(
    t,
    { worker: ['social-worker'], stranger: ['social-worker'] },
    { env: { LOG_LEVEL: process.env.TEST_LOG ?? 'silent' } },
  )
  const { db, worker, stranger } = built
  const q = (text: string, values: unknown[] = []) => ownerQuery(db.ownerUrl, text, values)
  const agencies = await ownerQuery<{ id: string }>(
    db.ownerUrl,
    'SELECT id FROM agency WHERE partnership_id = $1 AND id <> $2 ORDER BY name',
    [worker.partnershipId, worker.agencyId],
  )
  const otherAgency = agencies[0]!.id
  const p = worker.partnershipId
  const child = await createPerson(db.database, p, { allocatedWorkerId: worker.id })
  const friend = await createPerson(db.database, p, { allocatedWorkerId: worker.id })
  const hidden = await createPerson(db.database, p, { kind: 'adult-of-concern' })
  const duplicate = await createPerson(db.database, p, { allocatedWorkerId: worker.id, nhsNumber: null })
  await q(`UPDATE person SET created_at = '2025-01-01T09:00:00Z' WHERE id = $1`, [child.id])
  await q(
    `INSERT INTO person_agency (person_id, agency_id, partnership_id, since) VALUES ($1, $2, $3, '2025-02-01')`,
    [child.id, otherAgency, p],
  )
  await q(
    `INSERT INTO person_statutory_status (partnership_id, person_id, status, from_date, to_date)
     VALUES ($1, $2, 'child-protection', '2025-03-01', '2025-06-01')`,
    [p, child.id],
  )
  await q(
    `INSERT INTO person_alias (partnership_id, person_id, kind, name, created_at)
     VALUES ($1, $2, 'street-name', 'Smokey', '2025-04-01T10:00:00Z')`,
    [p, child.id],
  )
  const [flat] = await ownerQuery<{ id: string }>(
    db.ownerUrl,
    `INSERT INTO location (partnership_id, kind, address_line_1, town, postcode)
     VALUES ($1, 'address', '12 Mill Court', 'Ashford', 'TN23 1AA') RETURNING id`,
    [p],
  )
  const link = (from: string, type: string, toKind: string, to: string, at: string, agency: string | null) =>
    q(
      `INSERT INTO link (partnership_id, link_type, from_kind, from_id, to_kind, to_id, source, source_agency_id,
                         confidence, created_at)
       VALUES ($1, $2, 'person', $3, $4, $5, 'Police report', $6, 'confirmed', $7)`,
      [p, type, from, toKind, to, agency, at],
    )
  await link(child.id, 'lives-at', 'location', flat!.id, '2025-05-01T10:00:00Z', worker.agencyId)
  await link(friend.id, 'associate-of', 'person', child.id, '2025-05-02T10:00:00Z', null)
  await link(child.id, 'exploited-by', 'person', hidden.id, '2025-05-03T10:00:00Z', null)
  await q(
    `INSERT INTO flag (partnership_id, flag_type, subject_kind, subject_id, reason, set_by, set_at, review_date)
     VALUES ($1, 'cce', 'person', $2, 'Found with cash and two phones', $3, '2025-07-01T10:00:00Z', '2026-01-01')`,
    [p, child.id, worker.id],
  )
  await q(`UPDATE person SET merged_into_id = $1 WHERE id = $2`, [child.id, duplicate.id])
  await q(
    `INSERT INTO person_merge (partnership_id, survivor_id, merged_id, reason, merged_at, merged_by)
     VALUES ($1, $2, $3, 'Same child recorded twice', '2025-08-01T10:00:00Z', $4)`,
    [p, child.id, duplicate.id, worker.id],
  )
  return { ...built, worker, stranger, otherAgency, child, friend, hidden, duplicate }
}

/** Newest first: every source, and not the link to the adult the worker may not see. */
const EXPECTED = [
  ['merge', /^Record merged: .* merged into this record$/],
  ['flag', /^Flag set: Child criminal exploitation$/],
  ['statutory-status', /^Child protection ended$/],
  ['link', /^Link recorded: associate of .+$/],
  ['link', /^Link recorded: lives at 12 Mill Court, Ashford, TN23 1AA$/],
  ['alias', /^Street name added$/],
  ['statutory-status', /^Child protection started$/],
  ['record', /^Known to .+$/],
  ['record', /^Record created$/],
] as const

const pageEvents = (html: string) =>
  [...html.matchAll(/data-event-type="([^"]+)"[\s\S]*?<h2 class="moj-timeline__title">([^<]*)<\/h2>/g)].map(
    (m) => [m[1], m[2]!.trim().replace(/&#39;/g, "'")] as const,
  )

describe('a child’s chronology', () => {
  it('shows events from every source newest first on the page and in the API, and audits each read', async (t) => {
    const w = await world(t)
    const { agent, page } = await signInAt(w.app, w.worker, paths.people.chronology(w.child.id))
    assert.match(page.body, /class="moj-timeline"/)
    const events = pageEvents(page.body)
    assert.equal(events.length, EXPECTED.length, JSON.stringify(events))
    EXPECTED.forEach(([type, title], i) => {
      const [actualType, actualTitle] = events.at(i) ?? ['', '']
      assert.equal(actualType, type)
      assert.match(actualTitle, title)
    })
    assert.match(page.body, new RegExp(`associate of ${w.friend.givenName} ${w.friend.familyName ?? ''}`))
    assert.match(page.body, /Smokey/)
    assert.match(page.body, /Found with cash and two phones/)
    assert.match(page.body, /chronology-print\.css" media="print"/)

    const api = await agent.get(paths.api.chronology(w.child.id))
    assert.equal(api.statusCode, 200)
    const body = api.json<{
      events: Array<{ type: string; title: string; dateOnly: boolean; occurredAt: string }>
    }>()
    assert.deepEqual(
      body.events.map((e) => [e.type, e.title]),
      events.map(([type, title]) => [type, title]),
    )
    const started = body.events.find((e) => e.title === 'Child protection started')
    assert.ok(started !== undefined)
    assert.equal(started.dateOnly, true)
    assert.equal(started.occurredAt, '2025-03-01')

    assert.deepEqual(await readsVia(w.db.ownerUrl, w.child.id), ['chronology', 'chronology-api'])
  })

  it('never names, links or shows a link to a record the reader may not see', async (t) => {
    const w = await world(t)
    const agent = await signIn(w.app, w.worker)
    const page = await agent.get(paths.people.chronology(w.child.id))
    const api = await agent.get(paths.api.chronology(w.child.id))
    const familyName = w.hidden.familyName
    assert.ok(familyName !== null && familyName !== undefined && familyName !== '')
    for (const body of [page.body, api.body]) {
      // The full name, not the given name alone: a generated "Jan" or "May" also names a month.
      assert.doesNotMatch(body, new RegExp(`${w.hidden.givenName}\\s+${familyName}`))
      assert.doesNotMatch(body, new RegExp(familyName))
      assert.doesNotMatch(body, new RegExp(w.hidden.id))
      assert.doesNotMatch(body, /exploited by/i)
      // The merged-away duplicate is no longer a live record: the merge is shown without naming it.
      assert.doesNotMatch(body, new RegExp(w.duplicate.id))
    }
  })

  it('filters by type and by agency (a GET form), keeping the choices', async (t) => {
    const w = await world(t)
    const { agent, page: byType } = await signInAt(
      w.app,
      w.worker,
      `${paths.people.chronology(w.child.id)}?type=flag&type=alias`,
    )
    assert.deepEqual(
      pageEvents(byType.body).map(([type]) => type),
      ['flag', 'alias'],
    )
    assert.match(byType.body, /value="flag" checked/)
    assert.match(byType.body, /value="alias" checked/)
    assert.doesNotMatch(byType.body, /value="link" checked/)

    // The other agency is named only by its involvement; the worker's agency supplied the flat and set the flag.
    const other = await agent.get(`${paths.people.chronology(w.child.id)}?agency=${w.otherAgency}`)
    assert.deepEqual(
      pageEvents(other.body).map(([type, title]) => `${type} ${title.split(' ')[0] ?? ''}`),
      ['record Known'],
    )
    const own = await agent.get(`${paths.api.chronology(w.child.id)}?agency=${w.worker.agencyId}&type=link`)
    assert.deepEqual(
      own.json<{ events: Array<{ title: string }> }>().events.map((e) => e.title),
      ['Link recorded: lives at 12 Mill Court, Ashford, TN23 1AA'],
    )
    const none = await agent.get(`${paths.people.chronology(w.child.id)}?type=merge&agency=${w.otherAgency}`)
    assert.match(none.body, /No events match these filters/)
  })

  it('bad filter values: the error summary on the page (choices kept), problem+json from the API; nothing read', async (t) => {
    const w = await world(t)
    const agent = await signIn(w.app, w.worker)
    const page = await agent.get(`${paths.people.chronology(w.child.id)}?type=flag&type=gossip&agency=nope`)
    assert.equal(page.statusCode, 400)
    assert.match(page.body, /govuk-error-summary/)
    assert.match(page.body, /href="#type">Select types of event from the list/)
    assert.match(page.body, /href="#agency">Select agencies from the list/)
    assert.match(page.body, /value="flag" checked/)
    assert.equal(pageEvents(page.body).length, 0)
    assert.doesNotMatch(page.body, new RegExp(w.child.givenName))

    const elsewhere = await createUser(w.db, w.services, { roles: ['social-worker'] })
    const api = await agent.get(`${paths.api.chronology(w.child.id)}?agency=${elsewhere.agencyId}`)
    assert.equal(api.statusCode, 400)
    assert.match(String(api.headers['content-type']), /application\/problem\+json/)
    assert.deepEqual(api.json<{ errors: unknown }>().errors, [
      { field: 'agency', message: 'Select agencies from the list' },
    ])
    assert.equal(await countRows(w.db.ownerUrl, 'audit_event', `record_id = $1`, [w.child.id]), 0)
  })

  it('is 404 for a reader without a relationship (page and API), the same as a missing record, and audited', async (t) => {
    const w = await world(t)
    const agent = await signIn(w.app, w.stranger)
    const { denied } = await deniedAsMissing(agent, (id) => paths.people.chronology(id), w.child.id)
    assert.doesNotMatch(denied.body, new RegExp(w.child.givenName))
    const api = await agent.get(paths.api.chronology(w.child.id))
    assert.equal(api.statusCode, 404)
    assert.match(String(api.headers['content-type']), /application\/problem\+json/)
    assert.doesNotMatch(api.body, /Smokey/)
    const denials = await personAudit(w.db.ownerUrl, w.child.id, 'access.denied')
    assert.deepEqual(
      denials.map((d) => [d.actor_id, d.details.via]),
      [
        [w.stranger.id, 'chronology'],
        [w.stranger.id, 'chronology-api'],
      ],
    )
    assert.equal(await countRows(w.db.ownerUrl, 'audit_event', `action = 'record.read'`), 0)
  })

  it('is linked from the child’s record page', async (t) => {
    const w = await world(t)
    const res = await (await signIn(w.app, w.worker)).get(paths.people.show(w.child.id))
    assert.match(res.body, new RegExp(`href="${paths.people.chronology(w.child.id)}"`))
  })
})
