import assert from 'node:assert/strict'
import { AxeBuilder } from '@axe-core/playwright'
import type { Page, Response } from 'playwright-core'

/** WCAG 2.2 AA, as the service promises. */
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']

/**
 * Every page object opens its page through here, so axe runs on every page the browser suite visits.
 */
export class BasePage {
  constructor(
    readonly page: Page,
    readonly baseUrl: string,
  ) {}

  async open(path: string, expectedStatus = 200): Promise<Response> {
    const response = await this.page.goto(`${this.baseUrl}${path}`)
    assert.ok(response, `no response for ${path}`)
    assert.equal(response.status(), expectedStatus, `status of ${path}`)
    await this.checkAccessibility()
    return response
  }

  /** Runs axe on the page as it is now; fails with each violation's rule, impact and nodes. */
  async checkAccessibility(): Promise<void> {
    const results = await new AxeBuilder({ page: this.page }).withTags(AXE_TAGS).analyze()
    const report = results.violations.map(
      (v) =>
        `${v.id} (${v.impact ?? 'unknown'}): ${v.help}\n  ${v.nodes.map((n) => n.target.join(' ')).join('\n  ')}`,
    )
    assert.deepEqual(report, [], `axe found violations on ${this.page.url()}`)
  }

  async heading(): Promise<string> {
    return (await this.page.locator('h1').innerText()).trim()
  }

  async title(): Promise<string> {
    return this.page.title()
  }
}
