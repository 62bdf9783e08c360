import PgBoss from 'pg-boss'
import pg from 'pg'
import type { Logger } from './logger.ts'

/**
 * Recurring background work. A job runs in each app instance on an unref'd interval (sealing the audit trail,
 * purging expired sessions: safe in several instances at once), never overlapping itself within an instance, and
 * logs rather than throws when the database is away. A job marked `once` runs once per interval across all the
 * instances on one database instead (the escalation sweep, scheduled reviews): each instance offers it to the
 * pg-boss queue in PostgreSQL at every tick, throttled to one job per interval (a unique index decides, so only
 * the first offer of a slot is kept), and whichever instance's worker fetches it runs it (ADR 0018).
 */

export interface Job {
  name: string
  everyMs: number
  run(): Promise<unknown>
  /** Once per interval across every instance, through the queue (needs `queue` in the options). */
  once?: boolean
}

export interface Jobs {
  /** The queue is prepared and its workers started (at once when no job is `once`). */
  ready: Promise<void>
  /** Stops the timers and the queue, and waits for runs in progress. */
  stop(): Promise<void>
}

export interface JobQueueOptions {
  /** The owner role: creates (or migrates) the queue's schema and its queues, and grants the runtime group. */
  ownerUrl: string
  /** The runtime role the app's queue works as. */
  appUrl: string
}

/** pg-boss's schema: owned by the owner role, used (never altered) by the runtime group. */
export const JOB_SCHEMA = 'pgboss'
const RUNTIME_GROUP = 'openmace_runtime'
// Arbitrary but fixed (as the migrations' own): serialises the queue set-up of instances starting together.
const SETUP_LOCK_KEY = 7_246_310_018

/**
 * As the owner: installs or migrates pg-boss's schema, creates a queue for each `once` job, and grants the runtime
 * group what pg-boss does at run time (reading and writing its tables, calling its functions), nothing more: the
 * app's queue starts with `migrate: false` and never changes the schema. Idempotent; safe in several instances.
 */
export async function prepareJobQueue(
  ownerUrl: string,
  queues: readonly string[],
  log: Logger,
): Promise<void> {
  // Instances starting together take turns: pg-boss's queue creation deadlocks against itself otherwise.
  const client = new pg.Client({ connectionString: ownerUrl, application_name: 'openmace-jobs-setup' })
  await client.connect()
  try {
    await client.query('SELECT pg_advisory_lock($1)', [SETUP_LOCK_KEY])
    const owner = new PgBoss({
      connectionString: ownerUrl,
      schema: JOB_SCHEMA,
      max: 1,
      migrate: true,
      supervise: false,
      schedule: false,
      application_name: 'openmace-jobs-setup',
    })
    owner.on('error', (error) => log.warn({ err: error }, 'job queue set-up error'))
    await owner.start()
    try {
      for (const name of queues) {
        if ((await owner.getQueue(name)) === null) await owner.createQueue(name, { name, policy: 'standard' })
      }
    } finally {
      await owner.stop({ graceful: false, wait: true })
    }
    await client.query(`GRANT USAGE ON SCHEMA ${JOB_SCHEMA} TO ${RUNTIME_GROUP}`)
    await client.query(
      `GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${JOB_SCHEMA} TO ${RUNTIME_GROUP}`,
    )
    await client.query(`GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA ${JOB_SCHEMA} TO ${RUNTIME_GROUP}`)
    await client.query(
      `REVOKE EXECUTE ON FUNCTION ${JOB_SCHEMA}.create_queue(text, json) FROM ${RUNTIME_GROUP}`,
    )
    await client.query(`REVOKE EXECUTE ON FUNCTION ${JOB_SCHEMA}.delete_queue(text) FROM ${RUNTIME_GROUP}`)
  } finally {
    await client.end() // ends the session, and with it the advisory lock
  }
}

/** Runs `run` unless its previous run is still going (in this instance); failures are logged, not thrown. */
function guarded(
  name: string,
  run: () => Promise<unknown>,
  log: Logger,
  running: Map<string, Promise<void>>,
) {
  return () => {
    if (running.has(name)) return running.get(name)
    const started = run()
      .then(
        () => undefined,
        (error: unknown) => log.warn({ err: error, job: name }, 'background job failed; will retry'),
      )
      .finally(() => running.delete(name))
    running.set(name, started)
    return started
  }
}

export function startJobs(
  jobs: readonly Job[],
  log: Logger,
  options: { queue?: JobQueueOptions } = {},
): Jobs {
  const running = new Map<string, Promise<void>>()
  const timers: NodeJS.Timeout[] = []
  const every = (ms: number, tick: () => unknown) => {
    const timer = setInterval(tick, ms)
    timer.unref()
    timers.push(timer)
  }
  for (const job of jobs.filter((j) => j.once !== true))
    every(
      job.everyMs,
      guarded(job.name, () => job.run(), log, running),
    )

  const once = jobs.filter((j) => j.once === true)
  let boss: PgBoss | undefined
  const ready = (async () => {
    if (once.length === 0) return
    const queue = options.queue
    if (queue === undefined) throw new Error(`jobs ${once.map((j) => j.name).join(', ')} need the job queue`)
    await prepareJobQueue(
      queue.ownerUrl,
      once.map((j) => j.name),
      log,
    )
    const started = new PgBoss({
      connectionString: queue.appUrl,
      schema: JOB_SCHEMA,
      max: 3,
      migrate: false,
      schedule: false,
      application_name: 'openmace-jobs',
    })
    started.on('error', (error) => log.warn({ err: error }, 'job queue error; will retry'))
    await started.start()
    boss = started
    for (const job of once) {
      const seconds = Math.max(1, Math.round(job.everyMs / 1000))
      const run = guarded(job.name, () => job.run(), log, running)
      await started.work(job.name, { pollingIntervalSeconds: Math.max(0.5, seconds / 2) }, async () => {
        await run()
      })
      const offer = () =>
        started
          .sendThrottled(
            job.name,
            {},
            { retryLimit: 0, expireInSeconds: Math.max(60, seconds * 4) },
            seconds,
            job.name,
          )
          .catch((error: unknown) =>
            log.warn({ err: error, job: job.name }, 'could not offer a job; will retry'),
          )
      void offer()
      every(job.everyMs, offer)
    }
  })()
  ready.catch((error: unknown) => log.error({ err: error }, 'the job queue did not start'))

  return {
    ready,
    async stop() {
      for (const timer of timers) clearInterval(timer)
      await ready.catch(() => undefined)
      await boss?.stop({ graceful: true, wait: true, timeout: 10_000 })
      await Promise.all(running.values())
    },
  }
}
