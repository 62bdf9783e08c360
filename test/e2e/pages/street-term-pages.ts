import { paths } from '../../../src/platform/paths.ts'
import { BasePage } from './base-page.ts'

/** The administrator's street-terms pages (issue 12): the list, "Add a street term" and a term's page; axe after each step. */
export class StreetTermPages extends BasePage {
  /** From the home page's link, then back through the administration sub-navigation. */
  async openFromHome(): Promise<void> {
    await this.page.getByRole('link', { name: 'Street terms' }).click()
    await this.page.waitForURL(`**${paths.admin.streetTerms}`)
    await this.page.getByRole('link', { name: 'Agencies and teams' }).click()
    await this.page.waitForURL(`**${paths.admin.agencies}`)
    await this.page.getByTestId('admin-navigation').getByRole('link', { name: 'Street terms' }).click()
    await this.page.waitForURL(`**${paths.admin.streetTerms}`)
    await this.checkAccessibility()
  }

  async add(term: { term: string; variants: string; meaning: string }): Promise<void> {
    await this.page.getByRole('button', { name: 'Add a street term' }).click()
    await this.page.waitForURL(`**${paths.admin.streetTermNew}`)
    await this.checkAccessibility()
    await this.fill(term)
    await this.save('Add street term')
  }

  async fill(term: { term: string; variants: string; meaning: string }): Promise<void> {
    await this.page.getByLabel('Term', { exact: true }).fill(term.term)
    await this.page.getByLabel('Variants (optional)').fill(term.variants)
    await this.page.getByLabel('Meaning').fill(term.meaning)
  }

  async save(button: string): Promise<void> {
    await this.page.getByRole('button', { name: button }).click()
    await this.page.waitForLoadState()
    await this.checkAccessibility()
  }

  async openTerm(term: string): Promise<void> {
    await this.page.getByTestId('street-terms').getByRole('link', { name: term }).click()
    await this.page.waitForLoadState()
    await this.checkAccessibility()
  }

  async retire(): Promise<void> {
    await this.page.getByLabel('Retired').check()
    await this.save('Save street term')
  }

  async errorSummary(): Promise<string> {
    return this.page.locator('.govuk-error-summary').innerText()
  }

  /** The list's row of a term: its cells' text. */
  async row(term: string): Promise<string> {
    return this.page
      .getByTestId('street-terms')
      .getByRole('row', { name: new RegExp(`^${term}`) })
      .innerText()
  }
}
