import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { todayInLondon } from '../../platform/calendar.ts'
import { paths } from '../../platform/paths.ts'
import { build, type TestCtx } from '../../../test/helpers/build.ts'
import { ownerQuery } from '../../../test/helpers/database.ts'
import { createUser, signIn, signInAt } from '../../../test/helpers/sign-in.ts'
import { countRows, createPerson } from '../../../test/factories/person-factory.ts'
import { allocatedChildWorld, createTeamOf } from '../../../test/factories/team-factory.ts'
import { bearer, createFlag, createLocation } from '../../../test/factories/pole-factory.ts'
import { addDays, partsOf } from './flag-validation.ts'
import { api, errorFields } from '../../../test/helpers/api.ts'
import { dateInputs } from '../../../test/helpers/forms.ts'
import { auditEvents, readsCounted } from '../../../test/helpers/audit.ts'
import { breakGlassFor } from '../../../test/helpers/scenario.ts'

/** A child allocated to a social worker's team; a colleague in the team; a worker in another team. */
async function world(t: TestCtx) {
  const w = await allocatedChildWorld(t, {
    others: { colleague: ['social-worker'], stranger: ['social-worker'], dsl: ['dsl'] },
    teamMates: ['colleague'],
    child: (worker) => ({ involvedAgencyIds: [worker.agencyId] }),
  })
  await createTeamOf(w.db, w.stranger)
  return w
}

/** A flag on a person of the world (the child unless `subjectId` says), set by the worker unless `setBy` says. */
const flagOnPerson = (
  w: Awaited<ReturnType<typeof world>>,
  flag: Omit<Parameters<typeof createFlag>[2], 'partnershipId' | 'subjectKind' | 'subjectId' | 'setBy'> & {
    subjectId?: string
    setBy?: string
  } = {},
) =>
  createFlag(w.db.database, w.db.ownerUrl, {
    partnershipId: w.worker.partnershipId,
    subjectKind: 'person',
    subjectId: w.child.id,
    setBy: w.worker.id,
    ...flag,
  })

const future = (days = 90) => partsOf(addDays(todayInLondon(), days))
const dateFields = (parts: { day?: string; month?: string; year?: string }) =>
  dateInputs('reviewDate', parts.day, parts.month, parts.year)

const flagAudits = (ownerUrl: string) => auditEvents(ownerUrl, { recordType: 'flag' })

describe('setting a flag', () => {
  it('sets a CCE flag on a child on its definition; the child’s page shows it with who set it and when', async (t) => {
    const w = await world(t)
    const { agent, page: form } = await signInAt(w.app, w.worker, paths.flags.newOnPerson(w.child.id))
    assert.match(
      form.body,
      /takes advantage of an imbalance of power to coerce, control/,
      'definition as hint',
    )
    assert.doesNotMatch(form.body, /Cuckooed address/, 'only the types that apply to a person')
    const res = await agent.post(paths.flags.newOnPerson(w.child.id), {
      flagType: 'cce',
      reason: 'Found 40 miles from home with two phones and cash; older males collect him from school',
      ...dateFields(future()),
    })
    assert.equal(res.statusCode, 303)
    assert.equal(res.headers.location, paths.people.show(w.child.id))
    const page = await agent.get(paths.people.show(w.child.id))
    assert.equal(page.statusCode, 200)
    assert.match(page.body, /data-testid="flag-cce"/)
    assert.match(page.body, /Child criminal exploitation/)
    assert.match(page.body, /Found 40 miles from home/)
    assert.match(page.body, new RegExp(w.worker.displayName))
    const [flag] = await ownerQuery<{
      id: string
      set_by: string
      set_by_team_id: string
      review_date: string
    }>(w.db.ownerUrl, 'SELECT id, set_by, set_by_team_id, review_date::text FROM flag')
    assert.equal(flag?.set_by, w.worker.id)
    assert.equal(flag.set_by_team_id, w.teamId)
    assert.equal(flag.review_date, addDays(todayInLondon(), 90))
    const audits = await flagAudits(w.db.ownerUrl)
    assert.deepEqual(
      audits.map((a) => [a.action, a.record_id, a.details.subjectId, a.details.flagType]),
      [['record.create', flag.id, w.child.id, 'cce']],
    )
  })

  it('a review date in the past, a missing reason or no type: messages on the fields, input kept, nothing written', async (t) => {
    const w = await world(t)
    const agent = await signIn(w.app, w.worker)
    await agent.get(paths.flags.newOnPerson(w.child.id))
    const past = partsOf(addDays(todayInLondon(), -1))
    const res = await agent.post(paths.flags.newOnPerson(w.child.id), {
      flagType: 'cse',
      reason: '  ',
      ...dateFields(past),
    })
    assert.equal(res.statusCode, 400)
    assert.match(res.body, /Enter the reason/)
    assert.match(res.body, /Review date must be in the future/)
    assert.match(res.body, /href="#reviewDate"/)
    assert.match(res.body, new RegExp(`name="reviewDate-year" type="text" value="${past.year ?? ''}"`))
    assert.match(res.body, /value="cse" checked/)
    const noType = await agent.post(paths.flags.newOnPerson(w.child.id), {
      reason: 'Reason given',
      ...dateFields({ day: '31', month: '2', year: '2030' }),
    })
    assert.equal(noType.statusCode, 400)
    assert.match(noType.body, /Select the kind of flag/)
    assert.match(noType.body, /Review date must be a real date/)
    assert.match(noType.body, /Reason given/)
    assert.equal(await countRows(w.db.ownerUrl, 'flag'), 0)
    assert.equal(await countRows(w.db.ownerUrl, 'audit_event', `action = 'record.create'`), 0)
  })

  it('a subject the user may not see is a 404 (audited) and nothing is written; no flag:write is a 403', async (t) => {
    const w = await world(t)
    const stranger = await signIn(w.app, w.stranger)
    assert.equal((await stranger.get(paths.flags.newOnPerson(w.child.id))).statusCode, 404)
    await stranger.get(paths.home)
    const posted = await stranger.post(paths.flags.newOnPerson(w.child.id), {
      flagType: 'cce',
      reason: 'Should not be written',
      ...dateFields(future()),
    })
    assert.equal(posted.statusCode, 404)
    assert.equal(await countRows(w.db.ownerUrl, 'flag'), 0)
    assert.equal(
      await countRows(
        w.db.ownerUrl,
        'audit_event',
        `action = 'access.denied' AND actor_id = $1 AND record_id = $2`,
        [w.stranger.id, w.child.id],
      ),
      2,
    )
    const dsl = await signIn(w.app, w.dsl)
    assert.equal((await dsl.get(paths.flags.newOnPerson(w.child.id))).statusCode, 403)
    // The DSL sees the child (their agency) and its flags, without the means to change them.
    await flagOnPerson(w)
    const page = await dsl.get(paths.people.show(w.child.id))
    assert.match(page.body, /Child criminal exploitation/)
    assert.doesNotMatch(page.body, /Set a flag/)
  })

  it('flags a location as cuckooed; a person-only type is refused on a location', async (t) => {
    const w = await world(t)
    const flat = await createLocation(w.db.database, w.worker.partnershipId, { createdBy: w.worker.id })
    const agent = await signIn(w.app, w.worker)
    await agent.get(paths.flags.newOnLocation(flat.id))
    const wrong = await agent.post(paths.flags.newOnLocation(flat.id), {
      flagType: 'cse',
      reason: 'Wrong type',
      ...dateFields(future()),
    })
    assert.equal(wrong.statusCode, 400)
    assert.match(wrong.body, /Select the kind of flag/)
    const res = await agent.post(paths.flags.newOnLocation(flat.id), {
      flagType: 'cuckooed',
      reason: 'Tenant reports visitors who took over the flat; police observed drug supply',
      ...dateFields(future(30)),
    })
    assert.equal(res.statusCode, 303)
    assert.equal(res.headers.location, paths.locations.show(flat.id))
    const page = await agent.get(paths.locations.show(flat.id))
    assert.match(page.body, /Cuckooed address/)
    assert.match(page.body, /Tenant reports visitors/)
    // A location of another partnership cannot be flagged (or seen): 404, nothing written.
    const elsewhere = await createUser(w.db, w.services, { roles: ['social-worker'] })
    const theirs = await createLocation(w.db.database, elsewhere.partnershipId)
    assert.equal((await agent.get(paths.flags.newOnLocation(theirs.id))).statusCode, 404)
    await agent.get(paths.home)
    const foreign = await agent.post(paths.flags.newOnLocation(theirs.id), {
      flagType: 'cuckooed',
      reason: 'Not ours',
      ...dateFields(future(30)),
    })
    assert.equal(foreign.statusCode, 404)
    assert.equal(await countRows(w.db.ownerUrl, 'flag'), 1)
  })
})

describe('reviewing and removing a flag', () => {
  async function flagged(t: TestCtx) {
    const w = await world(t)
    const flagId = await flagOnPerson(w, { teamId: w.teamId, reviewInDays: -3 })
    return { ...w, flagId }
  }

  it('a review sets a new future date (audited); a past date is refused; a stale form is 409', async (t) => {
    const w = await flagged(t)
    const { agent, page: form } = await signInAt(w.app, w.colleague, paths.flags.review(w.flagId))
    assert.match(form.body, /\(overdue\)/)
    const past = await agent.post(paths.flags.review(w.flagId), {
      ...dateFields(partsOf(todayInLondon())),
      version: '1',
    })
    assert.equal(past.statusCode, 400)
    assert.match(past.body, /Review date must be in the future/)
    const ok = await agent.post(paths.flags.review(w.flagId), { ...dateFields(future(60)), version: '1' })
    assert.equal(ok.statusCode, 303)
    assert.equal(ok.headers.location, paths.people.show(w.child.id))
    await agent.get(paths.flags.review(w.flagId))
    const stale = await agent.post(paths.flags.review(w.flagId), { ...dateFields(future(90)), version: '1' })
    assert.equal(stale.statusCode, 409)
    assert.match(stale.body, /Someone else changed this flag/)
    assert.match(stale.body, /name="version" value="2"/)
    const [row] = await ownerQuery<{ review_date: string; version: number }>(
      w.db.ownerUrl,
      'SELECT review_date::text, version FROM flag WHERE id = $1',
      [w.flagId],
    )
    assert.deepEqual(row, { review_date: addDays(todayInLondon(), 60), version: 2 })
    const updates = (await flagAudits(w.db.ownerUrl)).filter((a) => a.action === 'record.update')
    assert.deepEqual(
      updates.map((a) => [a.actor_id, a.details.change]),
      [[w.colleague.id, 'review']],
    )
  })

  it('removing needs a reason; a removed flag is kept in the history with who removed it and why', async (t) => {
    const w = await flagged(t)
    const agent = await signIn(w.app, w.worker)
    await agent.get(paths.flags.remove(w.flagId))
    const noReason = await agent.post(paths.flags.remove(w.flagId), { reason: '', version: '1' })
    assert.equal(noReason.statusCode, 400)
    assert.match(noReason.body, /Enter why the flag is being removed/)
    assert.equal(await countRows(w.db.ownerUrl, 'flag', 'removed_at IS NOT NULL'), 0)
    const ok = await agent.post(paths.flags.remove(w.flagId), {
      reason: 'Strategy meeting agreed the risk has reduced: moved out of area with family',
      version: '1',
    })
    assert.equal(ok.statusCode, 303)
    const page = await agent.get(paths.people.show(w.child.id))
    assert.match(page.body, /No current flags/)
    assert.match(page.body, /Removed flags \(1\)/)
    assert.match(page.body, /moved out of area with family/)
    assert.equal(await countRows(w.db.ownerUrl, 'flag'), 1, 'never deleted')
    // Removing it again (an old form) is a conflict, not a second removal.
    await agent.get(paths.home)
    const again = await agent.post(paths.flags.remove(w.flagId), { reason: 'again', version: '2' })
    assert.equal(again.statusCode, 409)
    assert.match(again.body, /This flag was removed on/)
    assert.doesNotMatch(again.body, /Remove flag<\/button>|>\s*Remove flag\s*</)
  })

  it('someone who may not see the subject gets 404 for the flag’s pages', async (t) => {
    const w = await flagged(t)
    const agent = await signIn(w.app, w.stranger)
    assert.equal((await agent.get(paths.flags.review(w.flagId))).statusCode, 404)
    assert.equal((await agent.get(paths.flags.remove(w.flagId))).statusCode, 404)
    await agent.get(paths.home)
    const res = await agent.post(paths.flags.remove(w.flagId), { reason: 'Not mine', version: '1' })
    assert.equal(res.statusCode, 404)
    assert.equal(await countRows(w.db.ownerUrl, 'flag', 'removed_at IS NOT NULL'), 0)
  })
})

describe('the task list', () => {
  it('shows an expired review to the setter and their team, not to others, and only on subjects they may see', async (t) => {
    const w = await world(t)
    const overdue = await flagOnPerson(w, { teamId: w.teamId, reviewInDays: -1 })
    // Not yet due: not a task.
    await flagOnPerson(w, { teamId: w.teamId, flagType: 'missing', reviewInDays: 10 })
    // Set by the worker through break-glass on a child the team does not work with: the colleague may not see it.
    const elsewhere = await createPerson(w.db.database, w.worker.partnershipId)
    await breakGlassFor(w, w.worker, elsewhere)
    const hidden = await flagOnPerson(w, {
      subjectId: elsewhere.id,
      teamId: w.teamId,
      flagType: 'trafficked',
      reviewInDays: -5,
    })
    const tasks = async (user: typeof w.worker) => (await signIn(w.app, user)).get(paths.tasks)
    const mine = await tasks(w.worker)
    assert.equal(mine.statusCode, 200)
    assert.match(mine.body, new RegExp(paths.flags.review(overdue)))
    assert.match(mine.body, new RegExp(paths.flags.review(hidden)))
    assert.match(mine.body, new RegExp(w.child.givenName))
    assert.doesNotMatch(mine.body, /Missing/)
    const team = await tasks(w.colleague)
    assert.match(team.body, new RegExp(paths.flags.review(overdue)))
    assert.doesNotMatch(team.body, new RegExp(paths.flags.review(hidden)))
    assert.doesNotMatch(team.body, new RegExp(elsewhere.givenName))
    const other = await tasks(w.stranger)
    assert.match(other.body, /No flag reviews are due/)
    assert.doesNotMatch(other.body, new RegExp(w.child.givenName))
    // Each subject shown is an audited read.
    assert.equal(await readsCounted(w.db.ownerUrl, 'tasks', { actorId: w.colleague.id }), 1)
  })
})

describe('home', () => {
  it('links to the task list and, for those who record links, to recording places and things', async (t) => {
    const w = await world(t)
    const worker = await (await signIn(w.app, w.worker)).get(paths.home)
    assert.match(worker.body, new RegExp(`href="${paths.tasks}"`))
    assert.match(worker.body, new RegExp(`href="${paths.locations.new}"`))
    assert.match(worker.body, new RegExp(`href="${paths.objects.new}"`))
    const dsl = await (await signIn(w.app, w.dsl)).get(paths.home)
    assert.match(dsl.body, new RegExp(`href="${paths.tasks}"`))
    assert.doesNotMatch(dsl.body, new RegExp(`href="${paths.locations.new}"`))
  })
})

describe('the OpenAPI description', () => {
  it('documents the locations, objects and flags routes under their tags', async (t) => {
    const { app } = await build(t)
    const res = await app.inject({ url: paths.api.openapi() })
    assert.equal(res.statusCode, 200)
    const doc = res.json<{
      tags: Array<{ name: string }>
      paths: Record<string, Record<string, { tags?: string[] }>>
    }>()
    for (const tag of ['locations', 'objects', 'flags']) {
      assert.ok(
        doc.tags.some((t) => t.name === tag),
        tag,
      )
    }
    assert.deepEqual(doc.paths['/api/v1/locations/{id}']?.put?.tags, ['locations'])
    assert.deepEqual(doc.paths['/api/v1/objects']?.post?.tags, ['objects'])
    assert.deepEqual(doc.paths['/api/v1/people/{id}/flags']?.post?.tags, ['flags'])
    assert.deepEqual(doc.paths['/api/v1/tasks/flag-reviews']?.get?.tags, ['flags'])
    assert.equal(doc.paths['/locations/{id}'], undefined, 'pages are not in the API description')
  })
})

describe('the flags API', () => {
  it('sets, lists, reviews and removes a flag; bad input 400 with nothing written; the due-review list', async (t) => {
    const w = await world(t)
    const auth = await bearer(w.db, w.worker.email, ['person:read', 'flag:write'])
    const url = paths.api.personFlags(w.child.id)
    const bad = await api(w.app, auth).post(url, {
      flagType: 'cce',
      reason: '',
      reviewDate: addDays(todayInLondon(), -2),
    })
    assert.equal(bad.statusCode, 400)
    assert.deepEqual(errorFields(bad), ['reason', 'reviewDate'])
    assert.equal(await countRows(w.db.ownerUrl, 'flag'), 0)
    const created = await api(w.app, auth).post(url, {
      flagType: 'cse',
      reason: 'Gifts and a phone from an older adult met online',
      reviewDate: addDays(todayInLondon(), 28),
    })
    assert.equal(created.statusCode, 201, created.body)
    const { flag } = created.json<{
      flag: { id: string; version: number; setByName: string; current: boolean }
    }>()
    assert.equal(flag.setByName, w.worker.displayName)
    const list = await api(w.app, auth).get(url)
    assert.equal(list.statusCode, 200)
    const listed = list.json<{ flags: Array<{ id: string }>; types: Array<{ code: string }> }>()
    assert.deepEqual(
      listed.flags.map((f) => f.id),
      [flag.id],
    )
    assert.ok(listed.types.some((type) => type.code === 'cce'))
    const one = await api(w.app, auth).get(paths.api.flag(flag.id))
    assert.equal(one.statusCode, 200)
    assert.equal(
      one.json<{ flag: { reason: string } }>().flag.reason,
      'Gifts and a phone from an older adult met online',
    )
    const reviewed = await api(w.app, auth).post(paths.api.flagReview(flag.id), {
      reviewDate: addDays(todayInLondon(), 56),
      version: 1,
    })
    assert.equal(reviewed.statusCode, 200)
    const staleRemove = await api(w.app, auth).post(paths.api.flagRemove(flag.id), {
      reason: 'No longer applies',
      version: 1,
    })
    assert.equal(staleRemove.statusCode, 409)
    const removed = await api(w.app, auth).post(paths.api.flagRemove(flag.id), {
      reason: 'No longer applies',
      version: 2,
    })
    assert.equal(removed.statusCode, 200)
    assert.equal(removed.json<{ flag: { current: boolean } }>().flag.current, false)
    await flagOnPerson(w, { setBy: w.colleague.id, teamId: w.teamId, reviewInDays: -1 })
    const due = await api(w.app, auth).get(paths.api.flagReviewsDue())
    assert.equal(due.statusCode, 200)
    assert.equal(due.json<{ reviews: unknown[] }>().reviews.length, 1)
  })

  it('a subject the caller may not see: 404 problem+json; a token without flag:write: 403', async (t) => {
    const w = await world(t)
    const strangerAuth = await bearer(w.db, w.stranger.email, ['person:read', 'flag:write'])
    const hidden = await api(w.app, strangerAuth).get(paths.api.personFlags(w.child.id))
    assert.equal(hidden.statusCode, 404)
    assert.match(String(hidden.headers['content-type']), /problem\+json/)
    const theirs = await flagOnPerson(w)
    const hiddenFlag = await api(w.app, strangerAuth).get(paths.api.flag(theirs))
    assert.equal(hiddenFlag.statusCode, 404)
    assert.doesNotMatch(hiddenFlag.body, /packages/)
    const narrow = await bearer(w.db, w.worker.email, ['person:read'])
    const refused = await api(w.app, narrow).post(paths.api.personFlags(w.child.id), {
      flagType: 'cce',
      reason: 'x',
      reviewDate: addDays(todayInLondon(), 5),
    })
    assert.equal(refused.statusCode, 403)
    assert.equal(await countRows(w.db.ownerUrl, 'flag'), 1)
  })
})
