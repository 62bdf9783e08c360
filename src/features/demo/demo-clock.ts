import { AsyncLocalStorage } from 'node:async_hooks'

/**
 * The services' clock, which the demo seed can set for its own work only. The seed goes through the app's own
 * services (docs/adr/0014-demo-seed-through-services.md), and dates what they do as if it happened over the last
 * month: a referral "ten days ago" has its deadline, transitions, decision and notifications dated then. The seed's
 * time lives in an AsyncLocalStorage, so it is seen only by calls made inside `seedingAt` (the seed's own async
 * work): a request served meanwhile by the same process reads the real clock (or the tests' `now`).
 */
const seeding = new AsyncLocalStorage<() => Date>()

/** The clock to give the services: the seed's time inside a seed, `base` (tests) or the system's otherwise. */
export function seedableClock(base?: () => Date): () => Date {
  return () => {
    const seed = seeding.getStore()
    if (seed !== undefined) return seed()
    return base === undefined ? new Date() : base()
  }
}

let running = 0

/**
 * Runs `work` with the services' clock reading `clock`. On Node 20 an AsyncLocalStorage that has run once keeps
 * promise hooks on for every promise of the process, which made every await of a request slower (ADR 0011): so
 * the storage is disabled again when the last seed in progress ends.
 */
export async function seedingAt<T>(clock: () => Date, work: () => Promise<T>): Promise<T> {
  running++
  try {
    return await seeding.run(clock, work)
  } finally {
    running--
    if (running === 0) seeding.disable()
  }
}
