import { BasePage } from './base-page.ts'

/** Locations, objects, flags and the task list: every step is checked by axe. */
export class PolePages extends BasePage {
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

  async fill(label: string | RegExp, value: string): Promise<void> {
    await this.page.getByLabel(label, { exact: typeof label === 'string' }).fill(value)
  }

  async choose(label: string): Promise<void> {
    await this.page.getByLabel(label, { exact: true }).check()
  }

  /** A GOV.UK date input (day, month, year) from "YYYY-MM-DD". */
  async fillDate(date: string): Promise<void> {
    const [year = '', month = '', day = ''] = date.split('-')
    await this.page.getByLabel('Day', { exact: true }).fill(String(Number(day)))
    await this.page.getByLabel('Month', { exact: true }).fill(String(Number(month)))
    await this.page.getByLabel('Year', { exact: true }).fill(year)
  }

  async errorSummary(): Promise<string> {
    return this.page.locator('.govuk-error-summary').innerText()
  }

  async section(testId: string): Promise<string> {
    return this.page.getByTestId(testId).innerText()
  }

  path(): string {
    return new URL(this.page.url()).pathname
  }
}
