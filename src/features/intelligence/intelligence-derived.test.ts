import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { sql } from 'kysely'
import { withTransaction } from '../../db/database.ts'
import { addDays } from '../flags/flag-validation.ts'
import { todayInLondon } from '../../platform/calendar.ts'
import { paths } from '../../platform/paths.ts'
import { api, errorFields } from '../../../test/helpers/api.ts'
import { ownerQuery } from '../../../test/helpers/database.ts'
import { entry, NOT_EDUCATION, reader, world, type World } from '../../../test/helpers/intelligence-world.ts'
import { signIn, type TestUser } from '../../../test/helpers/sign-in.ts'
import { bearer, createLocation } from '../../../test/factories/pole-factory.ts'

/**
 * What derives from intelligence (i12d): a flag raised from an entry, a place's or thing's description written
 * from one, and an entry's new version. Each is seen only by those who may see the entry, on every surface, in
 * the policy and in row-level security; bad input is refused with nothing written.
 */

const REVIEW = addDays(todayInLondon(), 30)
const SUSPECT = 'Dean Voss'

/** The world, a flat the entry is about, and the police's API caller that may record and flag. */
async function derivedWorld(t: Parameters<typeof world>[0]) {
  const w = await world(t)
  // A flat recorded by children's services (so the DSL's agency does not hold it), linked to nobody.
  const flat = await createLocation(w.db.database, w.police.partnershipId, {
    kind: 'address',
    createdBy: w.frontDoor.id,
  })
  const policeApi = api(
    w.app,
    await bearer(w.db, w.police.email, [
      'intelligence:write',
      'intelligence:read',
      'person:read',
      'flag:write',
    ]),
  )
  return { ...w, flat, policeApi }
}
type Derived = Awaited<ReturnType<typeof derivedWorld>>

/** Records an entry about the child, the car and the flat (handling P unless overridden). */
async function record(w: Derived, overrides: Record<string, unknown> = {}): Promise<string> {
  const res = await w.policeApi.post(
    paths.api.intelligence(),
    entry(w, {
      fullText: `CHIS 4471: the flat is used by ${SUSPECT} to store drugs; the car is his`,
      subjects: [
        { kind: 'person', id: w.child.id },
        { kind: 'object', id: w.car.id },
        { kind: 'location', id: w.flat.id },
      ],
      ...overrides,
    }),
  )
  assert.equal(res.statusCode, 201, res.body)
  return res.json<{ entry: { id: string } }>().entry.id
}

const flagsOf = async (w: World, user: TestUser, kind: 'person' | 'location', id: string) => {
  const caller = await reader(w, user)
  const url = kind === 'person' ? paths.api.personFlags(id) : paths.api.locationFlags(id)
  return caller.get(url)
}

/** As the runtime role, what the user's own SQL finds of the derived rows. */
async function sqlSees(w: World, user: TestUser) {
  return withTransaction(
    w.db.database,
    { actorId: user.id, partnershipId: user.partnershipId },
    async (trx) => ({
      flags: (await sql<{ id: string }>`SELECT id FROM flag WHERE intelligence_id IS NOT NULL`.execute(trx))
        .rows.length,
      descriptions: (await sql<{ n: string }>`SELECT entity_id FROM intelligence_description`.execute(trx))
        .rows.length,
    }),
  )
}

describe('a flag raised from an intelligence entry', () => {
  it('takes the entry’s words, and is seen only by those who may see the entry: in full by police, sanitised at MACE, by nobody else', async (t) => {
    const w = await derivedWorld(t)
    const id = await record(w, NOT_EDUCATION)
    const flat = await w.policeApi.post(paths.api.locationFlags(w.flat.id), {
      flagType: 'cuckooed',
      reviewDate: REVIEW,
      intelligenceId: id,
    })
    assert.equal(flat.statusCode, 201, flat.body)
    const flag = flat.json<{ flag: Record<string, unknown> }>().flag
    assert.equal(flag.intelligenceId, id)
    assert.equal(flag.intelligenceGrading, '2/B/C')
    assert.match(String(flag.reason), /CHIS 4471/, 'its setter (a handler) reads the full text')

    const stored = await ownerQuery<{ reason: string; intelligence_id: string }>(
      w.db.ownerUrl,
      'SELECT reason, intelligence_id FROM flag WHERE id = $1',
      [flag.id],
    )
    assert.deepEqual(stored, [
      { reason: 'The child is seen being driven by an older male at night', intelligence_id: id },
    ])

    // Police: the flag, in full. Children's services at MACE: it does not concern their agenda's child but the
    // flat; the entry is about the child on their agenda, so they see it, sanitised. Education is excluded (C).
    const police = await w.policeApi.get(paths.api.locationFlags(w.flat.id))
    assert.equal(police.statusCode, 200)
    assert.deepEqual(
      police.json<{ flags: Array<{ id: string }> }>().flags.map((f) => f.id),
      [flag.id],
    )
    for (const user of [w.maceSocial, w.maceSchool, w.dsl, w.frontDoor]) {
      const res = await flagsOf(w, user, 'location', w.flat.id)
      const shown = res.statusCode === 200 ? res.json<{ flags: Array<Record<string, unknown>> }>().flags : []
      assert.ok(!res.body.includes(SUSPECT) && !res.body.includes('CHIS'), `no full text for ${user.email}`)
      // Children's services recorded the flat: their readers see it (own agency), the DSL and school do not.
      assert.equal(res.statusCode, user === w.maceSocial || user === w.frontDoor ? 200 : 404, res.body)
      if (user === w.maceSocial) {
        assert.deepEqual(
          shown.map((f) => [f.id, f.reason]),
          [[flag.id, 'The child is seen being driven by an older male at night']],
        )
      } else {
        assert.equal(
          shown.some((f) => f.id === flag.id),
          false,
          `${user.email} sees no flag based on an entry they may not see`,
        )
        assert.ok(!res.body.includes(id), 'nor the entry’s id')
      }
      // The flag's own route answers as for a flag that does not exist.
      const one = await (await reader(w, user)).get(paths.api.flag(String(flag.id)))
      if (user !== w.maceSocial) assert.equal(one.statusCode, 404, `${user.email}: ${one.body}`)
    }

    // Row-level security repeats it: as the runtime role, the school's SQL finds no such flag; police's does.
    assert.equal((await sqlSees(w, w.dsl)).flags, 0)
    assert.equal((await sqlSees(w, w.maceSchool)).flags, 0)
    assert.equal((await sqlSees(w, w.police)).flags, 1)
    // The page shows it to police with where it came from, and nothing of it to the DSL.
    const policePage = await (await signIn(w.app, w.police)).get(paths.locations.show(w.flat.id))
    assert.equal(policePage.statusCode, 200)
    assert.match(policePage.body, /Based on/)
    assert.match(policePage.body, new RegExp(paths.intelligence.show(id)))
  })

  it('refuses an entry the setter may not build on, one that is not about the subject, or none: 400, nothing written', async (t) => {
    const w = await derivedWorld(t)
    const id = await record(w)
    const other = await createLocation(w.db.database, w.police.partnershipId, { createdBy: w.police.id })
    const flags = async () =>
      Number(
        (await ownerQuery<{ n: string }>(w.db.ownerUrl, 'SELECT count(*) AS n FROM flag', []))[0]?.n ?? 0,
      )
    const before = await flags()
    for (const intelligenceId of [id.replace(/.$/, (c) => (c === '0' ? '1' : '0')), 'not-an-id']) {
      const res = await w.policeApi.post(paths.api.locationFlags(w.flat.id), {
        flagType: 'cuckooed',
        reviewDate: REVIEW,
        intelligenceId,
      })
      assert.equal(res.statusCode, 400, res.body)
      assert.deepEqual(errorFields(res), ['intelligenceId'])
    }
    const notAbout = await w.policeApi.post(paths.api.locationFlags(other.id), {
      flagType: 'cuckooed',
      reviewDate: REVIEW,
      intelligenceId: id,
    })
    assert.equal(notAbout.statusCode, 400, notAbout.body)
    assert.deepEqual(errorFields(notAbout), ['intelligenceId'])
    // Without an entry a reason is still needed.
    const bare = await w.policeApi.post(paths.api.locationFlags(w.flat.id), {
      flagType: 'cuckooed',
      reviewDate: REVIEW,
    })
    assert.equal(bare.statusCode, 400)
    assert.deepEqual(errorFields(bare), ['reason'])
    assert.equal(await flags(), before, 'nothing written')

    // The page keeps what was typed and says which field is wrong (an entry missing from the page's query: 404).
    const page = await signIn(w.app, w.police)
    const form = await page.get(`${paths.flags.newOnLocation(w.flat.id)}?intelligence=${id}`)
    assert.equal(form.statusCode, 200)
    assert.match(form.body, /Based on/)
    assert.match(form.body, /The child is seen being driven by an older male at night/)
    const missing = await page.get(`${paths.flags.newOnLocation(w.flat.id)}?intelligence=${other.id}`)
    assert.equal(missing.statusCode, 404)
    const posted = await page.post(`${paths.flags.newOnLocation(w.flat.id)}?intelligence=${id}`, {
      flagType: 'cuckooed',
      intelligenceId: id,
      'reviewDate-day': '1',
      'reviewDate-month': '1',
      'reviewDate-year': '2001',
    })
    assert.equal(posted.statusCode, 400)
    assert.match(posted.body, /Review date must be in the future/)
    assert.match(posted.body, new RegExp(`name="intelligenceId" value="${id}"`))
    assert.equal(await flags(), before)
  })
})

describe('a place’s or thing’s description from an entry', () => {
  it('is shown with the record only where the entry may be seen; anyone else sees no description', async (t) => {
    const w = await derivedWorld(t)
    const id = await record(w, NOT_EDUCATION)
    const res = await w.policeApi.post(paths.api.intelligenceDescriptions(id), {
      subject: `object:${w.car.id}`,
      description: `Used by the suspect ${SUSPECT}`,
    })
    assert.equal(res.statusCode, 201, res.body)
    assert.deepEqual(res.json(), { kind: 'object', id: w.car.id })

    const police = await w.policeApi.get(paths.api.object(w.car.id))
    assert.equal(police.statusCode, 200)
    assert.deepEqual(police.json<{ object: Record<string, unknown> }>().object.intelligenceDescription, {
      text: `Used by the suspect ${SUSPECT}`,
      intelligenceId: id,
      grading: '2/B/C',
      full: true,
    })
    // The car is linked to nobody: only police read it at all; the others are answered 404 or see no description.
    for (const user of [w.dsl, w.maceSchool, w.frontDoor, w.maceSocial]) {
      const seen = await (await reader(w, user)).get(paths.api.object(w.car.id))
      assert.ok(!seen.body.includes(SUSPECT), `${user.email} does not read the description`)
      assert.equal(seen.statusCode, 404, `${user.email}: the car is linked to nobody they may read`)
    }
    // The flat, which children's services recorded, described from the entry: its readers who may see the entry
    // (children's services at MACE) read the entry's sanitised text; the front door (no MACE) sees no description.
    const flatDescribed = await w.policeApi.post(paths.api.intelligenceDescriptions(id), {
      subject: `location:${w.flat.id}`,
      description: `Where ${SUSPECT} stores drugs`,
    })
    assert.equal(flatDescribed.statusCode, 201, flatDescribed.body)
    const asMace = await (await reader(w, w.maceSocial)).get(paths.api.location(w.flat.id))
    assert.equal(asMace.statusCode, 200)
    assert.deepEqual(asMace.json<{ location: Record<string, unknown> }>().location.intelligenceDescription, {
      text: 'The child is seen being driven by an older male at night',
      intelligenceId: id,
      grading: '2/B/C',
      full: false,
    })
    const asFrontDoor = await (await reader(w, w.frontDoor)).get(paths.api.location(w.flat.id))
    assert.equal(asFrontDoor.statusCode, 200)
    assert.equal(
      asFrontDoor.json<{ location: Record<string, unknown> }>().location.intelligenceDescription,
      null,
    )
    assert.ok(!asFrontDoor.body.includes(id) && !asMace.body.includes(SUSPECT))
    const frontDoorPage = await (await signIn(w.app, w.frontDoor)).get(paths.locations.show(w.flat.id))
    assert.equal(frontDoorPage.statusCode, 200)
    assert.ok(!frontDoorPage.body.includes('From intelligence') && !frontDoorPage.body.includes(SUSPECT))
    assert.equal((await sqlSees(w, w.maceSchool)).descriptions, 0)
    assert.equal((await sqlSees(w, w.dsl)).descriptions, 0)
    assert.equal((await sqlSees(w, w.frontDoor)).descriptions, 0)
    assert.equal((await sqlSees(w, w.maceSocial)).descriptions, 2)
    assert.equal((await sqlSees(w, w.police)).descriptions, 2)

    const page = await (await signIn(w.app, w.police)).get(paths.objects.show(w.car.id))
    assert.equal(page.statusCode, 200)
    assert.match(page.body, /data-testid="intelligence-description">Used by the suspect Dean Voss</)
  })

  it('refuses a record the entry is not about, an empty or long text, and anyone who may not build on it', async (t) => {
    const w = await derivedWorld(t)
    const id = await record(w)
    const cases: Array<[Record<string, string>, string[]]> = [
      [{ subject: `person:${w.child.id}`, description: 'x' }, ['subject']],
      [{ subject: 'object:nonsense', description: '' }, ['subject', 'description']],
      [{ subject: `location:${w.flat.id}`, description: 'y'.repeat(2001) }, ['description']],
    ]
    for (const [body, fields] of cases) {
      const res = await w.policeApi.post(paths.api.intelligenceDescriptions(id), body)
      assert.equal(res.statusCode, 400, res.body)
      assert.deepEqual(errorFields(res), fields)
    }
    const dsl = api(w.app, await bearer(w.db, w.dsl.email, ['person:read']))
    const refused = await dsl.post(paths.api.intelligenceDescriptions(id), {
      subject: `location:${w.flat.id}`,
      description: 'A DSL may not write from police intelligence',
    })
    assert.equal(refused.statusCode, 403)
    const rows = await ownerQuery(w.db.ownerUrl, 'SELECT 1 FROM intelligence_description', [])
    assert.equal(rows.length, 0, 'nothing written')
    // The page shows the entry's subjects to choose from and keeps what was typed.
    const page = await signIn(w.app, w.police)
    assert.equal((await page.get(paths.intelligenceDerived.describe(id))).statusCode, 200)
    const posted = await page.post(paths.intelligenceDerived.describe(id), {
      subject: '',
      description: 'Where the line is run from',
    })
    assert.equal(posted.statusCode, 400)
    assert.match(posted.body, /Select a place or thing this entry is about/)
    assert.match(posted.body, /Where the line is run from/)
  })
})

describe('a new version of an entry', () => {
  it('supersedes the old one (kept for handlers), takes what derived from it, and refuses a stale version with 409', async (t) => {
    const w = await derivedWorld(t)
    const id = await record(w)
    const flat = await w.policeApi.post(paths.api.locationFlags(w.flat.id), {
      flagType: 'cuckooed',
      reviewDate: REVIEW,
      intelligenceId: id,
    })
    assert.equal(flat.statusCode, 201, flat.body)
    const described = await w.policeApi.post(paths.api.intelligenceDescriptions(id), {
      subject: `object:${w.car.id}`,
      description: 'Used by the suspect',
    })
    assert.equal(described.statusCode, 201)
    const fields = Object.fromEntries(Object.entries(entry(w)).filter(([key]) => key !== 'subjects'))
    const res = await w.policeApi.post(paths.api.intelligenceVersions(id), {
      ...fields,
      sanitisedText: 'The child is driven by an older male to a flat at night',
      intelligenceAssessment: 'A',
      version: 1,
    })
    assert.equal(res.statusCode, 201, res.body)
    const successor = res.json<{ entry: { id: string; grading: string; supersedes: string } }>().entry
    assert.equal(successor.grading, '2/A/P')
    assert.equal(successor.supersedes, id)

    const old = await w.policeApi.get(paths.api.intelligenceEntry(id))
    assert.equal(old.statusCode, 200)
    assert.equal(old.json<{ entry: { supersededBy: string } }>().entry.supersededBy, successor.id)
    const moved = await ownerQuery<{ t: string; intelligence_id: string }>(
      w.db.ownerUrl,
      `SELECT 'flag' AS t, intelligence_id FROM flag WHERE intelligence_id IS NOT NULL
       UNION ALL SELECT 'description', intelligence_id FROM intelligence_description`,
      [],
    )
    assert.deepEqual(moved.map((m) => [m.t, m.intelligence_id]).sort(), [
      ['description', successor.id],
      ['flag', successor.id],
    ])
    // The flag shows the current version's words to a MACE member; the old version is not theirs to read.
    const social = await flagsOf(w, w.maceSocial, 'location', w.flat.id)
    assert.equal(social.statusCode, 200)
    assert.deepEqual(
      social.json<{ flags: Array<{ reason: string }> }>().flags.map((f) => f.reason),
      ['The child is driven by an older male to a flat at night'],
    )
    assert.equal((await (await reader(w, w.maceSocial)).get(paths.api.intelligenceEntry(id))).statusCode, 404)
    assert.equal(
      (await (await reader(w, w.maceSocial)).get(paths.api.intelligenceEntry(successor.id))).statusCode,
      200,
    )

    // The old version again (superseded), or the new one at a version it is not at: 409, nothing written.
    const count = async () => (await ownerQuery(w.db.ownerUrl, 'SELECT 1 FROM intelligence', [])).length
    const before = await count()
    for (const [target, version] of [
      [id, 1],
      [successor.id, 7],
    ] as const) {
      const stale = await w.policeApi.post(paths.api.intelligenceVersions(target), { ...fields, version })
      assert.equal(stale.statusCode, 409, stale.body)
    }
    // Bad input on the current version: 400 on each field, nothing written.
    const bad = await w.policeApi.post(paths.api.intelligenceVersions(successor.id), {
      ...fields,
      handlingCode: 'C',
      version: 1,
    })
    assert.equal(bad.statusCode, 400)
    assert.deepEqual(errorFields(bad), ['conditions'])
    assert.equal(await count(), before)
    // The database itself refuses an edit of an entry.
    await assert.rejects(
      ownerQuery(w.db.ownerUrl, "UPDATE intelligence SET sanitised_text = 'edited' WHERE id = $1", [
        successor.id,
      ]),
      /never edited/,
    )

    // The old version's page says what replaced it; the form for it answers 409.
    const page = await signIn(w.app, w.police)
    const shown = await page.get(paths.intelligence.show(id))
    assert.match(shown.body, /This version has been superseded/)
    assert.equal((await page.get(paths.intelligenceDerived.newVersion(id))).statusCode, 409)
    const form = await page.get(paths.intelligenceDerived.newVersion(successor.id))
    assert.equal(form.statusCode, 200)
    assert.match(form.body, /Record a new version of intelligence/)
    assert.match(form.body, /The child is driven by an older male to a flat at night/)
  })
})
