import assert from 'node:assert/strict'
import { it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { sql } from 'kysely'
import { createDatabase, withTransaction } from '../../db/database.ts'
import { startJobs } from '../../platform/jobs.ts'
import { createLogger } from '../../platform/logger.ts'
import { latestMigration } from '../../runtime.ts'
import { services as buildServices } from '../../services.ts'
import { testConfig } from '../../../test/helpers/build.ts'
import { ownerQuery } from '../../../test/helpers/database.ts'
import { currentActor, TEST_REQUEST } from '../../../test/helpers/sign-in.ts'
import { allocatedChildWorld } from '../../../test/factories/team-factory.ts'

const HOUR = 3_600_000

it('two app instances on one database: the escalation sweep runs once per interval and escalates each overdue task exactly once', async (t) => {
  const w = await allocatedChildWorld(t, { others: { manager: ['team-manager'] }, teamMates: ['manager'] })
  const actor = await currentActor(w, w.worker)
  // Twelve tasks, due tomorrow: overdue only on the instances' clock, which is two days ahead.
  await withTransaction(
    w.db.database,
    { actorId: actor.userId, partnershipId: actor.partnershipId },
    async (trx) => {
      for (let i = 0; i < 12; i++) {
        await w.services.tasks.raise(
          trx,
          { actor, ctx: TEST_REQUEST },
          {
            kind: 'flag-review',
            subject: { kind: 'person', id: w.child.id },
            assignee: { userId: w.worker.id },
            reason: `Task ${String(i)}`,
            dueAt: new Date(Date.now() + 24 * HOUR),
            dedupKey: `sweep-${String(i)}`,
          },
        )
      }
    },
  )
  const log = createLogger('silent')
  const runs = [0, 0]
  const instances = await Promise.all(
    [0, 1].map(async (n) => {
      const database = createDatabase(w.db.appUrl, { poolSize: 3 })
      t.after(() => database.close())
      const services = buildServices(testConfig(), database, {
        latestMigration: await latestMigration(),
        now: () => new Date(Date.now() + 48 * HOUR),
      })
      return startJobs(
        [
          {
            name: 'task-escalation',
            everyMs: 1000,
            once: true,
            run: async () => {
              runs[n] = (runs[n] ?? 0) + 1
              await services.tasks.escalateOverdue()
            },
          },
        ],
        log,
        { queue: { ownerUrl: w.db.ownerUrl, appUrl: w.db.appUrl } },
      )
    }),
  )
  const started = Date.now()
  await Promise.all(instances.map((i) => i.ready))
  await sleep(4500)
  await Promise.all(instances.map((i) => i.stop()))
  const seconds = (Date.now() - started) / 1000

  const escalations = await ownerQuery<{ record_id: string; n: number }>(
    w.db.ownerUrl,
    `SELECT record_id, count(*)::int AS n FROM audit_event
      WHERE record_type = 'task' AND action = 'record.update' AND details->>'change' = 'escalate' GROUP BY record_id`,
  )
  assert.equal(escalations.length, 12, 'every overdue task escalated')
  assert.ok(
    escalations.every((e) => e.n === 1),
    'each exactly once',
  )
  assert.equal(
    (
      await ownerQuery<{ n: number }>(
        w.db.ownerUrl,
        'SELECT count(*)::int AS n FROM task WHERE escalated_at IS NOT NULL',
      )
    )[0]?.n,
    12,
  )
  // One job per one-second slot across both instances (not one per instance per tick).
  const total = (runs[0] ?? 0) + (runs[1] ?? 0)
  assert.ok(total >= 2, `the sweep ran ${String(total)} times`)
  assert.ok(
    total <= Math.ceil(seconds) + 1,
    `the sweep ran ${String(total)} times in ${seconds.toFixed(1)} s`,
  )
  const slots = await ownerQuery<{ slots: number; jobs: number }>(
    w.db.ownerUrl,
    "SELECT count(DISTINCT singleton_on)::int AS slots, count(*)::int AS jobs FROM pgboss.job WHERE name = 'task-escalation'",
  )
  assert.equal(slots[0]?.jobs, slots[0]?.slots, 'one job a slot')
})

it('the runtime role uses the queue but cannot change its schema', async (t) => {
  const w = await allocatedChildWorld(t, { others: {} })
  const jobs = startJobs(
    [{ name: 'task-escalation', everyMs: 60_000, once: true, run: async () => {} }],
    createLogger('silent'),
    {
      queue: { ownerUrl: w.db.ownerUrl, appUrl: w.db.appUrl },
    },
  )
  await jobs.ready
  await jobs.stop()
  const app = createDatabase(w.db.appUrl, { poolSize: 1 })
  t.after(() => app.close())
  const attempt = (statement: string) => withTransaction(app, {}, (trx) => sql.raw(statement).execute(trx))
  await assert.rejects(attempt("SELECT pgboss.create_queue('sneaky', '{}'::json)"), /permission denied/)
  await assert.rejects(attempt('DROP TABLE pgboss.version'), /must be owner|permission denied/)
  await assert.rejects(attempt('CREATE TABLE pgboss.sneaky (id int)'), /permission denied/)
})
