import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { withTransaction } from '../../db/database.ts'
import { todayInLondon } from '../../platform/calendar.ts'
import { paths } from '../../platform/paths.ts'
import { services as buildServices } from '../../services.ts'
import { latestMigration } from '../../runtime.ts'
import { testConfig } from '../../../test/helpers/build.ts'
import { ownerQuery } from '../../../test/helpers/database.ts'
import { currentActor, signIn, TEST_REQUEST, type TestUser } from '../../../test/helpers/sign-in.ts'
import { countRows, createPerson } from '../../../test/factories/person-factory.ts'
import { allocatedChildWorld, createTeamOf } from '../../../test/factories/team-factory.ts'
import { bearer } from '../../../test/factories/pole-factory.ts'
import { api, errorFields } from '../../../test/helpers/api.ts'
import { dateInputs } from '../../../test/helpers/forms.ts'
import { auditEvents } from '../../../test/helpers/audit.ts'
import { addDays, partsOf } from '../flags/flag-validation.ts'
import type { RaiseTask } from './task-service.ts'

type Ctx = Parameters<typeof allocatedChildWorld>[0]
const HOUR = 3_600_000

/** A social worker's team with a colleague and its manager, a child allocated to it; a stranger in another team. */
async function world(t: Ctx) {
  const w = await allocatedChildWorld(t, {
    others: { colleague: ['social-worker'], manager: ['team-manager'], stranger: ['social-worker'] },
    teamMates: ['colleague', 'manager'],
    child: (worker) => ({ involvedAgencyIds: [worker.agencyId] }),
  })
  await createTeamOf(w.db, w.stranger)
  return w
}
type World = Awaited<ReturnType<typeof world>>

/** Raises a task through the service, as `by` (default the worker) would trigger it. */
async function raise(w: World, input: Partial<RaiseTask> & { dedupKey: string }, by: TestUser = w.worker) {
  const actor = await currentActor(w, by)
  return withTransaction(
    w.db.database,
    { actorId: actor.userId, partnershipId: actor.partnershipId },
    (trx) =>
      w.services.tasks.raise(
        trx,
        { actor, ctx: TEST_REQUEST },
        {
          kind: 'flag-review',
          subject: { kind: 'person', id: w.child.id },
          assignee: { userId: by.id },
          reason: 'Review the flag',
          ...input,
        },
      ),
  )
}

/** Rows as the owner sees them (past row-level security). */
const rowsOf = <T extends Record<string, unknown>>(w: World, query: string) =>
  ownerQuery<T>(w.db.ownerUrl, query)

interface OpenTask extends Record<string, unknown> {
  id: string
  assigned_user_id: string
  escalated_at: Date | null
}
const openTasks = (w: World) =>
  rowsOf<OpenTask>(
    w,
    "SELECT id, assigned_user_id, escalated_at FROM task WHERE status = 'open' ORDER BY due_at",
  )

describe('raising tasks', () => {
  it('the same trigger never makes two open tasks, even when raised at once from many transactions', async (t) => {
    const w = await world(t)
    const results = await Promise.all(Array.from({ length: 8 }, () => raise(w, { dedupKey: 'same-trigger' })))
    assert.equal(results.filter((r) => r.created).length, 1)
    assert.equal(new Set(results.map((r) => r.id)).size, 1)
    assert.equal(await countRows(w.db.ownerUrl, 'task'), 1)
    assert.equal(
      (await auditEvents(w.db.ownerUrl, { recordType: 'task', action: 'record.create' })).length,
      1,
    )
    // Once the task is closed, the trigger may raise a new one.
    await ownerQuery(w.db.ownerUrl, "UPDATE task SET status = 'done', outcome = 'Done', closed_at = now()")
    assert.equal((await raise(w, { dedupKey: 'same-trigger' })).created, true)
    assert.equal(await countRows(w.db.ownerUrl, 'task'), 2)
  })

  it('setting a flag raises its review task; reviewing completes it and raises the next; removing cancels it', async (t) => {
    const w = await world(t)
    const actor = await currentActor(w, w.worker)
    const flag = await w.services.flags.set(
      actor,
      'person',
      w.child.id,
      { flagType: 'cce', reason: 'Seen with older males', reviewDate: partsOf(addDays(todayInLondon(), 30)) },
      TEST_REQUEST,
    )
    interface Raised extends Record<string, unknown> {
      id: string
      source_id: string
      assigned_team_id: string
      kind: string
    }
    const [task] = await rowsOf<Raised>(
      w,
      "SELECT id, source_id, assigned_team_id, kind FROM task WHERE status = 'open'",
    )
    const agent = await signIn(w.app, w.worker)
    assert.equal(task?.kind, 'flag-review')
    assert.equal(task.source_id, flag.id)
    assert.equal(task.assigned_team_id, w.teamId)
    const mine = await agent.get(paths.work.mine)
    assert.equal(mine.statusCode, 200)
    assert.match(mine.body, /Flag review due/)
    assert.match(mine.body, new RegExp(paths.work.complete(task.id)))
    // Reviewed: done, and the next review is a new open task.
    await agent.get(paths.flags.review(flag.id))
    const next = partsOf(addDays(todayInLondon(), 60))
    const reviewed = await agent.post(paths.flags.review(flag.id), {
      ...dateInputs('reviewDate', next.day, next.month, next.year),
      version: '1',
    })
    assert.equal(reviewed.statusCode, 303)
    const after = await ownerQuery<{ status: string; outcome: string | null }>(
      w.db.ownerUrl,
      'SELECT status, outcome FROM task ORDER BY created_at, status',
    )
    assert.deepEqual(after.map((r) => r.status).sort(), ['done', 'open'])
    await agent.get(paths.flags.remove(flag.id))
    const removed = await agent.post(paths.flags.remove(flag.id), {
      reason: 'No longer applies',
      version: '2',
    })
    assert.equal(removed.statusCode, 303)
    assert.equal(await countRows(w.db.ownerUrl, 'task', "status = 'open'"), 0)
    assert.equal(await countRows(w.db.ownerUrl, 'task', "status = 'cancelled'"), 1)
  })
})

describe('the task lists', () => {
  it('overdue first then due soonest; my team’s tasks for the team; nothing for another team', async (t) => {
    const w = await world(t)
    const now = Date.now()
    await raise(w, { dedupKey: 'later', dueAt: new Date(now + 48 * HOUR), reason: 'Due in two days' })
    await raise(w, { dedupKey: 'overdue', dueAt: new Date(now - 2 * HOUR), reason: 'Due two hours ago' })
    await raise(w, { dedupKey: 'soon', dueAt: new Date(now + 2 * HOUR), reason: 'Due in two hours' })
    const mine = await (await signIn(w.app, w.worker)).get(paths.work.mine)
    const order = ['Due two hours ago', 'Due in two hours', 'Due in two days'].map((r) =>
      mine.body.indexOf(r),
    )
    assert.ok(
      order.every((at, i) => at > 0 && (i === 0 || at > (order[i - 1] ?? 0))),
      String(order),
    )
    assert.match(mine.body, /1 overdue/)
    const colleague = await signIn(w.app, w.colleague)
    assert.match((await colleague.get(paths.work.mine)).body, /No open tasks/)
    const team = await colleague.get(paths.work.team)
    assert.match(team.body, /Due two hours ago/)
    assert.doesNotMatch(team.body, /Reassign/, 'only the manager reassigns')
    assert.match((await (await signIn(w.app, w.manager)).get(paths.work.team)).body, /Reassign/)
    const stranger = await signIn(w.app, w.stranger)
    assert.match((await stranger.get(paths.work.team)).body, /No open tasks/)
    assert.doesNotMatch((await stranger.get(paths.work.team)).body, new RegExp(w.child.givenName))
    // Each task listed is an audited read of its subject.
    const reads = await ownerQuery<{ n: number }>(
      w.db.ownerUrl,
      "SELECT count(*)::int AS n FROM audit_event WHERE action = 'record.read' AND actor_id = $1 AND details->>'via' = 'tasks-team'",
      [w.colleague.id],
    )
    assert.equal(reads[0]?.n, 1)
  })

  it('a task about a child the assignee may not see is not listed, counted or opened', async (t) => {
    const w = await world(t)
    const hidden = await createPerson(w.db.database, w.worker.partnershipId)
    const { id } = await raise(w, { dedupKey: 'hidden', subject: { kind: 'person', id: hidden.id } })
    const agent = await signIn(w.app, w.worker)
    const mine = await agent.get(paths.work.mine)
    assert.match(mine.body, /No open tasks/)
    assert.doesNotMatch(mine.body, new RegExp(hidden.givenName))
    assert.match((await agent.get(paths.home)).body, /You have no open tasks/)
    assert.equal((await agent.get(paths.work.complete(id))).statusCode, 404)
  })

  it('the home page shows the work: counts and the first tasks, linking to the list', async (t) => {
    const w = await world(t)
    await raise(w, { dedupKey: 'overdue', dueAt: new Date(Date.now() - HOUR), reason: 'Late one' })
    await raise(w, { dedupKey: 'soon', dueAt: new Date(Date.now() + 24 * HOUR), reason: 'Soon one' })
    const home = await (await signIn(w.app, w.worker)).get(paths.home)
    assert.match(home.body, /2 open tasks<\/a>:\s*<strong>1 overdue<\/strong>, 1 due in the next 7 days/)
    assert.match(home.body, /Late one/)
    assert.match(home.body, new RegExp(`href="${paths.work.mine}"`))
    assert.doesNotMatch(home.body, new RegExp(w.child.givenName), 'the home page names no child')
  })
})

describe('completing and reassigning', () => {
  it('completes with an outcome; no outcome: 400 with the message, nothing written; stale: 409', async (t) => {
    const w = await world(t)
    const { id } = await raise(w, { dedupKey: 'k' })
    const agent = await signIn(w.app, w.worker)
    assert.equal((await agent.get(paths.work.complete(id))).statusCode, 200)
    const empty = await agent.post(paths.work.complete(id), { outcome: '  ', version: '1' })
    assert.equal(empty.statusCode, 400)
    assert.match(empty.body, /govuk-error-summary/)
    assert.match(empty.body, /Enter what was done/)
    const stale = await agent.post(paths.work.complete(id), { outcome: 'Reviewed it', version: '7' })
    assert.equal(stale.statusCode, 409)
    assert.match(stale.body, /Reviewed it/, 'input kept')
    assert.equal(await countRows(w.db.ownerUrl, 'task', "status = 'open'"), 1)
    const done = await agent.post(paths.work.complete(id), { outcome: 'Reviewed it', version: '1' })
    assert.equal(done.statusCode, 303)
    const [row] = await ownerQuery<{ status: string; outcome: string; closed_by: string }>(
      w.db.ownerUrl,
      'SELECT status, outcome, closed_by FROM task',
    )
    assert.deepEqual(row, { status: 'done', outcome: 'Reviewed it', closed_by: w.worker.id })
    const stranger = await signIn(w.app, w.stranger)
    assert.equal((await stranger.get(paths.work.complete(id))).statusCode, 404)
  })

  it('the manager reassigns within the team; someone outside it: 400; anyone else: 404', async (t) => {
    const w = await world(t)
    const { id } = await raise(w, { dedupKey: 'k' })
    const worker = await signIn(w.app, w.worker)
    assert.equal((await worker.get(paths.work.reassign(id))).statusCode, 404)
    const manager = await signIn(w.app, w.manager)
    const page = await manager.get(paths.work.reassign(id))
    assert.equal(page.statusCode, 200)
    assert.match(page.body, new RegExp(w.colleague.displayName))
    const outside = await manager.post(paths.work.reassign(id), { assignee: w.stranger.id, version: '1' })
    assert.equal(outside.statusCode, 400)
    assert.match(outside.body, /Choose someone in the team the task belongs to/)
    const none = await manager.post(paths.work.reassign(id), { version: '1' })
    assert.equal(none.statusCode, 400)
    assert.equal((await openTasks(w))[0]?.assigned_user_id, w.worker.id)
    const moved = await manager.post(paths.work.reassign(id), { assignee: w.colleague.id, version: '1' })
    assert.equal(moved.statusCode, 303)
    assert.equal((await openTasks(w))[0]?.assigned_user_id, w.colleague.id)
  })

  it('through the API: lists, completes, reassigns; bad input 400 with the field, stale 409, hidden 404', async (t) => {
    const w = await world(t)
    const { id } = await raise(w, { dedupKey: 'k' })
    const worker = api(w.app, await bearer(w.db, w.worker.email, ['person:read']))
    const list = await worker.get(paths.work.api.mine())
    assert.equal(list.statusCode, 200)
    assert.deepEqual(
      list.json<{ tasks: Array<{ id: string }> }>().tasks.map((x) => x.id),
      [id],
    )
    const bad = await worker.post(paths.work.api.complete(id), { outcome: ' ', version: 1 })
    assert.equal(bad.statusCode, 400)
    assert.deepEqual(errorFields(bad), ['/body/outcome'])
    assert.equal(
      (await worker.post(paths.work.api.complete(id), { outcome: 'Done', version: 3 })).statusCode,
      409,
    )
    const stranger = api(w.app, await bearer(w.db, w.stranger.email, ['person:read']))
    assert.equal((await stranger.get(paths.work.api.task(id))).statusCode, 404)
    assert.equal(
      (await stranger.post(paths.work.api.complete(id), { outcome: 'x', version: 1 })).statusCode,
      404,
    )
    const manager = api(w.app, await bearer(w.db, w.manager.email, ['person:read']))
    const outside = await manager.post(paths.work.api.reassign(id), { assigneeId: w.stranger.id, version: 1 })
    assert.equal(outside.statusCode, 400)
    assert.deepEqual(errorFields(outside), ['/body/assigneeId'])
    const moved = await manager.post(paths.work.api.reassign(id), { assigneeId: w.colleague.id, version: 1 })
    assert.equal(moved.statusCode, 200)
    assert.equal(moved.json<{ task: { assignedUserId: string } }>().task.assignedUserId, w.colleague.id)
    const done = await api(w.app, await bearer(w.db, w.colleague.email, ['person:read'])).post(
      paths.work.api.complete(id),
      { outcome: 'Done', version: 2 },
    )
    assert.equal(done.statusCode, 200)
    assert.equal(done.json<{ task: { status: string } }>().task.status, 'done')
  })
})

describe('escalation', () => {
  it('an overdue task goes to the team manager once, with why, on an injected clock', async (t) => {
    const w = await world(t)
    const { id } = await raise(w, { dedupKey: 'k', dueAt: new Date(Date.now() + 24 * HOUR) })
    let clock = new Date()
    const swept = buildServices(testConfig(), w.db.database, {
      latestMigration: await latestMigration(),
      now: () => clock,
    })
    assert.equal(await swept.tasks.escalateOverdue(), 0, 'not yet due')
    clock = new Date(Date.now() + 25 * HOUR)
    assert.equal(await swept.tasks.escalateOverdue(), 1)
    assert.equal(await swept.tasks.escalateOverdue(), 0, 'escalated once')
    assert.equal((await auditEvents(w.db.ownerUrl, { recordId: id, action: 'record.update' })).length, 1)
    const manager = await signIn(w.app, w.manager)
    const mine = await manager.get(paths.work.mine)
    assert.match(mine.body, /data-testid="escalated"/)
    assert.match(mine.body, /Escalated to the manager of .*: Overdue since/)
  })
})
