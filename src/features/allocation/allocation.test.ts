import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { build } from '../../../test/helpers/build.ts'
import { ownerQuery } from '../../../test/helpers/database.ts'
import { createUser, currentActor, signIn, type TestUser } from '../../../test/helpers/sign-in.ts'
import { countRows, createPerson, createTeam, joinTeam } from '../../../test/factories/person-factory.ts'
import { bearer } from '../../../test/factories/pole-factory.ts'
import { createReferral, CTX } from '../../../test/factories/referral-factory.ts'
import { api, errorFields } from '../../../test/helpers/api.ts'
import { auditEvents } from '../../../test/helpers/audit.ts'
import { ROLE_CAPABILITIES } from '../../platform/access/roles.ts'
import { paths } from '../../platform/paths.ts'
import type { Actor } from '../../platform/access/policy.ts'
import type { ValidationError } from '../../platform/errors.ts'

type Ctx = Parameters<typeof build>[0]

/**
 * Issue 13, allocation: the front door decides for an assessment, naming a team; the team's manager allocates one of
 * the team's workers (never someone outside it), and re-allocates with a reason; the worker then has the child.
 */
async function world(t: Ctx) {
  const built = await build(t)
  const { db, services } = built
  const referrer = await createUser(db, services, { roles: ['practitioner'] })
  const user = (roles: string[]) => createUser(db, services, { roles, partnershipOf: referrer })
  const team = (name: string) =>
    createTeam(db.database, { partnershipId: referrer.partnershipId, agencyId: referrer.agencyId, name })
  const [teamA, teamB] = [await team('Exploitation team A'), await team('Exploitation team B')]
  const frontDoor = await user(['front-door'])
  const manager = await user(['team-manager'])
  const worker = await user(['social-worker'])
  const colleague = await user(['social-worker'])
  const otherManager = await user(['team-manager'])
  const outsider = await user(['social-worker'])
  for (const [u, teamId] of [
    [manager, teamA],
    [worker, teamA],
    [colleague, teamA],
    [otherManager, teamB],
    [outsider, teamB],
  ] as const) {
    await joinTeam(db.ownerUrl, u.id, teamId)
  }
  const actor = (u: TestUser): Promise<Actor> => currentActor(built, u)
  const child = await createPerson(db.database, referrer.partnershipId)
  return {
    ...built,
    referrer,
    frontDoor,
    manager,
    worker,
    colleague,
    otherManager,
    outsider,
    teamA,
    teamB,
    child,
    actor,
  }
}

type World = Awaited<ReturnType<typeof world>>

/** A referral about `personId`, reviewed by the front door, ready to decide. */
async function reviewed(w: World, personId: string, options: { immediateDanger?: boolean } = {}) {
  const referral = await createReferral(w.services, w.db.database, w.referrer, personId, options)
  const fd = await w.actor(w.frontDoor)
  await w.services.referrals.startReview(fd, referral.id, undefined, CTX)
  return { id: referral.id, fd }
}

/** The front door decides for an assessment by team A: the allocation's id. */
async function queued(w: World, personId = w.child.id, options: { immediateDanger?: boolean } = {}) {
  const { id, fd } = await reviewed(w, personId, options)
  await w.services.referrals.decide(
    fd,
    id,
    { decision: 'cin-assessment', reasons: 'Needs an assessment', allocationTeamId: w.teamA },
    CTX,
  )
  const [row] = await ownerQuery<{ id: string }>(
    w.db.ownerUrl,
    'SELECT id FROM allocation WHERE referral_id = $1',
    [id],
  )
  assert.ok(row !== undefined)
  return row.id
}

describe('allocation queue from a front-door decision', () => {
  it('refuses an assessment decision without a team (or with an unknown one) and writes nothing', async (t) => {
    const w = await world(t)
    const { id, fd } = await reviewed(w, w.child.id)
    for (const allocationTeamId of [undefined, '', '00000000-0000-4000-8000-000000000000']) {
      await assert.rejects(
        w.services.referrals.decide(
          fd,
          id,
          {
            decision: 'strategy-meeting',
            reasons: 'Significant harm',
            ...(allocationTeamId === undefined ? {} : { allocationTeamId }),
          },
          CTX,
        ),
        (error: { name: string; fieldErrors: Array<{ field: string; message: string }> }) => {
          assert.equal(error.name, 'ValidationError')
          assert.deepEqual(
            error.fieldErrors.map((e) => e.field),
            ['allocationTeamId'],
          )
          return true
        },
      )
    }
    assert.equal(await countRows(w.db.ownerUrl, 'allocation'), 0)
    const [referral] = await ownerQuery<{ status: string }>(
      w.db.ownerUrl,
      'SELECT status FROM referral WHERE id = $1',
      [id],
    )
    assert.equal(referral?.status, 'in-review')
    // A decision that allocates nobody needs no team.
    await w.services.referrals.decide(fd, id, { decision: 'no-further-action', reasons: 'Advice given' }, CTX)
    assert.equal(await countRows(w.db.ownerUrl, 'allocation'), 0)
  })

  it('puts the child in the team’s queue: its manager sees it (each child audited), no other team does', async (t) => {
    const w = await world(t)
    const allocationId = await queued(w)
    const manager = await w.actor(w.manager)
    const queue = await w.services.allocations.queue(manager, CTX)
    assert.deepEqual(
      queue.allocations.map((a) => [a.personId, a.status, a.teamId]),
      [[w.child.id, 'waiting', w.teamA]],
    )
    assert.equal(queue.total, 1)
    const reads = await auditEvents(w.db.ownerUrl, { recordId: w.child.id })
    assert.ok(reads.some((r) => r.action === 'record.read' && r.actor_id === w.manager.id))
    const allocationReads = await auditEvents(w.db.ownerUrl, { recordId: allocationId })
    assert.deepEqual(
      allocationReads.map((r) => r.action),
      ['record.create', 'record.read'],
    )
    // Another team's manager, a worker of the team, and the front door see nothing of it.
    assert.deepEqual((await w.services.allocations.queue(await w.actor(w.otherManager), CTX)).allocations, [])
    for (const u of [w.otherManager, w.worker]) {
      await assert.rejects(w.services.allocations.read(await w.actor(u), allocationId, CTX), {
        name: 'NotFoundError',
      })
    }
    await assert.rejects(w.services.allocations.queue(await w.actor(w.worker), CTX), {
      name: 'ForbiddenError',
    })
    const home = await w.services.allocations.waitingFor(manager, CTX)
    assert.equal(home.count, 1)
    assert.deepEqual(
      home.first.map((a) => a.id),
      [allocationId],
    )
  })

  it('lists a child in immediate danger first, then the oldest', async (t) => {
    const w = await world(t)
    const older = await queued(w, (await createPerson(w.db.database, w.referrer.partnershipId)).id)
    const newer = await queued(w, (await createPerson(w.db.database, w.referrer.partnershipId)).id)
    const danger = await queued(w, (await createPerson(w.db.database, w.referrer.partnershipId)).id, {
      immediateDanger: true,
    })
    await ownerQuery(
      w.db.ownerUrl,
      "UPDATE allocation SET queued_at = now() - interval '2 days' WHERE id = $1",
      [older],
    )
    const queue = await w.services.allocations.queue(await w.actor(w.manager), CTX)
    assert.deepEqual(
      queue.allocations.map((a) => a.id),
      [danger, older, newer],
    )
  })
})

describe('allocating and re-allocating', () => {
  it('refuses someone outside the team and no worker; writes nothing', async (t) => {
    const w = await world(t)
    const id = await queued(w)
    const manager = await w.actor(w.manager)
    for (const [workerId, message] of [
      [w.outsider.id, 'Select a worker from the Exploitation team A team'],
      ['', 'Select the worker to allocate the child to'],
      [w.frontDoor.id, 'Select a worker from the Exploitation team A team'],
    ] as const) {
      await assert.rejects(
        w.services.allocations.allocate(manager, id, { workerId, version: 1 }, CTX),
        (error: { fieldErrors: Array<{ field: string; message: string }> }) => {
          assert.deepEqual(error.fieldErrors, [{ field: 'workerId', message }])
          return true
        },
      )
    }
    assert.equal(await countRows(w.db.ownerUrl, 'allocation_history'), 0)
    const [person] = await ownerQuery<{ allocated_worker_id: string | null }>(
      w.db.ownerUrl,
      'SELECT allocated_worker_id FROM person WHERE id = $1',
      [w.child.id],
    )
    assert.equal(person?.allocated_worker_id, null)
  })

  it('allocates a worker of the team: the child is theirs (caseload, record, home), history and chronology kept', async (t) => {
    const w = await world(t)
    const id = await queued(w)
    const workerActor = await w.actor(w.worker)
    await assert.rejects(w.services.people.read(workerActor, w.child.id, CTX), { name: 'NotFoundError' })
    const allocated = await w.services.allocations.allocate(
      await w.actor(w.manager),
      id,
      { workerId: w.worker.id, version: 1 },
      CTX,
    )
    assert.equal(allocated.status, 'allocated')
    assert.equal(allocated.workerId, w.worker.id)
    const [person] = await ownerQuery<{ allocated_worker_id: string; allocated_team_id: string }>(
      w.db.ownerUrl,
      'SELECT allocated_worker_id, allocated_team_id FROM person WHERE id = $1',
      [w.child.id],
    )
    assert.deepEqual(person, { allocated_worker_id: w.worker.id, allocated_team_id: w.teamA })
    const read = await w.services.people.read(workerActor, w.child.id, CTX)
    assert.ok(read.decision.relationships.includes('allocated-worker'))
    assert.ok((await w.services.people.caseload(workerActor, CTX)).some((p) => p.person.id === w.child.id))
    assert.deepEqual(
      (await w.services.allocations.allocatedTo(workerActor, CTX)).map((a) => a.personId),
      [w.child.id],
    )
    // The worker reads their allocation; the colleague in the team does not.
    assert.equal((await w.services.allocations.read(workerActor, id, CTX)).history.length, 1)
    await assert.rejects(w.services.allocations.read(await w.actor(w.colleague), id, CTX), {
      name: 'NotFoundError',
    })
    const chronology = await w.services.chronology.read(
      workerActor,
      w.child.id,
      { types: ['allocation'], agencyIds: [] },
      CTX,
    )
    assert.deepEqual(
      chronology.events.map((e) => e.title),
      [
        `Allocated to ${w.worker.displayName} (Exploitation team A)`,
        'Waiting for allocation by Exploitation team A',
      ],
    )
    const personAudit = await auditEvents(w.db.ownerUrl, { recordId: w.child.id })
    assert.ok(personAudit.some((r) => r.action === 'record.update' && r.actor_id === w.manager.id))
  })

  it('re-allocates only with a reason, to someone else; the history says who, from whom, to whom and why', async (t) => {
    const w = await world(t)
    const id = await queued(w)
    const manager = await w.actor(w.manager)
    await w.services.allocations.allocate(manager, id, { workerId: w.worker.id, version: 1 }, CTX)
    // No reason to re-allocate, and the worker they already have: each refused on its field.
    const refused = (input: { workerId: string; reason: string }) =>
      w.services.allocations.allocate(manager, id, { ...input, version: 2 }, CTX).then(
        () => [],
        (error: unknown) => (error as ValidationError).fieldErrors.map((e) => e.field),
      )
    assert.deepEqual(await refused({ workerId: w.colleague.id, reason: '  ' }), ['reason'])
    assert.deepEqual(await refused({ workerId: w.worker.id, reason: 'Again' }), ['workerId'])
    await w.services.allocations.allocate(
      manager,
      id,
      { workerId: w.colleague.id, reason: 'Worker on long-term leave', version: 2 },
      CTX,
    )
    const read = await w.services.allocations.read(manager, id, CTX)
    assert.deepEqual(
      read.history.map((h) => [h.fromWorkerName, h.toWorkerName, h.byName, h.reason]),
      [
        [null, w.worker.displayName, w.manager.displayName, null],
        [w.worker.displayName, w.colleague.displayName, w.manager.displayName, 'Worker on long-term leave'],
      ],
    )
    // The first worker no longer has the child.
    await assert.rejects(w.services.allocations.read(await w.actor(w.worker), id, CTX), {
      name: 'NotFoundError',
    })
  })

  it('answers 409 to a stale version, and to the second of two managers allocating at once', async (t) => {
    const w = await world(t)
    const id = await queued(w)
    await joinTeam(w.db.ownerUrl, w.otherManager.id, w.teamA)
    const [one, two] = [await w.actor(w.manager), await w.actor(w.otherManager)]
    await assert.rejects(
      w.services.allocations.allocate(one, id, { workerId: w.worker.id, version: 7 }, CTX),
      {
        name: 'ConflictError',
      },
    )
    const results = await Promise.allSettled([
      w.services.allocations.allocate(one, id, { workerId: w.worker.id, version: 1 }, CTX),
      w.services.allocations.allocate(two, id, { workerId: w.colleague.id, version: 1 }, CTX),
    ])
    assert.deepEqual(results.map((r) => r.status).sort(), ['fulfilled', 'rejected'])
    const refused = results.find((r) => r.status === 'rejected')
    assert.equal((refused as PromiseRejectedResult).reason.name, 'ConflictError')
    assert.equal(await countRows(w.db.ownerUrl, 'allocation_history'), 1)
  })

  it('another team’s manager and another partnership cannot allocate: as for an allocation that does not exist', async (t) => {
    const w = await world(t)
    const id = await queued(w)
    const far = await createUser(w.db, w.services, { roles: ['team-manager'] })
    for (const u of [w.otherManager, far]) {
      await assert.rejects(
        w.services.allocations.allocate(await w.actor(u), id, { workerId: w.worker.id, version: 1 }, CTX),
        { name: 'NotFoundError' },
      )
    }
    const denied = await auditEvents(w.db.ownerUrl, { recordId: id })
    assert.equal(denied.filter((r) => r.action === 'access.denied').length, 2)
  })
})

describe('the front door’s queue order', () => {
  it('puts immediate danger first, then overdue, then the oldest (not simply the oldest first)', async (t) => {
    const w = await world(t)
    const child = async () => (await createPerson(w.db.database, w.referrer.partnershipId)).id
    const oldest = await createReferral(w.services, w.db.database, w.referrer, await child())
    const overdue = await createReferral(w.services, w.db.database, w.referrer, await child())
    const danger = await createReferral(w.services, w.db.database, w.referrer, await child(), {
      immediateDanger: true,
    })
    const set = (id: string, submitted: string, due: string) =>
      ownerQuery(
        w.db.ownerUrl,
        `UPDATE referral SET submitted_at = now() - $2::interval, decision_due_at = now() + $3::interval WHERE id = $1`,
        [id, submitted, due],
      )
    await set(oldest.id, '3 days', '1 day')
    await set(overdue.id, '2 days', '-1 hour')
    await set(danger.id, '1 hour', '23 hours')
    const queue = await w.services.referrals.queue(await w.actor(w.frontDoor), CTX)
    // Today's order (oldest first) would be oldest, overdue, danger.
    assert.deepEqual(
      queue.referrals.map((r) => [r.id, r.overdue]),
      [
        [danger.id, false],
        [overdue.id, true],
        [oldest.id, false],
      ],
    )
  })
})

describe('allocation through the API and the pages', () => {
  it('the front door decides for assessment, the manager allocates (400 outside the team, 409 stale), the worker has the child', async (t) => {
    const w = await world(t)
    const { id: referralId } = await reviewed(w, w.child.id)
    const frontDoor = api(w.app, await bearer(w.db, w.frontDoor.email, [...ROLE_CAPABILITIES['front-door']]))
    const manager = api(w.app, await bearer(w.db, w.manager.email, [...ROLE_CAPABILITIES['team-manager']]))
    const worker = api(w.app, await bearer(w.db, w.worker.email, [...ROLE_CAPABILITIES['social-worker']]))
    const other = api(w.app, await bearer(w.db, w.otherManager.email, [...ROLE_CAPABILITIES['team-manager']]))
    const noTeam = await frontDoor.post(paths.api.referralDecision(referralId), {
      decision: 'cin-assessment',
      reasons: 'Needs an assessment',
    })
    assert.equal(noTeam.statusCode, 400)
    assert.deepEqual(errorFields(noTeam), ['allocationTeamId'])
    const decided = await frontDoor.post(paths.api.referralDecision(referralId), {
      decision: 'cin-assessment',
      reasons: 'Needs an assessment',
      allocationTeamId: w.teamA,
    })
    assert.equal(decided.statusCode, 200)

    const queue = await manager.get(paths.api.allocations())
    assert.equal(queue.statusCode, 200)
    const [waiting] = queue.json<{ allocations: Array<{ id: string; personId: string; version: number }> }>()
      .allocations
    assert.equal(waiting?.personId, w.child.id)
    const id = waiting.id
    assert.equal((await other.get(paths.api.allocation(id))).statusCode, 404)
    assert.equal((await worker.get(paths.api.allocations())).statusCode, 403)

    const outside = await manager.post(paths.api.allocationAllocate(id), {
      workerId: w.outsider.id,
      version: 1,
    })
    assert.equal(outside.statusCode, 400)
    assert.match(String(outside.headers['content-type']), /problem\+json/)
    assert.deepEqual(errorFields(outside), ['workerId'])
    const ok = await manager.post(paths.api.allocationAllocate(id), { workerId: w.worker.id, version: 1 })
    assert.equal(ok.statusCode, 200)
    assert.equal(
      ok.json<{ allocation: { workerName: string } }>().allocation.workerName,
      w.worker.displayName,
    )
    const stale = await manager.post(paths.api.allocationAllocate(id), {
      workerId: w.colleague.id,
      reason: 'Leave',
      version: 1,
    })
    assert.equal(stale.statusCode, 409)
    assert.equal(
      (await other.post(paths.api.allocationAllocate(id), { workerId: w.worker.id, version: 2 })).statusCode,
      404,
    )

    const mine = await worker.get(paths.api.allocationsMine())
    assert.deepEqual(
      mine.json<{ allocations: Array<{ personId: string }> }>().allocations.map((a) => a.personId),
      [w.child.id],
    )
    assert.equal((await worker.get(paths.api.person(w.child.id))).statusCode, 200)
    const history = await worker.get(paths.api.allocation(id))
    assert.equal(history.json<{ history: unknown[] }>().history.length, 1)
  })

  it('the allocate page keeps the input and shows the error summary on bad input; the queue and home list the child', async (t) => {
    const w = await world(t)
    const id = await queued(w)
    const agent = await signIn(w.app, w.manager)
    const queue = await agent.get(paths.allocations.queue)
    assert.equal(queue.statusCode, 200)
    assert.match(queue.body, new RegExp(w.child.givenName))
    const home = await agent.get(paths.home)
    assert.match(home.body, /1 child is waiting for a worker/)
    const form = await agent.get(paths.allocations.allocate(id))
    assert.equal(form.statusCode, 200)
    assert.match(form.body, new RegExp(w.worker.displayName))
    assert.doesNotMatch(form.body, new RegExp(w.outsider.displayName))
    const bad = await agent.post(paths.allocations.allocate(id), {
      workerId: w.outsider.id,
      reason: 'Kept text',
      version: '1',
    })
    assert.equal(bad.statusCode, 400)
    assert.match(bad.body, /There is a problem/)
    assert.match(bad.body, /Select a worker from the Exploitation team A team/)
    assert.match(bad.body, /Kept text/)
    const good = await agent.post(paths.allocations.allocate(id), { workerId: w.worker.id, version: '1' })
    assert.equal(good.statusCode, 303)
    assert.equal(good.headers.location, paths.allocations.show(id))
    const record = await (await signIn(w.app, w.worker)).get(paths.people.show(w.child.id))
    assert.equal(record.statusCode, 200, record.body.slice(0, 3000))
    assert.match(record.body, /Allocation history/)
    const stale = await agent.post(paths.allocations.allocate(id), {
      workerId: w.colleague.id,
      reason: 'Leave',
      version: '1',
    })
    assert.equal(stale.statusCode, 409)
  })
})
