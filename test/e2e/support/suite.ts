import { after, before } from 'node:test'
import type { Browser } from 'playwright-core'
import { launchBrowser } from './browser.ts'

/**
 * Per spec file: one browser, and clean-ups for apps started in before() hooks (node:test's `after` inside a
 * hook would run too early), run once the file's tests are done. Call at the top level of a spec.
 */
export function browserSuite(): { browser: () => Browser; hooks: { after: (fn: () => unknown) => void } } {
  let browser: Browser | undefined
  const cleanups: Array<() => unknown> = []
  before(async () => {
    browser = await launchBrowser()
  })
  after(async () => {
    for (const fn of cleanups.reverse()) await fn()
    await browser?.close()
  })
  return {
    browser: () => {
      if (browser === undefined) throw new Error('the browser starts in before()')
      return browser
    },
    hooks: { after: (fn) => void cleanups.push(fn) },
  }
}
