import type { Logger } from './logger.ts'

/**
 * Recurring background work in each app instance: sealing the audit trail, purging expired sessions. Each job
 * is safe to run in several instances at once (sealers serialise on an advisory lock; purges are idempotent),
 * never overlaps itself within an instance, and logs rather than throws when the database is away.
 * (A queue such as pg-boss becomes worth it when jobs need retries, schedules or one-at-a-time across instances.)
 */

export interface Job {
  name: string
  everyMs: number
  run(): Promise<unknown>
}

export interface Jobs {
  /** Stops the timers and waits for runs in progress. */
  stop(): Promise<void>
}

export function startJobs(jobs: readonly Job[], log: Logger): Jobs {
  const running = new Map<string, Promise<void>>()
  const timers = jobs.map((job) => {
    const tick = () => {
      if (running.has(job.name)) return // the previous run is still going: skip this one
      const run = job
        .run()
        .then(
          () => undefined,
          (error: unknown) => log.warn({ err: error, job: job.name }, 'background job failed; will retry'),
        )
        .finally(() => running.delete(job.name))
      running.set(job.name, run)
    }
    const timer = setInterval(tick, job.everyMs)
    timer.unref()
    return timer
  })
  return {
    async stop() {
      for (const timer of timers) clearInterval(timer)
      await Promise.all(running.values())
    },
  }
}
