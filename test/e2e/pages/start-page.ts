import type { Response } from 'playwright-core'
import { paths } from '../../../src/platform/paths.ts'
import { BasePage } from './base-page.ts'

export class StartPage extends BasePage {
  async visit(): Promise<Response> {
    return this.open(paths.start)
  }

  async partnerships(): Promise<string> {
    return this.page.getByTestId('partnerships').innerText()
  }

  async startNow(): Promise<void> {
    await this.page.getByRole('button', { name: 'Start now' }).click()
    await this.page.waitForURL(`**${paths.signIn}`)
    await this.checkAccessibility()
  }
}
