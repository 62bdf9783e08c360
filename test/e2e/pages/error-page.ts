import { BasePage } from './base-page.ts'

/** The 404, 500 and service-unavailable pages. */
export class ErrorPage extends BasePage {
  async correlationId(): Promise<string> {
    return (await this.page.getByTestId('correlation-id').innerText()).trim()
  }
}
