import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { sql } from 'kysely'
import { createDatabase, withTransaction, type Database } from '../../db/database.ts'
import { createTestDatabase, ownerQuery } from '../../../test/helpers/database.ts'
import { CANONICAL_COLUMNS, sealPending, verifyAudit } from './audit-seal.ts'
import { auditRepository, auditWriter, type AuditEvent } from './audit-writer.ts'

const writer = auditWriter()
const PARTNERSHIP = '11111111-1111-4111-8111-111111111111'
const ACTOR = '22222222-2222-4222-8222-222222222222'

function event(i: number, overrides: Partial<AuditEvent> = {}): AuditEvent {
  return {
    action: 'record.read',
    outcome: 'allowed',
    partnershipId: PARTNERSHIP,
    actor: { id: ACTOR, role: 'social-worker', agencyId: null },
    record: { type: 'child', id: `c-${i % 7}` },
    requestId: `req-${i}`,
    ip: i % 2 === 0 ? '10.0.0.1' : '2001:db8::1',
    details: { n: i, flag: i % 3 === 0 },
    ...overrides,
  }
}

async function writeMany(database: Database, count: number, from = 0): Promise<void> {
  for (let i = from; i < from + count; i++) {
    await withTransaction(database, {}, (trx) => writer.write(trx, event(i)))
  }
}

/** Tampering as the owner: the append-only triggers must be disabled first, on purpose. */
async function tamper(
  ownerUrl: string,
  table: 'audit_event' | 'audit_seal',
  statement: string,
): Promise<void> {
  await ownerQuery(
    ownerUrl,
    `BEGIN; ALTER TABLE ${table} DISABLE TRIGGER USER; ${statement}; ALTER TABLE ${table} ENABLE TRIGGER USER; COMMIT`,
  )
}

describe('audit trail', () => {
  it('the writer writes in the action transaction: a rolled-back action leaves no audit row', async (t) => {
    const { database } = await createTestDatabase(t)
    const id = await withTransaction(database, {}, (trx) => writer.write(trx, event(1)))
    await assert.rejects(
      withTransaction(database, {}, async (trx) => {
        await writer.write(trx, event(2, { action: 'record.update', outcome: 'succeeded' }))
        throw new Error('the action failed')
      }),
      /the action failed/,
    )
    const { rows } = await database.pool.query<{ id: string; action: string; ip: string }>(
      'SELECT id::text, action, host(ip) AS ip FROM audit_event ORDER BY audit_event.id',
    )
    assert.deepEqual(rows, [{ id, action: 'record.read', ip: '2001:db8::1' }])
  })

  it('writeMany appends several events in one statement, in order, and they verify like any other', async (t) => {
    const { database } = await createTestDatabase(t)
    const ids = await withTransaction(database, {}, (trx) =>
      writer.writeMany(trx, [
        event(1),
        event(2),
        event(3, { action: 'record.update', outcome: 'succeeded' }),
      ]),
    )
    assert.equal(ids.length, 3)
    const { rows: written } = await database.pool.query<{ id: string; request_id: string; action: string }>(
      'SELECT id::text, request_id, action FROM audit_event WHERE id = ANY($1::bigint[]) ORDER BY id',
      [ids],
    )
    assert.deepEqual(
      written.map((r) => [r.id, r.request_id, r.action]),
      [
        [ids[0], 'req-1', 'record.read'],
        [ids[1], 'req-2', 'record.read'],
        [ids[2], 'req-3', 'record.update'],
      ],
    )
    assert.deepEqual(await withTransaction(database, {}, (trx) => writer.writeMany(trx, [])), [])
    await assert.rejects(
      withTransaction(database, {}, (trx) => writer.writeMany(trx, [event(4), event(5, { ip: 'nope' })])),
      /not an IP address/,
    )
    await sealPending(database)
    const report = await verifyAudit(database.db)
    assert.equal(report.ok, true, report.message)
    assert.equal(report.sealedRows, 3)
  })

  it('writeAtCommit inserts with the COMMIT, in the same transaction: values kept exactly, nothing on rollback or a bad row', async (t) => {
    const { database } = await createTestDatabase(t)
    const ctx = { partnershipId: PARTNERSHIP, actorId: ACTOR }
    const hostile = 'O\'Brien \\ "quoted" ; DROP TABLE audit_event; -- é ✓'
    const seenInside = await withTransaction(database, ctx, async (trx) => {
      await writer.writeAtCommit(trx, [
        event(1, { reason: hostile, details: { note: hostile, n: 1, ok: true, none: null } }),
        event(2),
      ])
      // Queued, not yet inserted: the transaction's own reads do not see it.
      return (await database.pool.query<{ n: string }>('SELECT count(*)::text AS n FROM audit_event')).rows[0]
        ?.n
    })
    assert.equal(seenInside, '0')
    const { rows } = await database.pool.query<{ reason: string | null; details: unknown; ip: string }>(
      'SELECT reason, details, host(ip) AS ip FROM audit_event ORDER BY id',
    )
    assert.deepEqual(rows, [
      { reason: hostile, details: { note: hostile, n: 1, ok: true, none: null }, ip: '2001:db8::1' },
      { reason: null, details: { n: 2, flag: false }, ip: '10.0.0.1' },
    ])
    // The action fails after queueing: nothing is written.
    await assert.rejects(
      withTransaction(database, ctx, async (trx) => {
        await writer.writeAtCommit(trx, [event(3)])
        throw new Error('the read failed')
      }),
      /the read failed/,
    )
    // A row the database refuses fails the whole transaction, including what it did before.
    await assert.rejects(
      withTransaction(database, ctx, async (trx) => {
        await writer.write(trx, event(4))
        await writer.writeAtCommit(trx, [{ ...event(5), action: 'Not An Action' as never }])
      }),
      /check constraint/,
    )
    // A context that is not UUID-shaped is set the parameterised way; the row still goes with the COMMIT.
    await withTransaction(database, { actorId: 'not-a-uuid' }, async (trx) => {
      await writer.writeAtCommit(trx, [event(6)])
      const { rows: now } = await sql<{ n: string }>`SELECT count(*)::text AS n FROM audit_event`.execute(trx)
      assert.equal(now[0]?.n, '2')
    })
    const { rows: after } = await database.pool.query<{ n: string }>(
      'SELECT count(*)::text AS n FROM audit_event',
    )
    assert.equal(after[0]?.n, '3')
    // Outside withTransaction (a transaction of its own), it inserts at once.
    await database.db.transaction().execute(async (trx) => {
      await writer.writeAtCommit(trx, [event(9)])
      const { rows: now } = await sql<{ n: string }>`SELECT count(*)::text AS n FROM audit_event`.execute(trx)
      assert.equal(now[0]?.n, '4')
    })
    // A separate transaction begun inside the callback commits without the outer one's queued rows.
    const other = createDatabase(database.pool.options.connectionString ?? '', { poolSize: 1 })
    t.after(() => other.close())
    await withTransaction(database, ctx, async (trx) => {
      await writer.writeAtCommit(trx, [event(7)])
      await other.db.transaction().execute((inner) => writer.write(inner, event(8)))
      const { rows: between } = await database.pool.query<{ request_id: string }>(
        "SELECT request_id FROM audit_event WHERE request_id IN ('req-7', 'req-8')",
      )
      assert.deepEqual(between, [{ request_id: 'req-8' }])
    })
    const { rows: all } = await database.pool.query<{ request_id: string }>(
      'SELECT request_id FROM audit_event ORDER BY id',
    )
    assert.deepEqual(
      all.map((r) => r.request_id),
      ['req-1', 'req-2', 'req-6', 'req-9', 'req-8', 'req-7'],
    )
    await sealPending(database)
    const report = await verifyAudit(database.db)
    assert.equal(report.ok, true, report.message)
  })

  it('the writer refuses an ip that is not an address; the database refuses a malformed action', async (t) => {
    const { database } = await createTestDatabase(t)
    await assert.rejects(
      withTransaction(database, {}, (trx) => writer.write(trx, event(1, { ip: 'not-an-ip' }))),
      /not an IP address/,
    )
    await assert.rejects(
      database.pool.query("INSERT INTO audit_event (action, outcome) VALUES ('Drop Table', 'allowed')"),
      /check constraint/,
    )
  })

  it('the runtime role can only insert and read: no update, delete, truncate, chosen id or time', async (t) => {
    const { database, ownerUrl } = await createTestDatabase(t)
    await writeMany(database, 3)
    await sealPending(database)
    for (const table of ['audit_event', 'audit_seal']) {
      await assert.rejects(
        database.pool.query(`UPDATE ${table} SET row_count = 1`),
        /permission denied|column/,
      )
      await assert.rejects(database.pool.query(`DELETE FROM ${table}`), /permission denied/)
      await assert.rejects(database.pool.query(`TRUNCATE ${table}`), /permission denied/)
    }
    await assert.rejects(database.pool.query("UPDATE audit_event SET reason = 'x'"), /permission denied/)
    await assert.rejects(
      database.pool.query(
        "INSERT INTO audit_event (occurred_at, action, outcome) VALUES ('2000-01-01', 'export', 'succeeded')",
      ),
      /permission denied/,
    )
    await assert.rejects(
      database.pool.query(
        "INSERT INTO audit_event (id, action, outcome) OVERRIDING SYSTEM VALUE VALUES (999, 'export', 'succeeded')",
      ),
      /permission denied/,
    )
    // The owner is refused too while the triggers are on.
    await assert.rejects(ownerQuery(ownerUrl, "UPDATE audit_event SET reason = 'x'"), /append-only/)
    await assert.rejects(ownerQuery(ownerUrl, 'DELETE FROM audit_seal'), /append-only/)
    await assert.rejects(ownerQuery(ownerUrl, 'TRUNCATE audit_event CASCADE'), /append-only/)
  })

  it('the canonical form covers every column of audit_event', async (t) => {
    const { ownerUrl } = await createTestDatabase(t)
    const rows = await ownerQuery<{ column_name: string }>(
      ownerUrl,
      "SELECT column_name FROM information_schema.columns WHERE table_name = 'audit_event' ORDER BY ordinal_position",
    )
    assert.deepEqual(rows.map((r) => r.column_name).sort(), [...CANONICAL_COLUMNS].sort())
  })

  it('verify passes on a busy database: thousands of events from several connections, sealed while written', async (t) => {
    const { database, appUrl } = await createTestDatabase(t)
    const sealer = createDatabase(appUrl, { poolSize: 2 })
    t.after(() => sealer.close())
    const state = { writing: true }
    const sealing = (async () => {
      let blocks = 0
      while (state.writing) {
        blocks += (await sealPending(sealer, { blockSize: 300 })).blocks
      }
      return blocks
    })()
    // 8 writers × 300 transactions, some of which roll back (their ids leave gaps).
    await Promise.all(
      Array.from({ length: 8 }, async (_, w) => {
        for (let i = 0; i < 300; i++) {
          await withTransaction(database, {}, async (trx) => {
            await writer.write(trx, event(w * 1000 + i))
            if (i % 50 === 49) throw new Error('rolled back')
          }).catch((error: unknown) => {
            if (!(error instanceof Error) || error.message !== 'rolled back') throw error
          })
        }
      }),
    )
    state.writing = false
    const blocksWhileWriting = await sealing
    await sealPending(database, { blockSize: 300 })
    const result = await verifyAudit(database.db)
    assert.equal(result.ok, true, result.message)
    assert.equal(result.sealedRows, 8 * 294)
    assert.equal(result.unsealedRows, 0)
    assert.ok(blocksWhileWriting > 1, 'blocks were sealed while the writers were busy')
    assert.match(result.latest?.hash ?? '', /^[0-9a-f]{64}$/)
  })

  it('verify names the first altered row, a deleted row and a row slipped into a sealed block', async (t) => {
    const { database, ownerUrl } = await createTestDatabase(t)
    await writeMany(database, 30)
    await sealPending(database, { blockSize: 10 })
    await writeMany(database, 5, 30)
    const intact = await verifyAudit(database.db)
    assert.equal(intact.ok, true, intact.message)
    assert.deepEqual([intact.seals, intact.sealedRows, intact.unsealedRows], [3, 30, 5])

    const [{ id: altered }] = (await ownerQuery<{ id: string }>(
      ownerUrl,
      'SELECT id::text FROM audit_event ORDER BY audit_event.id OFFSET 14 LIMIT 1',
    )) as [{ id: string }]
    await tamper(
      ownerUrl,
      'audit_event',
      `UPDATE audit_event SET actor_role = 'manager' WHERE id = ${altered}`,
    )
    const afterUpdate = await verifyAudit(database.db)
    assert.equal(afterUpdate.ok, false)
    assert.equal(afterUpdate.firstBrokenEventId, altered)
    assert.equal(afterUpdate.brokenSeal, '2')
    assert.match(afterUpdate.message, new RegExp(`audit row ${altered} was altered`))

    // Restored exactly, it verifies again.
    await tamper(
      ownerUrl,
      'audit_event',
      `UPDATE audit_event SET actor_role = 'social-worker' WHERE id = ${altered}`,
    )
    assert.equal((await verifyAudit(database.db)).ok, true)

    const [{ id: deleted }] = (await ownerQuery<{ id: string }>(
      ownerUrl,
      'SELECT id::text FROM audit_event ORDER BY audit_event.id OFFSET 5 LIMIT 1',
    )) as [{ id: string }]
    await tamper(ownerUrl, 'audit_event', `DELETE FROM audit_event WHERE id = ${deleted}`)
    const afterDelete = await verifyAudit(database.db)
    assert.equal(afterDelete.ok, false)
    assert.equal(afterDelete.firstBrokenEventId, deleted)
    assert.match(afterDelete.message, /was deleted/)
  })

  it('verify detects a row inserted into a sealed range and a rewritten seal', async (t) => {
    const { database, ownerUrl } = await createTestDatabase(t)
    await writeMany(database, 3)
    // A gap inside what will be the first block, as a rolled-back transaction leaves.
    let gap = ''
    await assert.rejects(
      withTransaction(database, {}, async (trx) => {
        gap = await writer.write(trx, event(99))
        throw new Error('rolled back')
      }),
    )
    await writeMany(database, 17, 3)
    await sealPending(database, { blockSize: 8 })
    const seals = await ownerQuery<{ seq: string }>(ownerUrl, 'SELECT seq::text FROM audit_seal ORDER BY seq')
    assert.equal(seals.length, 3)

    for (const id of [gap, '-5']) {
      await ownerQuery(
        ownerUrl,
        `INSERT INTO audit_event (id, action, outcome) OVERRIDING SYSTEM VALUE VALUES (${id}, 'export', 'succeeded')`,
      )
      const slipped = await verifyAudit(database.db)
      assert.equal(slipped.firstBrokenEventId, id)
      assert.match(slipped.message, /added after its block was sealed/)
      await tamper(ownerUrl, 'audit_event', `DELETE FROM audit_event WHERE id = ${id}`)
    }
    assert.equal((await verifyAudit(database.db)).ok, true)

    await tamper(ownerUrl, 'audit_seal', `UPDATE audit_seal SET hash = repeat('a', 64) WHERE seq = 2`)
    const rewritten = await verifyAudit(database.db)
    assert.equal(rewritten.ok, false)
    assert.equal(rewritten.brokenSeal, '2')
    assert.match(rewritten.message, /seal 2 does not match its rows/)
  })

  it('a rewritten chain is caught by the copy of a seal hash kept outside the database', async (t) => {
    const { database, ownerUrl } = await createTestDatabase(t)
    await writeMany(database, 5)
    const { latest } = await sealPending(database)
    assert.ok(latest !== undefined)
    assert.equal((await verifyAudit(database.db, { expect: latest })).ok, true)
    // An owner rewrites a row and recomputes the whole chain: internally consistent, but not what was kept.
    await tamper(ownerUrl, 'audit_event', "UPDATE audit_event SET reason = 'forged'")
    await tamper(ownerUrl, 'audit_seal', 'DELETE FROM audit_seal')
    await sealPending(database)
    assert.equal((await verifyAudit(database.db)).ok, true)
    const kept = await verifyAudit(database.db, { expect: latest })
    assert.equal(kept.ok, false)
    assert.match(kept.message, /different hash from the copy kept outside/)
  })

  it('property: after any sequence of writes, rollbacks and seals, the audit verifies', async (t) => {
    const { database } = await createTestDatabase(t)
    const step = fc.oneof(
      fc.record({
        kind: fc.constant('write' as const),
        count: fc.integer({ min: 1, max: 5 }),
        rollback: fc.boolean(),
        reason: fc.option(fc.string({ maxLength: 40 }), { nil: null }),
        recordId: fc.string({ minLength: 1, maxLength: 20 }),
        details: fc.dictionary(
          fc.string({ maxLength: 8 }),
          fc.oneof(fc.string({ maxLength: 10 }), fc.integer(), fc.boolean(), fc.constant(null)),
          { maxKeys: 4 },
        ),
      }),
      fc.record({ kind: fc.constant('seal' as const), blockSize: fc.integer({ min: 1, max: 7 }) }),
    )
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 12 }), async (steps) => {
        for (const s of steps) {
          if (s.kind === 'seal') {
            await sealPending(database, { blockSize: s.blockSize })
            continue
          }
          await withTransaction(database, {}, async (trx) => {
            for (let i = 0; i < s.count; i++) {
              await writer.write(trx, {
                ...event(i),
                reason: s.reason,
                record: { type: 'referral', id: s.recordId },
                details: s.details,
              })
            }
            if (s.rollback) throw new Error('rolled back')
          }).catch((error: unknown) => {
            if (!(error instanceof Error) || error.message !== 'rolled back') throw error
          })
        }
        const result = await verifyAudit(database.db)
        assert.equal(result.ok, true, result.message)
        await sealPending(database)
        const sealed = await verifyAudit(database.db)
        assert.equal(sealed.ok, true, sealed.message)
        assert.equal(sealed.unsealedRows, 0)
      }),
      { numRuns: 25 },
    )
  })

  it('the repository filters by actor, record, action and time, newest first, page by page', async (t) => {
    const { database } = await createTestDatabase(t)
    const other = '33333333-3333-4333-8333-333333333333'
    for (let i = 0; i < 12; i++) {
      await withTransaction(database, {}, (trx) =>
        writer.write(
          trx,
          event(i, {
            actor: { id: i % 3 === 0 ? other : ACTOR },
            action: i % 4 === 0 ? 'access.denied' : 'record.read',
            outcome: i % 4 === 0 ? 'denied' : 'allowed',
          }),
        ),
      )
    }
    const repo = auditRepository()
    const all: string[] = []
    let before: string | undefined
    do {
      const page = await repo.list(database.db, { partnershipId: PARTNERSHIP }, { limit: 5, before })
      all.push(...page.entries.map((e) => e.id))
      before = page.nextBefore
    } while (before !== undefined)
    assert.equal(all.length, 12)
    assert.deepEqual(
      all,
      [...all].sort((a, b) => Number(b) - Number(a)),
    )

    const byActor = await repo.list(database.db, { actorId: other })
    assert.equal(byActor.entries.length, 4)
    const denied = await repo.list(database.db, { action: 'access.denied' })
    assert.ok(denied.entries.every((e) => e.outcome === 'denied'))
    assert.equal(denied.entries.length, 3)
    const record = await repo.list(database.db, { record: { type: 'child', id: 'c-3' } })
    assert.deepEqual(
      record.entries.map((e) => e.recordId),
      ['c-3', 'c-3'],
    )
    const future = await repo.list(database.db, { from: new Date(Date.now() + 60_000) })
    assert.equal(future.entries.length, 0)
    const past = await repo.list(database.db, { to: new Date(Date.now() + 60_000), from: new Date(0) })
    assert.equal(past.entries.length, 12)
    assert.deepEqual(past.entries[0]?.details, { n: 11, flag: false })
    await assert.rejects(repo.list(database.db, {}, { before: '1; DROP' }), /cursor/)
  })
})
