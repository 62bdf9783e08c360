import { paths } from '../../../src/platform/paths.ts'
import { BasePage } from './base-page.ts'

/** The sign-in form, the security-code step and the set-up pages: every step is checked by axe. */
export class SignInPage extends BasePage {
  async visit(): Promise<void> {
    await this.open(paths.signIn)
  }

  async signIn(email: string, password: string): Promise<void> {
    await this.page.getByLabel('Email address').fill(email)
    await this.page.getByLabel('Password', { exact: true }).fill(password)
    await this.page.getByRole('button', { name: 'Sign in', exact: true }).click()
    await this.page.waitForLoadState()
    await this.checkAccessibility()
  }

  /** Follows the single sign-on button to the provider (whose pages are not ours: axe is not run there). */
  async startSingleSignOn(label: string, providerOrigin: string): Promise<void> {
    await this.page.getByRole('button', { name: label }).click()
    await this.page.waitForURL(`${providerOrigin}/**`)
  }

  async errorSummary(): Promise<string> {
    return this.page.locator('.govuk-error-summary').innerText()
  }

  async totpSecret(): Promise<string> {
    return (await this.page.getByTestId('totp-secret').innerText()).trim()
  }

  async recoveryCodes(): Promise<string[]> {
    return this.page.getByTestId('recovery-codes').locator('code').allInnerTexts()
  }

  /** The set-up page and the sign-in step both ask for a code and continue. */
  async enterCode(code: string, label: string | RegExp): Promise<void> {
    await this.page.getByLabel(label).fill(code)
    await this.page.getByRole('button', { name: 'Continue' }).click()
    await this.page.waitForLoadState()
    await this.checkAccessibility()
  }

  async signOut(): Promise<void> {
    await this.page.getByRole('button', { name: 'Sign out' }).click()
    await this.page.waitForURL(`**${paths.start}`)
    await this.checkAccessibility()
  }
}
