import assert from 'node:assert/strict'
import { paths } from '../../src/platform/paths.ts'
import { todayInLondon } from '../../src/platform/calendar.ts'
import { createMeeting, createPerson } from '../factories/person-factory.ts'
import { bearer, createObject } from '../factories/pole-factory.ts'
import { api } from './api.ts'
import type { build } from './build.ts'
import { ownerQuery } from './database.ts'
import { staffWorld } from './scenario.ts'
import type { TestUser } from './sign-in.ts'

/** The intelligence tests' world: who records intelligence, who sits at MACE, who must see nothing. */
type Ctx = Parameters<typeof build>[0]

/**
 * Police intelligence, a school's DSL, two MACE members (children's services and education) with the child on
 * their current agenda, and the front door; the child's school is the DSL's. Users are moved to their agencies.
 */
export async function world(t: Ctx) {
  const w = await staffWorld(t, {
    police: ['police-intelligence'],
    dsl: ['dsl'],
    maceSocial: ['social-worker'],
    maceSchool: ['mace-chair'],
    frontDoor: ['front-door'],
  })
  const agencies = await ownerQuery<{ id: string; agency_type: string }>(
    w.db.ownerUrl,
    'SELECT id, agency_type FROM agency WHERE partnership_id = $1',
    [w.police.partnershipId],
  )
  const agencyOf = (type: string) => agencies.find((a) => a.agency_type === type)?.id ?? ''
  let education = agencyOf('education')
  if (education === '') {
    const [row] = await ownerQuery<{ id: string }>(
      w.db.ownerUrl,
      "INSERT INTO agency (partnership_id, name, agency_type) VALUES ($1, 'Northgate Academy', 'education') RETURNING id",
      [w.police.partnershipId],
    )
    education = row?.id ?? ''
  }
  const move = async (user: TestUser, agencyId: string) => {
    await ownerQuery(w.db.ownerUrl, 'UPDATE app_user SET agency_id = $2 WHERE id = $1', [user.id, agencyId])
    user.agencyId = agencyId
  }
  await move(w.police, agencyOf('police'))
  await move(w.dsl, education)
  await move(w.maceSocial, agencyOf('childrens-services'))
  await move(w.maceSchool, education)
  await move(w.frontDoor, agencyOf('childrens-services'))
  const pid = w.police.partnershipId
  const child = await createPerson(w.db.database, pid, { involvedAgencyIds: [education] })
  const car = await createObject(w.db.database, pid, { kind: 'vehicle', value: 'LK21XYZ' })
  await createMeeting(w.db.database, pid, {
    memberIds: [w.maceSocial.id, w.maceSchool.id],
    personIds: [child.id],
  })
  return { ...w, child, car, agencies: { police: agencyOf('police'), education } }
}
export type World = Awaited<ReturnType<typeof world>>

export const entry = (w: World, overrides: Record<string, unknown> = {}) => ({
  reportedOn: todayInLondon(),
  reportingAgencyId: w.agencies.police,
  sanitisedText: 'The child is seen being driven by an older male at night',
  fullText: 'CHIS 4471 reports the child driven in LK21XYZ by Dean Voss to a flat on the Eastfield estate',
  sourceReference: 'CHIS-4471/26',
  sourceEvaluation: '2',
  intelligenceAssessment: 'B',
  handlingCode: 'P',
  subjects: [
    { kind: 'person', id: w.child.id },
    { kind: 'object', id: w.car.id },
  ],
  ...overrides,
})

export const NOT_EDUCATION = { handlingCode: 'C', conditions: [{ effect: 'deny', agencyType: 'education' }] }

export async function recordBoth(w: World) {
  const police = api(w.app, await bearer(w.db, w.police.email, ['intelligence:write', 'person:read']))
  const p = await police.post(paths.api.intelligence(), entry(w))
  assert.equal(p.statusCode, 201, p.body)
  const c = await police.post(
    paths.api.intelligence(),
    entry(w, { sourceEvaluation: '3', intelligenceAssessment: 'C', ...NOT_EDUCATION }),
  )
  assert.equal(c.statusCode, 201, c.body)
  return {
    p: p.json<{ entry: { id: string } }>().entry.id,
    c: c.json<{ entry: { id: string } }>().entry.id,
  }
}

export const reader = async (w: World, user: TestUser) =>
  api(w.app, await bearer(w.db, user.email, ['person:read', 'mace:attend', 'mace:manage']))
