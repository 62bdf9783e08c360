import type { LightMyRequestResponse as Response } from 'fastify'
import type { TestCtx } from './build.ts'
import { appWithUser, csrfFrom, signIn, type Agent } from './sign-in.ts'

/** The GOV.UK error summary of a page ('' when there is none). */
export const errorSummary = (html: string): string =>
  /govuk-error-summary[\s\S]*?<\/ul>/.exec(html)?.[0] ?? ''

/** The message shown beside one field ('' when none). */
export function fieldError(html: string, id: string): string {
  const match = new RegExp(`<p id="${id}-error" class="govuk-error-message">([\\s\\S]*?)</p>`).exec(html)
  return match?.[1]?.replace(/<[^>]+>/g, '').trim() ?? ''
}

/** Posts a form with repeated fields (checkboxes), with the CSRF token of the page last loaded. */
export function postPairs(agent: Agent, url: string, pairs: Array<[string, string]>): Promise<Response> {
  const body = new URLSearchParams([['_csrf', csrfFrom(agent.lastPage)], ...pairs]).toString()
  return agent.request({
    method: 'POST',
    url,
    payload: body,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  })
}

/** Posts a form without any CSRF token, as a forged cross-site request would. */
export function postWithoutCsrf(
  agent: Agent,
  url: string,
  fields: Record<string, string>,
): Promise<Response> {
  return agent.request({
    method: 'POST',
    url,
    payload: new URLSearchParams(fields).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  })
}

/** The value of a hidden or text input on the page. */
export function inputValue(html: string, name: string): string | undefined {
  return new RegExp(`name="${name}"[^>]*value="([^"]*)"`).exec(html)?.[1]
}

/** The app with a system administrator (`admin`) signed in on `agent`. */
export async function adminSignedIn(t: TestCtx) {
  const { user: admin, ...built } = await appWithUser(t, { roles: ['system-admin'] })
  const agent = await signIn(built.app, admin)
  return { ...built, admin, agent }
}
