import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { build } from '../../../test/helpers/build.ts'
import { ownerQuery } from '../../../test/helpers/database.ts'
import { createUser } from '../../../test/helpers/sign-in.ts'
import { createBreakGlassGrant, createPerson } from '../../../test/factories/person-factory.ts'
import { actorFor, CTX } from '../../../test/factories/referral-factory.ts'
import { auditWriter } from '../audit/audit-writer.ts'
import { NotFoundError } from '../errors.ts'
import { decide } from './policy.ts'
import { ForgedDecisionError, recordAccess, type RecordKind } from './record-access.ts'

const rows = (url: string, id: string) =>
  ownerQuery<{ action: string; outcome: string; reason: string | null; details: Record<string, unknown> }>(
    url,
    'SELECT action, outcome, reason, details FROM audit_event WHERE record_id = $1 ORDER BY id',
    [id],
  )

async function world(t: Parameters<typeof build>[0]) {
  const built = await build(t)
  const { db, services } = built
  const worker = await createUser(db, services, { roles: ['social-worker'] })
  const other = await createUser(db, services, { roles: ['social-worker'], partnershipOf: worker })
  const me = actorFor(worker, ['social-worker'])
  const them = actorFor(other, ['social-worker'])
  const mine = await createPerson(db.database, worker.partnershipId, { allocatedWorkerId: worker.id })
  const access = recordAccess(db.database, auditWriter())
  return { ...built, worker, other, me, them, mine, access, people: services.people.records }
}

describe('the record-access kit', () => {
  it('reads an allowed record with its decision and audits the read, with how and the relationships', async (t) => {
    const w = await world(t)
    const seen = await w.access.read(
      w.me,
      w.people,
      w.mine.id,
      CTX,
      { via: 'test' },
      async (_trx, reached) => ({
        id: reached.row.person.id,
        allowed: reached.decision.allowed,
      }),
    )
    assert.deepEqual(seen, { id: w.mine.id, allowed: true })
    const audit = await rows(w.db.ownerUrl, w.mine.id)
    assert.deepEqual(
      audit.map((r) => [r.action, r.outcome, r.details.via, r.details.breakGlass, r.details.relationships]),
      [['record.read', 'allowed', 'test', false, 'allocated-worker']],
    )
  })

  it('answers a refused record and a missing one alike (NotFoundError), each denial audited and committed', async (t) => {
    const w = await world(t)
    let ran = false
    await assert.rejects(
      w.access.read(w.them, w.people, w.mine.id, CTX, async () => {
        ran = true
      }),
      NotFoundError,
    )
    const missing = '00000000-0000-4000-8000-000000000000'
    await assert.rejects(
      w.access.read(w.them, w.people, missing, CTX, async () => {}),
      NotFoundError,
    )
    await assert.rejects(
      w.access.read(w.them, w.people, 'not-a-uuid', CTX, async () => {}),
      NotFoundError,
    )
    assert.equal(ran, false)
    assert.deepEqual(
      (await rows(w.db.ownerUrl, w.mine.id)).map((r) => [r.action, r.reason]),
      [['access.denied', 'denied: relationship']],
    )
    assert.deepEqual(
      (await rows(w.db.ownerUrl, missing)).map((r) => [r.action, r.reason]),
      [['access.denied', 'no such record']],
    )
  })

  it('marks a read through break-glass, so that the data protection officer sees it', async (t) => {
    const w = await world(t)
    const theirs = await createPerson(w.db.database, w.worker.partnershipId, {
      allocatedWorkerId: w.other.id,
    })
    await createBreakGlassGrant(w.db.database, w.db.ownerUrl, {
      partnershipId: w.worker.partnershipId,
      userId: w.worker.id,
      personId: theirs.id,
    })
    const breakGlass = await w.access.read(
      w.me,
      w.people,
      theirs.id,
      CTX,
      async (_t, r) => r.decision.breakGlass,
    )
    assert.equal(breakGlass, true)
    const read = (await rows(w.db.ownerUrl, theirs.id))[0]!
    assert.equal(read.details.breakGlass, true)
    assert.equal(read.details.relationships, 'break-glass')
  })

  it('shows only the list items the policy allows, each audited as a read of its own', async (t) => {
    const w = await world(t)
    const theirs = await createPerson(w.db.database, w.worker.partnershipId, {
      allocatedWorkerId: w.other.id,
    })
    const shown = await w.access.within(w.me, undefined, async (trx) => {
      const found = await w.people.loadMany(trx, [w.mine.id, theirs.id], w.me)
      return w.access.shown(trx, w.me, w.people, [...found.values()], (r) => r.person.id, CTX, {
        via: 'list',
      })
    })
    assert.deepEqual(
      shown.map((s) => s.row.person.id),
      [w.mine.id],
    )
    assert.deepEqual(
      (await rows(w.db.ownerUrl, w.mine.id)).map((r) => [r.action, r.details.via]),
      [['record.read', 'list']],
    )
    assert.deepEqual(await rows(w.db.ownerUrl, theirs.id), [])
  })

  it('refuses (403) a decision the policy did not make, or made for someone else, and audits the refusal', async (t) => {
    const w = await world(t)
    const facts = {
      kind: 'person' as const,
      partnershipId: w.me.partnershipId,
      allocatedWorkerId: w.me.userId,
    }
    const real = decide(w.me, 'read', facts)
    const forging: RecordKind<typeof w.mine> = {
      type: 'person',
      load: async () => w.mine,
      decide: () => ({ ...real }),
    }
    await assert.rejects(
      w.access.read(w.me, forging, w.mine.id, CTX, async () => {}),
      ForgedDecisionError,
    )
    const borrowing: RecordKind<typeof w.mine> = { ...forging, decide: () => decide(w.them, 'read', facts) }
    await assert.rejects(
      w.access.read(w.me, borrowing, w.mine.id, CTX, async () => {}),
      ForgedDecisionError,
    )
    await assert.rejects(
      w.access.within(w.me, undefined, (trx) =>
        w.access.changed(
          trx,
          w.me,
          CTX,
          { type: 'person', id: w.mine.id },
          { ...real },
          {
            action: 'record.update',
          },
        ),
      ),
      ForgedDecisionError,
    )
    // Each refusal is a security event, kept in the audit trail; nothing else was written.
    assert.deepEqual(
      (await rows(w.db.ownerUrl, w.mine.id)).map((r) => [r.action, r.reason]),
      [
        ['access.denied', 'forged decision'],
        ['access.denied', 'forged decision'],
        ['access.denied', 'forged decision'],
      ],
    )
  })
})
