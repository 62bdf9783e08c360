import { paths } from '../../../src/platform/paths.ts'
import { BasePage } from './base-page.ts'

/** The system administrator's pages (agencies and teams, accounts, API tokens); axe runs after every step. */
export class AdminPages extends BasePage {
  private async submit(button: string): Promise<void> {
    await this.page.getByRole('button', { name: button }).click()
    await this.page.waitForLoadState()
    await this.checkAccessibility()
  }

  /** Follows a link of the administration sub-navigation. */
  async goTo(section: 'Accounts' | 'Agencies and teams' | 'API tokens'): Promise<void> {
    await this.page.getByTestId('admin-navigation').getByRole('link', { name: section }).click()
    await this.page.waitForLoadState()
    await this.checkAccessibility()
  }

  async addAgency(name: string, type: string): Promise<void> {
    await this.page.getByRole('button', { name: 'Add an agency' }).click()
    await this.page.waitForURL(`**${paths.admin.agencyNew}`)
    await this.checkAccessibility()
    await this.page.getByLabel('Name').fill(name)
    await this.page.getByLabel(type).check()
    await this.submit('Add agency')
  }

  async addTeam(name: string): Promise<void> {
    await this.page.getByLabel('Add a team').fill(name)
    await this.submit('Add team')
  }

  async createAccount(account: {
    name: string
    email: string
    agency: string
    team?: string
    roles: string[]
  }): Promise<void> {
    await this.page.getByRole('button', { name: 'Create an account' }).click()
    await this.page.waitForURL(`**${paths.admin.userNew}`)
    await this.checkAccessibility()
    await this.page.getByLabel('A person').check()
    await this.page.getByLabel('Name', { exact: true }).fill(account.name)
    await this.page.getByLabel('Email address').fill(account.email)
    await this.page.getByLabel('Agency').selectOption({ label: account.agency })
    if (account.team !== undefined)
      await this.page.getByLabel('Team (optional)').selectOption({ label: account.team })
    for (const role of account.roles) await this.page.getByLabel(role, { exact: true }).check()
    await this.submit('Create account')
  }

  async setUpLink(): Promise<string> {
    return (await this.page.getByTestId('set-up-link').innerText()).trim()
  }

  async errorSummary(): Promise<string> {
    return this.page.locator('.govuk-error-summary').innerText()
  }
}

/** The page a set-up link opens. */
export class AccountSetUpPage extends BasePage {
  async choosePassword(password: string, again = password): Promise<void> {
    await this.page.getByLabel('Password', { exact: true }).fill(password)
    await this.page.getByLabel('Enter the password again').fill(again)
    await this.page.getByRole('button', { name: 'Set password' }).click()
    await this.page.waitForLoadState()
    await this.checkAccessibility()
  }
}
