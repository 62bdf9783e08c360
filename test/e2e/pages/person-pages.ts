import { BasePage } from './base-page.ts'

/** A child's record, the caseload, break-glass and the DPO's review: every step is checked by axe. */
export class PersonPages extends BasePage {
  async followLink(name: string | RegExp): Promise<void> {
    await this.page.getByRole('link', { name }).first().click()
    await this.page.waitForLoadState()
    await this.checkAccessibility()
  }

  async press(name: string): Promise<void> {
    await this.page.getByRole('button', { name }).click()
    await this.page.waitForLoadState()
    await this.checkAccessibility()
  }

  async errorSummary(): Promise<string> {
    return this.page.locator('.govuk-error-summary').innerText()
  }

  async summary(testId: string): Promise<string> {
    return this.page.getByTestId(testId).innerText()
  }
}
