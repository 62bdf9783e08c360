import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { paths } from '../../platform/paths.ts'
import { todayInLondon } from '../../platform/calendar.ts'
import { api } from '../../../test/helpers/api.ts'
import { ownerQuery } from '../../../test/helpers/database.ts'
import { staffWorld } from '../../../test/helpers/scenario.ts'
import { signIn, type TestUser } from '../../../test/helpers/sign-in.ts'
import { createMeeting, createPerson } from '../../../test/factories/person-factory.ts'
import { bearer } from '../../../test/factories/pole-factory.ts'

type Ctx = Parameters<typeof staffWorld>[0]
type Term = { code: string; term: string; found: string[]; in: string[] }

/** Police intelligence, a MACE member with the child on their agenda, and a DSL who may not read the entry. */
async function world(t: Ctx) {
  const w = await staffWorld(t, { police: ['police-intelligence'], mace: ['social-worker'], dsl: ['dsl'] })
  const pid = w.police.partnershipId
  const agencies = await ownerQuery<{ id: string; agency_type: string }>(
    w.db.ownerUrl,
    'SELECT id, agency_type FROM agency WHERE partnership_id = $1',
    [pid],
  )
  const agencyOf = (type: string) => agencies.find((a) => a.agency_type === type)?.id ?? ''
  const move = async (user: TestUser, agencyId: string) => {
    await ownerQuery(w.db.ownerUrl, 'UPDATE app_user SET agency_id = $2 WHERE id = $1', [user.id, agencyId])
    user.agencyId = agencyId
  }
  await move(w.police, agencyOf('police'))
  await move(w.mace, agencyOf('childrens-services'))
  const child = await createPerson(w.db.database, pid, {})
  await createMeeting(w.db.database, pid, { memberIds: [w.mace.id], personIds: [child.id] })
  const police = api(w.app, await bearer(w.db, w.police.email, ['intelligence:write', 'person:read']))
  const recorded = await police.post(paths.api.intelligence(), {
    reportedOn: todayInLondon(),
    reportingAgencyId: agencyOf('police'),
    sanitisedText: 'The child is said to be going OT at weekends',
    fullText: 'Source says the child is going OT and sleeps at a bando run as a trap house by Dean Voss',
    sourceReference: 'CHIS-1001/26',
    sourceEvaluation: '2',
    intelligenceAssessment: 'B',
    handlingCode: 'P',
    subjects: [{ kind: 'person', id: child.id }],
  })
  assert.equal(recorded.statusCode, 201, recorded.body)
  return { ...w, id: recorded.json<{ entry: { id: string } }>().entry.id }
}

const termsOf = async (w: Awaited<ReturnType<typeof world>>, user: TestUser) => {
  const caller = api(w.app, await bearer(w.db, user.email, ['person:read', 'mace:attend']))
  const res = await caller.get(paths.api.intelligenceEntry(w.id))
  return {
    status: res.statusCode,
    terms: res.statusCode === 200 ? res.json<{ streetTerms: Term[] }>().streetTerms : [],
  }
}

describe('street terms in intelligence text', () => {
  it('a handler sees the terms in both texts; a MACE member only those in the sanitised text; others nothing', async (t) => {
    const w = await world(t)
    const handler = await termsOf(w, w.police)
    assert.equal(handler.status, 200)
    assert.deepEqual(
      handler.terms.map((x) => [x.code, x.found, x.in]),
      [
        ['going-country', ['going OT'], ['sanitised', 'full']],
        ['trap-house', ['bando', 'trap house'], ['full']],
      ],
    )
    const member = await termsOf(w, w.mace)
    assert.equal(member.status, 200)
    assert.deepEqual(
      member.terms.map((x) => [x.code, x.found, x.in]),
      [['going-country', ['going OT'], ['sanitised']]],
    )
    // Not theirs to read: 404, as any entry that does not exist, and no terms.
    assert.equal((await termsOf(w, w.dsl)).status, 404)

    // The page: the same terms, with their meanings; the sanitised view never names a term only in the full text.
    const page = await (await signIn(w.app, w.mace)).get(paths.intelligence.show(w.id))
    assert.equal(page.statusCode, 200)
    assert.match(page.body, /Street terms in this intelligence/)
    assert.match(page.body, /data-testid="street-terms"/)
    assert.doesNotMatch(page.body, /Trap house|bando/i)
    const full = await (await signIn(w.app, w.police)).get(paths.intelligence.show(w.id))
    assert.match(full.body, /Trap house/)
    assert.match(full.body, /In the full text/)
  })
})
