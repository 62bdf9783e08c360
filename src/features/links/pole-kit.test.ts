import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { withTransaction } from '../../db/database.ts'
import { decideReferralFlag, type Actor } from '../../platform/access/policy.ts'
import { todayInLondon } from '../../platform/calendar.ts'
import { NotFoundError } from '../../platform/errors.ts'
import { paths } from '../../platform/paths.ts'
import type { TestCtx } from '../../../test/helpers/build.ts'
import { ownerQuery } from '../../../test/helpers/database.ts'
import { signIn, TEST_REQUEST, type TestUser } from '../../../test/helpers/sign-in.ts'
import { countRows, createPerson } from '../../../test/factories/person-factory.ts'
import { allocatedChildWorld } from '../../../test/factories/team-factory.ts'
import { createLocation } from '../../../test/factories/pole-factory.ts'
import { addDays, partsOf } from '../flags/flag-validation.ts'

const actorOf = (user: TestUser, roles: Actor['roles'], teamIds: string[] = []): Actor => ({
  userId: user.id,
  partnershipId: user.partnershipId,
  agencyId: user.agencyId,
  teamIds,
  managedTeamIds: [],
  roles,
})

/** A worker's child linked to a flat; a DSL of the child's agency (reads, may not change); another child. */
async function world(t: TestCtx) {
  const built = await allocatedChildWorld(t, {
    others: { dsl: ['dsl'], frontDoor: ['front-door'] },
    child: (worker) => ({ involvedAgencyIds: [worker.agencyId] }),
  })
  const { db, services, worker, teamId, child } = built
  const other = await createPerson(db.database, worker.partnershipId, { allocatedWorkerId: worker.id })
  const flat = await createLocation(db.database, worker.partnershipId, { createdBy: worker.id })
  const workerActor = actorOf(worker, ['social-worker'], [teamId])
  const linkId = await services.links.create(
    workerActor,
    {
      linkType: 'lives-at',
      fromKind: 'person',
      fromId: child.id,
      to: flat.id,
      toKind: 'location',
      fromDate: '',
      toDate: '',
      source: 'Case note 2025-0101',
      sourceType: 'record',
      sourceAgencyId: '',
      sourceEvaluation: '',
      intelligenceAssessment: '',
      confidence: 'confirmed',
    },
    TEST_REQUEST,
  )
  return { ...built, other, flat, workerActor, linkId }
}

const personRecord = (w: Awaited<ReturnType<typeof world>>, actor: Actor, id: string) =>
  withTransaction(w.db.database, { actorId: actor.userId, partnershipId: actor.partnershipId }, (trx) =>
    w.services.people.records.load(trx, id, actor, { lock: false, details: false }),
  )

describe('pages offer only what their reader may do', () => {
  it('a place’s page offers its change and its flags to those who may change them, not to a reader', async (t) => {
    const w = await world(t)
    const worker = await (await signIn(w.app, w.worker)).get(paths.locations.show(w.flat.id))
    assert.equal(worker.statusCode, 200)
    assert.match(worker.body, new RegExp(`href="${paths.locations.edit(w.flat.id)}"`))
    assert.match(worker.body, new RegExp(`href="${paths.flags.newOnLocation(w.flat.id)}"`))
    assert.match(worker.body, /home of/i, 'the child’s link, which the worker may see')
    const dsl = await (await signIn(w.app, w.dsl)).get(paths.locations.show(w.flat.id))
    assert.equal(dsl.statusCode, 200)
    assert.doesNotMatch(dsl.body, new RegExp(`href="${paths.locations.edit(w.flat.id)}"`))
    assert.doesNotMatch(dsl.body, /Set a flag/)
  })

  it('a link’s page offers ending it only to a reader the policy lets end it', async (t) => {
    const w = await world(t)
    const worker = await (await signIn(w.app, w.worker)).get(paths.links.show(w.linkId))
    assert.equal(worker.statusCode, 200)
    assert.match(worker.body, /End the link/)
    const dsl = await (await signIn(w.app, w.dsl)).get(paths.links.show(w.linkId))
    assert.equal(dsl.statusCode, 200, 'the DSL sees the child (their agency) and the flat')
    assert.doesNotMatch(dsl.body, /End the link/)
  })
})

describe('the services take no decision from their callers', () => {
  it('a flag set because of a referral decision about another child is refused, and nothing is written', async (t) => {
    const w = await world(t)
    const fd = actorOf(w.frontDoor, ['front-door'])
    const referral = { kind: 'referral', partnershipId: w.worker.partnershipId } as const
    const form = {
      flagType: 'cce',
      reason: 'Decided on CCE grounds',
      reviewDate: partsOf(addDays(todayInLondon(), 90)),
    }
    const aboutOther = decideReferralFlag(fd, referral, w.other.id)
    assert.equal(aboutOther.allowed, true)
    await assert.rejects(
      w.services.flags.set(fd, 'person', w.child.id, form, TEST_REQUEST, 'referral-decision', {
        because: aboutOther,
      }),
      NotFoundError,
    )
    assert.equal(await countRows(w.db.ownerUrl, 'flag'), 0)
    // Bound to this child, the same decision lets the front door flag them without sight of their record.
    const aboutChild = decideReferralFlag(fd, referral, w.child.id)
    const flag = await w.services.flags.set(
      fd,
      'person',
      w.child.id,
      form,
      TEST_REQUEST,
      'referral-decision',
      {
        because: aboutChild,
      },
    )
    assert.equal(flag.subjectId, w.child.id)
    assert.equal(await countRows(w.db.ownerUrl, 'flag'), 1)
  })

  it('a record a page passes is checked to be the one asked about', async (t) => {
    const w = await world(t)
    const child = await personRecord(w, w.workerActor, w.child.id)
    assert.ok(child)
    await assert.rejects(
      w.services.links.forPerson(w.workerActor, w.other.id, TEST_REQUEST, { person: child }),
      /not this person/,
    )
    await assert.rejects(
      w.services.flags.onSubject(w.workerActor, 'person', w.other.id, TEST_REQUEST, { row: child }),
      /not person/,
    )
    const before = await countRows(
      w.db.ownerUrl,
      'audit_event',
      `action = 'record.read' AND record_id = $1`,
      [w.child.id],
    )
    const links = await w.services.links.forPerson(w.workerActor, w.child.id, TEST_REQUEST, { person: child })
    assert.deepEqual(
      links.map((l) => l.other.id),
      [w.flat.id],
    )
    const flags = await w.services.flags.onSubject(w.workerActor, 'person', w.child.id, TEST_REQUEST, {
      row: child,
    })
    assert.deepEqual(flags, { flags: [], canWrite: true })
    assert.equal(
      await countRows(w.db.ownerUrl, 'audit_event', `action = 'record.read' AND record_id = $1`, [
        w.child.id,
      ]),
      before,
      'the page that passed the record audits its read: not read again here',
    )
  })

  it('without a record, the person is reached and their read audited; a person the reader may not see is a 404', async (t) => {
    const w = await world(t)
    await w.services.links.forPerson(w.workerActor, w.child.id, TEST_REQUEST, { via: 'api-links' })
    const [read] = await ownerQuery<{ via: string }>(
      w.db.ownerUrl,
      `SELECT details->>'via' AS via FROM audit_event WHERE action = 'record.read' AND record_id = $1`,
      [w.child.id],
    )
    assert.equal(read?.via, 'api-links')
    const dsl = actorOf(w.dsl, ['dsl'])
    await assert.rejects(w.services.links.forPerson(dsl, w.other.id, TEST_REQUEST), NotFoundError)
    assert.equal(
      await countRows(w.db.ownerUrl, 'audit_event', `action = 'access.denied' AND record_id = $1`, [
        w.other.id,
      ]),
      1,
    )
  })
})
