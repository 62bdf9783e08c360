import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../../platform/errors.ts'
import { paths } from '../../platform/paths.ts'
import { RATE_LIMITS } from '../../platform/rate-limits.ts'
import type { TestCtx } from '../../../test/helpers/build.ts'
import { ownerQuery } from '../../../test/helpers/database.ts'
import {
  assertPageRefusal,
  assertProblemRefusal,
  exhaustRateLimit,
} from '../../../test/helpers/rate-limit.ts'
import { signIn, TEST_REQUEST, currentActor, signInAt } from '../../../test/helpers/sign-in.ts'
import { countRows, createPerson } from '../../../test/factories/person-factory.ts'
import { createTeamOf } from '../../../test/factories/team-factory.ts'
import {
  addAlias,
  addFlag,
  addStatus,
  createLocation,
  linkObject,
  linkPeople,
  livesAt,
  setIdentifiers,
} from '../../../test/factories/pole-links-factory.ts'
import { scoreDuplicate, transposedDate, type CandidateMeasures } from './duplicate-scoring.ts'
import { personToken } from '../../../test/helpers/tokens.ts'
import { dateInputs } from '../../../test/helpers/forms.ts'
import { staffWorld } from '../../../test/helpers/scenario.ts'

/** A team manager's team with Kieran Walsh twice (one with a typo and the day and month swapped), and a stranger's child. */
async function world(t: TestCtx) {
  const built = await staffWorld(t, {
    manager: ['team-manager'],
    worker: ['social-worker'],
    stranger: ['social-worker'],
  })
  const { db, manager, worker, stranger } = built
  const teamId = await createTeamOf(db, manager, [worker])
  const pid = manager.partnershipId
  const a = await createPerson(db.database, pid, {
    givenName: 'Kieran',
    familyName: 'Walsh',
    dateOfBirth: '2010-05-04',
    nhsNumber: '9990000018',
    allocatedTeamId: teamId,
  })
  const b = await createPerson(db.database, pid, {
    givenName: 'Keiran',
    familyName: 'Walsh',
    dateOfBirth: '2010-04-05',
    nhsNumber: null,
    allocatedTeamId: teamId,
  })
  await setIdentifiers(db.ownerUrl, b.id, { upn: 'Z123456789012', laChildId: 'LA-1234' })
  const hidden = await createPerson(db.database, pid, {
    givenName: 'Kieran',
    familyName: 'Walsh',
    dateOfBirth: '2010-05-04',
    allocatedWorkerId: stranger.id,
  })
  const unrelated = await createPerson(db.database, pid, {
    givenName: 'Priya',
    familyName: 'Shah',
    dateOfBirth: '2009-01-01',
    allocatedTeamId: teamId,
  })
  return { ...built, manager, worker, stranger, teamId, pid, a, b, hidden, unrelated }
}

const base: CandidateMeasures = {
  givenName: 'Kieran',
  familyName: 'Walsh',
  dateOfBirth: null,
  nhsNumber: null,
  upn: null,
  laChildId: null,
  policeId: null,
  nameSimilarity: 0,
  aliasSimilarity: 0,
  familySoundsAlike: false,
  givenSoundsAlike: false,
  sharesAddress: false,
}

describe('duplicate scoring', () => {
  it('adds identifiers, the strongest name signal, date of birth and address, with a reason for each', () => {
    const subject = { ...base, dateOfBirth: '2010-05-04', nhsNumber: '9990000018' }
    const same = scoreDuplicate(subject, {
      ...base,
      dateOfBirth: '2010-05-04',
      nhsNumber: '9990000018',
      nameSimilarity: 1,
      sharesAddress: true,
    })
    assert.equal(same.score, 100)
    assert.deepEqual(same.reasons, [
      'Same NHS number',
      'Same name',
      'Same date of birth',
      'Lives at the same address',
    ])
    const typo = scoreDuplicate(subject, {
      ...base,
      givenName: 'Keiran',
      dateOfBirth: '2010-04-05',
      nameSimilarity: 0.6,
      familySoundsAlike: true,
      givenSoundsAlike: true,
    })
    assert.deepEqual(typo, {
      score: 20 + 20,
      reasons: ['Names sound alike', 'Date of birth with the day and month swapped'],
    })
    const conflicting = scoreDuplicate(subject, { ...base, nhsNumber: '9990000026', nameSimilarity: 1 })
    assert.equal(conflicting.score, 0)
    assert.ok(conflicting.reasons.includes('Different NHS numbers'))
  })

  it('swaps day and month only where that makes another date', () => {
    assert.equal(transposedDate('2010-05-04'), '2010-04-05')
    assert.equal(transposedDate('2010-05-05'), null)
    assert.equal(transposedDate('2010-05-24'), null)
  })
})

describe('duplicate candidates', () => {
  it('finds a record with a misspelt name and swapped date of birth, scores it with reasons, and never an invisible one', async (t) => {
    const w = await world(t)
    const actor = await currentActor(w, w.manager)
    const { candidates } = await w.services.duplicates.forPerson(actor, w.a.id, TEST_REQUEST)
    assert.deepEqual(
      candidates.map((c) => c.id),
      [w.b.id],
    )
    assert.ok(candidates[0]!.reasons.includes('Date of birth with the day and month swapped'))
    assert.ok(candidates[0]!.score >= 40)
    const reads = await countRows(
      w.db.ownerUrl,
      'audit_event',
      "action = 'record.read' AND record_id = $1 AND details->>'via' = 'duplicates'",
      [w.b.id],
    )
    assert.equal(reads, 1)
  })

  it('counts shared identifiers, aliases and a shared home', async (t) => {
    const w = await world(t)
    const c = await createPerson(w.db.database, w.pid, {
      givenName: 'Kez',
      familyName: 'Unknown',
      dateOfBirth: null,
      nhsNumber: null,
      allocatedTeamId: w.teamId,
    })
    await addAlias(w.db.ownerUrl, { id: c.id, partnershipId: w.pid }, 'Kieran Walsh', 'alias')
    const home = await createLocation(w.db.ownerUrl, w.pid, 'NS1 4AB')
    await livesAt(w.db.ownerUrl, { id: w.a.id, partnershipId: w.pid }, home)
    await livesAt(w.db.ownerUrl, { id: c.id, partnershipId: w.pid }, home)
    const actor = await currentActor(w, w.manager)
    const { candidates } = await w.services.duplicates.forPerson(actor, w.a.id, TEST_REQUEST)
    const found = candidates.find((x) => x.id === c.id)
    assert.ok(found !== undefined)
    assert.deepEqual(found.reasons, ['Name matches an alias', 'Lives at the same address'])
    // A UPN that fails its check letter is refused on the field, not matched.
    await assert.rejects(
      w.services.duplicates.forNew(actor, { givenName: 'Someone', upn: 'z123456789012' }, TEST_REQUEST),
      (e: unknown) => e instanceof ValidationError && e.fieldErrors[0]?.field === 'upn',
    )
  })

  it('checks would-be fields before create, and refuses bad ones on the field', async (t) => {
    const w = await world(t)
    const actor = await currentActor(w, w.manager)
    const found = await w.services.duplicates.forNew(
      actor,
      { givenName: 'kieran', familyName: 'walsh', dateOfBirth: '2010-05-04' },
      TEST_REQUEST,
    )
    assert.equal(found[0]?.id, w.a.id)
    assert.ok(!found.some((c) => c.id === w.hidden.id))
    // Without a date of birth, by the name alone (fuzzy) and an identifier.
    const byName = await w.services.duplicates.forNew(
      actor,
      { givenName: 'Kieran', familyName: 'Walsh', laChildId: 'LA-1234' },
      TEST_REQUEST,
    )
    assert.deepEqual(
      byName.map((c) => c.id),
      [w.b.id],
    )
    assert.equal(byName[0]?.reasons[0], 'Same local authority ID')
    const nameOnly = await w.services.duplicates.forNew(
      actor,
      { givenName: 'Kieran', familyName: 'Walsh' },
      TEST_REQUEST,
    )
    // A name alone (35) is below the threshold: nothing is shown, but the lookup ran without error.
    assert.deepEqual(nameOnly, [])
    await assert.rejects(
      w.services.duplicates.forNew(actor, { givenName: 'Kieran', nhsNumber: '9990000019' }, TEST_REQUEST),
      (e: unknown) => e instanceof ValidationError && e.fieldErrors[0]?.field === 'nhsNumber',
    )
    await assert.rejects(w.services.duplicates.forNew(actor, {}, TEST_REQUEST), ValidationError)
  })

  it('a person the user may not see answers 404, audited', async (t) => {
    const w = await world(t)
    await assert.rejects(
      w.services.duplicates.forPerson(await currentActor(w, w.manager), w.hidden.id, TEST_REQUEST),
      NotFoundError,
    )
    assert.equal(
      await countRows(w.db.ownerUrl, 'audit_event', "action = 'access.denied' AND record_id = $1", [
        w.hidden.id,
      ]),
      1,
    )
  })
})

/** Everything on a person, as rows: for comparing before a merge and after un-merging. */
async function snapshot(ownerUrl: string, ids: string[]) {
  const q = (text: string) => ownerQuery(ownerUrl, text, [ids])
  return {
    people: await q(
      `SELECT id, nhs_number, upn, la_child_id, police_id, merged_into_id FROM person WHERE id = ANY ($1) ORDER BY id`,
    ),
    aliases: await q(
      `SELECT id, person_id FROM person_alias WHERE person_id = ANY ($1) AND removed_at IS NULL ORDER BY id`,
    ),
    statuses: await q(
      `SELECT id, person_id FROM person_statutory_status WHERE person_id = ANY ($1) ORDER BY id`,
    ),
    links: await q(
      `SELECT id, from_id, to_id FROM link WHERE from_id = ANY ($1) OR to_id = ANY ($1) ORDER BY id`,
    ),
    flags: await q(`SELECT id, subject_id FROM flag WHERE subject_id = ANY ($1) ORDER BY id`),
    agencies: await q(
      `SELECT person_id, agency_id FROM person_agency WHERE person_id = ANY ($1) ORDER BY person_id, agency_id`,
    ),
  }
}

async function version(ownerUrl: string, id: string): Promise<number> {
  const [row] = await ownerQuery<{ version: number }>(ownerUrl, 'SELECT version FROM person WHERE id = $1', [
    id,
  ])
  return row!.version
}

describe('merge and un-merge', () => {
  it('moves everything of B to A and back again exactly', async (t) => {
    const w = await world(t)
    const A = { id: w.a.id, partnershipId: w.pid }
    const B = { id: w.b.id, partnershipId: w.pid }
    const [otherAgency] = await ownerQuery<{ id: string }>(
      w.db.ownerUrl,
      'SELECT id FROM agency WHERE partnership_id = $1 AND id <> $2 LIMIT 1',
      [w.pid, w.manager.agencyId],
    )
    await ownerQuery(
      w.db.ownerUrl,
      'INSERT INTO person_agency (person_id, agency_id, partnership_id) VALUES ($1, $2, $3), ($4, $2, $3), ($4, $5, $3)',
      [A.id, w.manager.agencyId, w.pid, B.id, otherAgency!.id],
    )
    await addAlias(w.db.ownerUrl, B, 'K-Dog')
    await addStatus(w.db.ownerUrl, B)
    await linkObject(w.db.ownerUrl, B, 'phone', '+441134960999')
    await linkPeople(w.db.ownerUrl, { id: w.unrelated.id, partnershipId: w.pid }, B.id)
    await linkPeople(w.db.ownerUrl, A, B.id) // between the two: stays where it is
    await addFlag(w.db.ownerUrl, B, w.manager.id)
    const before = await snapshot(w.db.ownerUrl, [A.id, B.id])
    const actor = await currentActor(w, w.manager)

    const { mergeId, moved } = await w.services.merges.merge(
      actor,
      A.id,
      {
        mergedId: B.id,
        reason: 'Same child: school confirmed',
        survivorVersion: await version(w.db.ownerUrl, A.id),
        mergedVersion: await version(w.db.ownerUrl, B.id),
      },
      TEST_REQUEST,
    )
    assert.equal(moved.aliases.length, 1)
    assert.equal(moved.statuses.length, 1)
    assert.equal(moved.linksFrom.length, 1)
    assert.equal(moved.linksTo.length, 1)
    assert.equal(moved.flags.length, 1)
    assert.deepEqual(moved.agencies, [otherAgency!.id])
    assert.deepEqual(moved.identifiers, ['upn', 'la_child_id'])
    const during = await snapshot(w.db.ownerUrl, [A.id, B.id])
    const people = new Map(during.people.map((p) => [p.id as string, p]))
    assert.equal(people.get(B.id)?.merged_into_id, A.id)
    assert.equal(people.get(A.id)?.upn, 'Z123456789012')
    assert.equal(people.get(B.id)?.upn, 'Z123456789012') // kept on B, which is no longer live
    assert.ok(during.flags.every((f) => f.subject_id === A.id))
    assert.ok(during.statuses.every((s) => s.person_id === A.id))
    // B is no longer found; A is found by B's name and identifiers.
    const search = await w.services.search.search(actor, { identifier: 'LA-1234' }, TEST_REQUEST)
    assert.deepEqual(
      search.results.map((r) => r.id),
      [A.id],
    )
    const byOldName = await w.services.search.search(actor, { name: 'keiran walsh' }, TEST_REQUEST)
    assert.ok(byOldName.results.some((r) => r.id === A.id))
    assert.ok(!byOldName.results.some((r) => r.id === B.id))
    assert.equal(
      await countRows(w.db.ownerUrl, 'audit_event', "action = 'record.merge' AND details->>'mergeId' = $1", [
        mergeId,
      ]),
      2,
    )

    const [merge] = await ownerQuery<{ version: number }>(
      w.db.ownerUrl,
      'SELECT version FROM person_merge WHERE id = $1',
      [mergeId],
    )
    await w.services.merges.unmerge(
      actor,
      A.id,
      { mergeId, reason: 'Twins, not the same child', version: merge!.version },
      TEST_REQUEST,
    )
    const after = await snapshot(w.db.ownerUrl, [A.id, B.id])
    assert.deepEqual(after, before)
    assert.equal(
      await countRows(
        w.db.ownerUrl,
        'audit_event',
        "action = 'record.unmerge' AND details->>'mergeId' = $1",
        [mergeId],
      ),
      2,
    )
    // Reversing twice is a stale request.
    await assert.rejects(
      w.services.merges.unmerge(
        actor,
        A.id,
        { mergeId, reason: 'again', version: merge!.version },
        TEST_REQUEST,
      ),
      ConflictError,
    )
  })

  it('refuses a merge into itself on the field, an invisible record with 404, a stale version with 409, and a role without person:merge with 403: nothing written', async (t) => {
    const w = await world(t)
    const actor = await currentActor(w, w.manager)
    const va = await version(w.db.ownerUrl, w.a.id)
    const vb = await version(w.db.ownerUrl, w.b.id)
    const merge = (mergedId: string, versions: [number, number] = [va, vb], who = actor) =>
      w.services.merges.merge(
        who,
        w.a.id,
        { mergedId, reason: 'Same child', survivorVersion: versions[0], mergedVersion: versions[1] },
        TEST_REQUEST,
      )
    await assert.rejects(
      merge(w.a.id),
      (e: unknown) =>
        e instanceof ValidationError &&
        e.fieldErrors[0]?.field === 'mergedId' &&
        /itself/.test(e.fieldErrors[0].message),
    )
    await assert.rejects(merge(w.hidden.id), NotFoundError)
    await assert.rejects(merge(w.b.id, [va, vb + 1]), ConflictError)
    await assert.rejects(merge(w.b.id, [va, vb], await currentActor(w, w.worker)), ForbiddenError)
    await assert.rejects(
      w.services.merges.merge(
        actor,
        w.a.id,
        { mergedId: w.b.id, reason: ' ', survivorVersion: va, mergedVersion: vb },
        TEST_REQUEST,
      ),
      (e: unknown) => e instanceof ValidationError && e.fieldErrors[0]?.field === 'reason',
    )
    assert.equal(await countRows(w.db.ownerUrl, 'person_merge'), 0)
    assert.equal(await countRows(w.db.ownerUrl, 'person', 'merged_into_id IS NOT NULL'), 0)
    assert.equal(await version(w.db.ownerUrl, w.a.id), va)
    assert.equal(
      await countRows(w.db.ownerUrl, 'audit_event', "action = 'access.denied' AND record_id = $1", [
        w.hidden.id,
      ]),
      1,
    )
  })
})

describe('duplicate and merge pages and API', () => {
  it('the duplicates page lists candidates with score and reasons, and the merge form merges and the merges page reverses', async (t) => {
    const w = await world(t)
    const agent = await signIn(w.app, w.manager)
    const record = await agent.get(paths.people.show(w.a.id))
    assert.match(
      record.body,
      new RegExp(`href="${paths.people.duplicates(w.a.id)}"[^>]*>Check for duplicates`),
    )
    const page = await agent.get(paths.people.duplicates(w.a.id))
    assert.equal(page.statusCode, 200)
    assert.match(page.body, /Keiran/)
    assert.match(page.body, /day and month swapped/)
    assert.ok(!page.body.includes(w.hidden.id))
    const form = await agent.get(`${paths.people.merge(w.a.id)}?with=${w.b.id}`)
    assert.equal(form.statusCode, 200)
    /** Posts the form merging b into a, at both records' current versions unless `survivorVersion` is given. */
    const mergeBIntoA = async (reason: string, survivorVersion?: string) =>
      agent.post(paths.people.merge(w.a.id), {
        mergedId: w.b.id,
        reason,
        survivorVersion: survivorVersion ?? String(await version(w.db.ownerUrl, w.a.id)),
        mergedVersion: String(await version(w.db.ownerUrl, w.b.id)),
      })
    const empty = await mergeBIntoA('')
    assert.equal(empty.statusCode, 400)
    assert.match(empty.body, /Enter why these are the same person/)
    assert.equal(await countRows(w.db.ownerUrl, 'person_merge'), 0)
    const stale = await mergeBIntoA('Typed reason kept', '999')
    assert.equal(stale.statusCode, 409)
    assert.match(stale.body, /Someone else changed this record/)
    assert.match(stale.body, /Typed reason kept/)
    const self = await agent.post(paths.people.merge(w.a.id), {
      mergedId: w.a.id,
      reason: 'x',
      survivorVersion: '1',
      mergedVersion: '1',
    })
    assert.equal(self.statusCode, 400)
    assert.match(self.body, /cannot be merged into itself/)
    await agent.get(`${paths.people.merge(w.a.id)}?with=${w.b.id}`)
    const done = await mergeBIntoA('Same child')
    assert.equal(done.statusCode, 303)
    assert.equal(done.headers.location, paths.people.merges(w.a.id))
    const merges = await agent.get(paths.people.merges(w.a.id))
    assert.match(merges.body, /Reverse this merge/)
    const [m] = await ownerQuery<{ id: string; version: number }>(
      w.db.ownerUrl,
      'SELECT id, version FROM person_merge',
    )
    const undone = await agent.post(paths.people.unmerge(w.a.id), {
      mergeId: m!.id,
      version: String(m!.version),
      reason: 'Not the same child',
    })
    assert.equal(undone.statusCode, 303)
    assert.equal(await countRows(w.db.ownerUrl, 'person', 'merged_into_id IS NOT NULL'), 0)
  })

  it('the API gives candidates, merges with 409 on a stale version, and refuses roles without the capability', async (t) => {
    const w = await world(t)
    const { agent, page: res } = await signInAt(w.app, w.manager, paths.api.personDuplicates(w.a.id))
    assert.deepEqual(
      res.json<{ candidates: Array<{ id: string }> }>().candidates.map((c) => c.id),
      [w.b.id],
    )
    const missing = await agent.get(paths.api.personDuplicates(w.hidden.id))
    assert.equal(missing.statusCode, 404)
    const token = await personToken(w.db, w.manager.email, ['person:merge', 'person:write', 'person:read'])
    const call = (url: string, payload: object) =>
      w.app.inject({ method: 'POST', url, payload, headers: { authorization: `Bearer ${token.token}` } })
    const check = await call(paths.api.duplicateCandidates(), {
      givenName: 'Kieran',
      familyName: 'Walsh',
      dateOfBirth: '2010-05-04',
    })
    assert.equal(check.statusCode, 200)
    assert.equal(check.json<{ candidates: Array<{ id: string }> }>().candidates[0]?.id, w.a.id)
    /** Merges `mergedId` into Kieran (w.a) at the versions given. */
    const merge = (mergedId: string, survivorVersion: number, mergedVersion: number) =>
      call(paths.api.personMerge(w.a.id), { mergedId, reason: 'Same', survivorVersion, mergedVersion })
    const stale = await merge(w.b.id, 99, 1)
    assert.equal(stale.statusCode, 409)
    assert.match(String(stale.headers['content-type']), /problem\+json/)
    const self = await merge(w.a.id, 1, 1)
    assert.equal(self.statusCode, 400)
    const ok = await merge(w.b.id, await version(w.db.ownerUrl, w.a.id), await version(w.db.ownerUrl, w.b.id))
    assert.equal(ok.statusCode, 200)
    const list = await agent.get(paths.api.personMerges(w.a.id))
    assert.equal(list.json<{ merges: unknown[] }>().merges.length, 1)
    const worker = await signIn(w.app, w.worker)
    assert.equal((await worker.get(paths.api.personMerges(w.a.id))).statusCode, 403)
    assert.equal((await worker.get(paths.people.merges(w.a.id))).statusCode, 403)
  })
})

describe('the duplicate step of "Add a person"', () => {
  it('shows possible duplicates the user may see before saving, then creates a new record only when asked to', async (t) => {
    const w = await world(t)
    const agent = await signIn(w.app, w.manager)
    await agent.get(paths.people.new)
    const form = {
      kind: 'child',
      givenName: 'Kieran',
      familyName: 'Walsh',
      ...dateInputs('dateOfBirth', '4', '5', '2010'),
    }
    const people = await countRows(w.db.ownerUrl, 'person')
    const check = await agent.post(paths.people.new, form)
    assert.equal(check.statusCode, 200)
    assert.match(check.body, /data-testid="possible-duplicates"/)
    assert.match(check.body, new RegExp(`href="${paths.people.show(w.a.id)}"`))
    assert.ok(!check.body.includes(w.hidden.id))
    assert.match(check.body, /Create a new record anyway/)
    assert.match(check.body, /name="duplicatesChecked" value="yes"/)
    assert.equal(await countRows(w.db.ownerUrl, 'person'), people)
    const created = await agent.post(paths.people.new, { ...form, duplicatesChecked: 'yes' })
    assert.equal(created.statusCode, 303)
    assert.equal(await countRows(w.db.ownerUrl, 'person'), people + 1)
  })

  it('goes straight to saving when nothing alike is found', async (t) => {
    const w = await world(t)
    const agent = await signIn(w.app, w.manager)
    await agent.get(paths.people.new)
    const res = await agent.post(paths.people.new, {
      kind: 'child',
      givenName: 'Zebedee',
      familyName: 'Quarrington',
      ...dateInputs('dateOfBirth', '17', '11', '2012'),
    })
    assert.equal(res.statusCode, 303)
  })
})

describe('the duplicate check rate limit (RATE_LIMITS.duplicateCheck)', () => {
  it('refuses one user’s checks beyond the limit on the page with the GOV.UK error page, and not another user’s', async (t) => {
    const w = await world(t)
    const agent = await signIn(w.app, w.manager)
    const refused = await exhaustRateLimit(RATE_LIMITS.duplicateCheck.max, () =>
      agent.get(paths.people.duplicates(w.a.id)),
    )
    assertPageRefusal(refused)
    const worker = await signIn(w.app, w.worker)
    assert.equal((await worker.get(paths.people.duplicates(w.a.id))).statusCode, 200)
  })

  it('refuses one caller’s API checks beyond the limit with problem+json (a person’s and a would-be person’s), and not another caller’s', async (t) => {
    const w = await world(t)
    const agent = await signIn(w.app, w.manager)
    assertProblemRefusal(
      await exhaustRateLimit(RATE_LIMITS.duplicateCheck.max, () =>
        agent.get(paths.api.personDuplicates(w.a.id)),
      ),
    )
    const token = await personToken(w.db, w.worker.email, ['person:write'], { name: 'duplicate checks' })
    const check = () =>
      w.app.inject({
        method: 'POST',
        url: paths.api.duplicateCandidates(),
        payload: { givenName: 'Kieran', familyName: 'Walsh', dateOfBirth: '2010-05-04' },
        headers: { authorization: `Bearer ${token.token}` },
      })
    assertProblemRefusal(await exhaustRateLimit(RATE_LIMITS.duplicateCheck.max, check))
    // Another caller is counted on their own.
    assert.equal(
      (await (await signIn(w.app, w.stranger)).get(paths.api.personDuplicates(w.hidden.id))).statusCode,
      200,
    )
  })
})
