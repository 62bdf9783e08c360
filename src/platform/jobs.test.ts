import assert from 'node:assert/strict'
import { it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { startJobs } from './jobs.ts'
import { createLogger } from './logger.ts'

it('runs each job repeatedly, never two runs of one job at once, survives failures, and stop waits for runs in progress', async () => {
  let runs = 0
  let concurrent = 0
  let maxConcurrent = 0
  let failures = 0
  let finished = 0
  const jobs = startJobs(
    [
      {
        name: 'slow',
        everyMs: 5,
        run: async () => {
          runs++
          concurrent++
          maxConcurrent = Math.max(maxConcurrent, concurrent)
          await sleep(30)
          concurrent--
          finished++
        },
      },
      {
        name: 'failing',
        everyMs: 5,
        run: async () => {
          failures++
          throw new Error('database away')
        },
      },
    ],
    createLogger('silent'),
  )
  await sleep(150)
  await jobs.stop()
  assert.ok(runs >= 2, `the slow job ran ${runs} times`)
  assert.equal(maxConcurrent, 1, 'a job never overlaps itself')
  assert.ok(failures >= 2, 'a failing job keeps being retried')
  assert.equal(finished, runs, 'stop waited for the run in progress')
  const after = runs
  await sleep(40)
  assert.equal(runs, after, 'nothing runs after stop')
})
