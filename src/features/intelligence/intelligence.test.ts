import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { sql } from 'kysely'
import { withTransaction } from '../../db/database.ts'
import { paths } from '../../platform/paths.ts'
import { api, errorFields } from '../../../test/helpers/api.ts'
import { auditEvents } from '../../../test/helpers/audit.ts'
import type { build } from '../../../test/helpers/build.ts'
import { ownerQuery } from '../../../test/helpers/database.ts'
import { dateInputs } from '../../../test/helpers/forms.ts'
import { currentActor, signIn, signInAt, TEST_REQUEST, type TestUser } from '../../../test/helpers/sign-in.ts'
import { allocatedChildWorld } from '../../../test/factories/team-factory.ts'
import { countRows, createMeeting } from '../../../test/factories/person-factory.ts'
import { bearer, createObject } from '../../../test/factories/pole-factory.ts'
import { subjectReference } from './intelligence-routes.ts'

import { entry, reader, recordBoth, world } from '../../../test/helpers/intelligence-world.ts'

type Ctx = Parameters<typeof build>[0]

describe('intelligence entries: who sees what', () => {
  it('police record 2/B/P and 3/C/C entries; handlers read them in full, MACE members sanitised unless excluded, nobody else', async (t) => {
    const w = await world(t)
    const ids = await recordBoth(w)

    const police = await reader(w, w.police)
    const full = await police.get(paths.api.intelligenceEntry(ids.c))
    assert.equal(full.statusCode, 200)
    const shown = full.json<{
      entry: Record<string, unknown>
      subjects: Array<{ kind: string; id: string }>
    }>()
    assert.equal(shown.entry.grading, '3/C/C')
    assert.equal(shown.entry.full, true)
    assert.match(String(shown.entry.fullText), /CHIS 4471/)
    assert.equal(shown.entry.sourceReference, 'CHIS-4471/26')
    assert.deepEqual(
      (shown.entry.conditions as Array<{ effect: string; agencyType: string }>).map((c) => [
        c.effect,
        c.agencyType,
      ]),
      [['deny', 'education']],
    )
    assert.deepEqual(
      shown.subjects.map((s) => s.kind),
      ['object', 'person'],
    )

    // Children's services at MACE: both, sanitised (no full text, no source, no conditions, no author).
    const social = await reader(w, w.maceSocial)
    for (const id of [ids.p, ids.c]) {
      const res = await social.get(paths.api.intelligenceEntry(id))
      assert.equal(res.statusCode, 200)
      const e = res.json<{ entry: Record<string, unknown> }>().entry
      assert.equal(e.full, false)
      assert.equal(e.fullText, null)
      assert.equal(e.sourceReference, null)
      assert.deepEqual(e.conditions, [])
      assert.equal(e.recordedByName, null)
      assert.equal(e.sanitisedText, 'The child is seen being driven by an older male at night')
      assert.doesNotMatch(res.body, /CHIS|4471|Dean Voss/)
    }

    // Education at MACE: the P entry sanitised; the C entry ("not to be shared with education") does not exist.
    const school = await reader(w, w.maceSchool)
    assert.equal((await school.get(paths.api.intelligenceEntry(ids.p))).statusCode, 200)
    const excluded = await school.get(paths.api.intelligenceEntry(ids.c))
    assert.equal(excluded.statusCode, 404)
    assert.doesNotMatch(excluded.body, /CHIS|driven|3\/C/)

    // The school's DSL and the front door are not MACE members: neither entry exists for them.
    for (const user of [w.dsl, w.frontDoor]) {
      const other = await reader(w, user)
      for (const id of [ids.p, ids.c])
        assert.equal((await other.get(paths.api.intelligenceEntry(id))).statusCode, 404)
    }
    // Only handlers list intelligence.
    assert.equal((await social.get(paths.api.intelligence())).statusCode, 403)
    const handler = api(w.app, await bearer(w.db, w.police.email, ['intelligence:read']))
    const list = await handler.get(paths.api.intelligence())
    assert.equal(list.statusCode, 200)
    assert.deepEqual(
      list
        .json<{ entries: Array<{ id: string }> }>()
        .entries.map((e) => e.id)
        .sort(),
      [ids.p, ids.c].sort(),
    )
  })

  it('row-level security repeats the rule: as the runtime role each user’s SQL finds only the entries (and subjects and conditions) they may see', async (t) => {
    const w = await world(t)
    const ids = await recordBoth(w)
    const seen = (user: TestUser) =>
      withTransaction(w.db.database, { actorId: user.id, partnershipId: user.partnershipId }, async (trx) => {
        const entries = await sql<{ id: string }>`SELECT id FROM intelligence ORDER BY id`.execute(trx)
        const subjects = await sql<{
          n: number
        }>`SELECT count(*)::int AS n FROM intelligence_subject`.execute(trx)
        const conditions = await sql<{
          n: number
        }>`SELECT count(*)::int AS n FROM intelligence_condition`.execute(trx)
        return {
          entries: entries.rows.map((r) => r.id),
          subjects: subjects.rows[0]?.n,
          conditions: conditions.rows[0]?.n,
        }
      })
    assert.deepEqual(await seen(w.police), { entries: [ids.p, ids.c].sort(), subjects: 4, conditions: 1 })
    assert.deepEqual(await seen(w.maceSocial), { entries: [ids.p, ids.c].sort(), subjects: 4, conditions: 1 })
    assert.deepEqual(await seen(w.maceSchool), { entries: [ids.p], subjects: 2, conditions: 0 })
    assert.deepEqual(await seen(w.dsl), { entries: [], subjects: 0, conditions: 0 })
    assert.deepEqual(await seen(w.frontDoor), { entries: [], subjects: 0, conditions: 0 })
    // A meeting that closes ends the MACE members' sight of it.
    await ownerQuery(w.db.ownerUrl, "UPDATE meeting SET status = 'closed'")
    assert.deepEqual(await seen(w.maceSocial), { entries: [], subjects: 0, conditions: 0 })
  })

  it('audits the entry’s recording, each subject it is attached to, and each read (a list item by item)', async (t) => {
    const w = await world(t)
    const ids = await recordBoth(w)
    const created = await auditEvents(w.db.ownerUrl, { recordId: ids.p, action: 'record.create' })
    assert.equal(created.length, 1)
    assert.deepEqual(
      {
        actor: created[0]?.actor_id,
        grading: created[0]?.details.grading,
        subjects: created[0]?.details.subjects,
      },
      { actor: w.police.id, grading: '2/B/P', subjects: 2 },
    )
    const attached = await auditEvents(w.db.ownerUrl, { recordId: w.child.id, action: 'intelligence.attach' })
    assert.deepEqual(
      attached.map((a) => a.details.intelligenceId),
      [ids.p, ids.c],
    )
    await (await reader(w, w.maceSocial)).get(paths.api.intelligenceEntry(ids.c))
    const reads = await auditEvents(w.db.ownerUrl, { recordId: ids.c, action: 'record.read' })
    assert.deepEqual(
      reads.map((r) => [r.actor_id, r.details.via]),
      [
        [w.police.id, 'api'], // the 201's body
        [w.maceSocial.id, 'api'],
      ],
    )
    await (await reader(w, w.dsl)).get(paths.api.intelligenceEntry(ids.c))
    const denied = await auditEvents(w.db.ownerUrl, { recordId: ids.c, action: 'access.denied' })
    assert.deepEqual(
      denied.map((d) => d.actor_id),
      [w.dsl.id],
    )
  })
})

describe('intelligence entries: bad input', () => {
  it('refuses C without conditions, unknown agencies, a missing grading and no subject, each on its field, writing nothing', async (t) => {
    const w = await world(t)
    const police = api(w.app, await bearer(w.db, w.police.email, ['intelligence:write']))
    const cases: Array<[Record<string, unknown>, string[]]> = [
      [{ handlingCode: 'C' }, ['conditions']],
      [
        {
          handlingCode: 'C',
          conditions: [{ effect: 'allow', agencyId: '00000000-0000-4000-8000-000000000000' }],
        },
        ['conditions'],
      ],
      [{ conditions: [{ effect: 'deny', agencyType: 'education' }] }, ['conditions']],
      [
        { reportingAgencyId: '00000000-0000-4000-8000-000000000000', sanitisedText: ' ' },
        ['reportingAgencyId', 'sanitisedText'],
      ],
      [{ subjects: [{ kind: 'person', id: '00000000-0000-4000-8000-000000000000' }] }, ['subjects']],
      [{ reportedOn: '2999-01-01' }, ['reportedOn']],
    ]
    for (const [overrides, fields] of cases) {
      const res = await police.post(paths.api.intelligence(), entry(w, overrides))
      assert.equal(res.statusCode, 400, JSON.stringify(overrides))
      assert.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8')
      assert.deepEqual(errorFields(res), fields, JSON.stringify(overrides))
    }
    // The schema refuses a grading outside the scales before the service sees it.
    const badGrade = await police.post(paths.api.intelligence(), entry(w, { intelligenceAssessment: 'F' }))
    assert.equal(badGrade.statusCode, 400)
    for (const table of ['intelligence', 'intelligence_condition', 'intelligence_subject']) {
      assert.equal(await countRows(w.db.ownerUrl, table), 0, table)
    }
  })

  it('the page shows every problem in the error summary and keeps what was typed', async (t) => {
    const w = await world(t)
    const agent = await signIn(w.app, w.police)
    const form = await agent.get(`${paths.intelligence.new}?subject=person:${w.child.id}`)
    assert.equal(form.statusCode, 200)
    assert.match(form.body, new RegExp(`value="person:${w.child.id}" checked`))
    // Handling code C, but no condition ticked.
    const typed = {
      ...dateInputs('reportedOn', '1', '2', '2026'),
      reportingAgencyId: w.agencies.police,
      sanitisedText: 'Seen with older males at the bus station',
      fullText: 'Officer saw the child with two males',
      sourceEvaluation: '1',
      intelligenceAssessment: 'A',
      handlingCode: 'C',
      subject: `person:${w.child.id}`,
    }
    const res = await agent.post(paths.intelligence.new, typed)
    assert.equal(res.statusCode, 400)
    assert.match(res.body, /govuk-error-summary/)
    assert.match(res.body, /Handling code C needs conditions/)
    assert.match(res.body, /href="#conditions"/)
    assert.match(res.body, /Seen with older males at the bus station/)
    assert.equal(await countRows(w.db.ownerUrl, 'intelligence'), 0)

    const ok = await agent.post(paths.intelligence.new, {
      ...typed,
      denyType: 'education',
      otherSubject: `http://localhost${paths.objects.show(w.car.id)}`,
    })
    assert.equal(ok.statusCode, 303, ok.body)
    const show = await agent.get(String(ok.headers.location))
    assert.equal(show.statusCode, 200)
    assert.match(show.body, /Intelligence graded 1\/A\/C/)
    assert.match(show.body, /May not receive: Education/)
    assert.equal(await countRows(w.db.ownerUrl, 'intelligence_subject'), 2)
  })

  it('a role that may not record intelligence gets 403 from the form and the API', async (t) => {
    const w = await world(t)
    const agent = await signIn(w.app, w.maceSocial)
    assert.equal((await agent.get(paths.intelligence.new)).statusCode, 403)
    const res = await (await reader(w, w.maceSocial)).post(paths.api.intelligence(), entry(w))
    assert.equal(res.statusCode, 403)
    assert.equal(await countRows(w.db.ownerUrl, 'intelligence'), 0)
  })
})

describe('subjectReference', () => {
  it('reads a record’s address or a kind:id reference', () => {
    const id = '0f8fad5b-d9cb-469f-a165-70867728950e'
    assert.deepEqual(subjectReference(`person:${id}`), { kind: 'person', id })
    assert.deepEqual(subjectReference(`https://openmace.example/locations/${id}?x=1`), {
      kind: 'location',
      id,
    })
    assert.deepEqual(subjectReference(`/objects/${id}`), { kind: 'object', id })
    assert.equal(subjectReference('Dean Voss'), undefined)
  })
})

describe('links derived from intelligence', () => {
  /** The child's social worker records "travels in" the car graded 3/C; a teammate, a MACE member and a DSL look. */
  async function gradedWorld(t: Ctx) {
    const w = await allocatedChildWorld(t, {
      others: { colleague: ['social-worker'], mace: ['social-worker'], dsl: ['dsl'] },
      teamMates: ['colleague'],
      child: (worker) => ({ involvedAgencyIds: [worker.agencyId] }),
    })
    // Recorded by the worker's agency, so theirs to link (decideThing: own agency's records).
    const car = await createObject(w.db.database, w.worker.partnershipId, {
      kind: 'vehicle',
      value: 'LK21XYZ',
      createdBy: w.worker.id,
    })
    await createMeeting(w.db.database, w.worker.partnershipId, {
      memberIds: [w.mace.id],
      personIds: [w.child.id],
    })
    const scopes = ['person:read', 'person:search', 'link:write', 'mace:attend']
    const as = async (user: TestUser) => api(w.app, await bearer(w.db, user.email, scopes))
    const created = await (
      await as(w.worker)
    ).post(paths.api.links(), {
      linkType: 'seen-in-vehicle',
      from: { kind: 'person', id: w.child.id },
      to: { id: car.id },
      source: 'Seen getting into the car outside school, not to be shared with education',
      sourceType: 'intelligence',
      sourceEvaluation: '3',
      intelligenceAssessment: 'C',
      confidence: 'suspected',
    })
    assert.equal(created.statusCode, 201, created.body)
    const linkId = created.json<{ link: { id: string } }>().link.id
    return { ...w, car, as, linkId }
  }

  it('records the link’s entry; the link is seen only by those who may see the entry, on every surface', async (t) => {
    const w = await gradedWorld(t)
    const [row] = await ownerQuery<{ intelligence_id: string | null }>(
      w.db.ownerUrl,
      'SELECT intelligence_id FROM link WHERE id = $1',
      [w.linkId],
    )
    assert.ok(row?.intelligence_id, 'the link derives from an entry')
    const [entryRow] = await ownerQuery<{ grading: string; recorded_by: string }>(
      w.db.ownerUrl,
      'SELECT source_evaluation || intelligence_assessment || handling_code AS grading, recorded_by FROM intelligence WHERE id = $1',
      [row.intelligence_id],
    )
    assert.deepEqual(entryRow, { grading: '3CP', recorded_by: w.worker.id })

    const linkIds = async (user: TestUser, url: string) => {
      const res = await (await w.as(user)).get(url)
      assert.equal(res.statusCode, 200, `${url}: ${res.body}`)
      return res.json<{ links: Array<{ id: string }> }>().links.map((l) => l.id)
    }
    // The author (who may see their own entry) and the MACE member see it; the teammate and the DSL do not.
    assert.deepEqual(await linkIds(w.worker, paths.api.personLinks(w.child.id)), [w.linkId])
    assert.deepEqual(await linkIds(w.mace, paths.api.personLinks(w.child.id)), [w.linkId])
    for (const user of [w.colleague, w.dsl]) {
      assert.deepEqual(await linkIds(user, paths.api.personLinks(w.child.id)), [], user.displayName)
      assert.equal((await (await w.as(user)).get(paths.api.link(w.linkId))).statusCode, 404)
      // The child's page and the car's page say nothing of it.
      const agent = await signIn(w.app, user)
      const page = await agent.get(paths.people.show(w.child.id))
      assert.equal(page.statusCode, 200)
      assert.doesNotMatch(page.body, /LK21|outside school|Graded|3C/)
      const carPage = await agent.get(paths.objects.show(w.car.id))
      assert.doesNotMatch(carPage.body, new RegExp(w.child.givenName))
      const chronology = await agent.get(paths.people.chronology(w.child.id))
      assert.equal(chronology.statusCode, 200)
      assert.doesNotMatch(chronology.body, /LK21|outside school|Graded/)
    }
    // A vehicle search finds the child only for those who may see the link.
    const byCar = async (user: TestUser) =>
      (
        await w.services.search.search(await currentActor(w, user), { vehicle: 'LK21 XYZ' }, TEST_REQUEST)
      ).results.map((r) => r.id)
    assert.deepEqual(await byCar(w.worker), [w.child.id])
    assert.deepEqual(await byCar(w.colleague), [])
    // As the runtime role, the teammate's SQL finds no such link.
    const links = await withTransaction(
      w.db.database,
      { actorId: w.colleague.id, partnershipId: w.colleague.partnershipId },
      async (trx) => (await sql<{ n: number }>`SELECT count(*)::int AS n FROM link`.execute(trx)).rows[0]?.n,
    )
    assert.equal(links, 0)
  })
})

describe('intelligence on the child’s record page', () => {
  it('lists the entries the reader may see (sanitised for MACE), and nothing at all for anyone else', async (t) => {
    const w = await world(t)
    const ids = await recordBoth(w)
    const { page: social } = await signInAt(w.app, w.maceSocial, paths.people.show(w.child.id))
    assert.match(social.body, /id="intelligence"/)
    assert.match(social.body, new RegExp(`href="${paths.intelligence.show(ids.p)}"`))
    assert.match(social.body, new RegExp(`href="${paths.intelligence.show(ids.c)}"`))
    assert.match(social.body, /graded 3\/C\/C<\/a> \(sanitised for MACE\)/)
    assert.doesNotMatch(social.body, /CHIS|Dean Voss/)
    const { page: school } = await signInAt(w.app, w.maceSchool, paths.people.show(w.child.id))
    assert.match(school.body, new RegExp(`href="${paths.intelligence.show(ids.p)}"`))
    assert.doesNotMatch(school.body, new RegExp(ids.c))
    const { page: dsl } = await signInAt(w.app, w.dsl, paths.people.show(w.child.id))
    assert.doesNotMatch(dsl.body, /id="intelligence"|graded|sanitised/)
    const reads = await auditEvents(w.db.ownerUrl, { recordType: 'intelligence', action: 'record.read' })
    assert.deepEqual(
      reads.filter((r) => r.details.via === 'page').map((r) => r.actor_id),
      [w.maceSocial.id, w.maceSocial.id, w.maceSchool.id],
    )
  })
})
