import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import { paths } from '../../src/platform/paths.ts'
import { SSO_MESSAGES } from '../../src/features/sign-in/sign-in-routes.ts'
import { startTestIdp, type TestIdp } from '../helpers/oidc-provider.ts'
import { SignInPage } from './pages/sign-in-page.ts'
import { axeContext } from './support/browser.ts'
import { browserSuite } from './support/suite.ts'
import { freePort, startApp, type RunningApp } from './support/server.ts'

const suite = browserSuite()
const hooks = suite.hooks
const LABEL = 'Sign in with Northshire Council'

describe('single sign-on in a browser', () => {
  let running: RunningApp
  let idp: TestIdp
  let displayName: string
  before(async () => {
    const port = await freePort()
    idp = await startTestIdp(hooks, { redirectUrl: `http://127.0.0.1:${port}${paths.signInOidcCallback}` })
    running = await startApp(hooks, { env: { ...idp.env, OPENMACE_OIDC_LABEL: LABEL }, port, demo: true })
    const seeded = running.seeded
    const user = seeded.users?.find((u) => u.role === 'social-worker')
    assert.ok(user)
    displayName = user.displayName
    idp.addAccount({ sub: 'northshire-staff-0001', email: user.email, emailVerified: true })
  })

  it('signs in through the provider’s login page and lands on the home page; axe clean on our pages', async () => {
    const context = await axeContext(suite.browser())
    const page = new SignInPage(await context.newPage(), running.baseUrl)
    await page.visit()
    await page.startSingleSignOn(LABEL, idp.issuer)
    await page.page.getByLabel('Username').fill('northshire-staff-0001')
    await page.page.getByRole('button', { name: 'Continue' }).click()
    await page.page.waitForURL(`${running.baseUrl}${paths.home}`)
    await page.checkAccessibility()
    assert.equal(await page.heading(), displayName)
    await context.close()
  })

  it('cancelling at the provider comes back to the sign-in page with an error summary; axe clean', async () => {
    const context = await axeContext(suite.browser())
    const page = new SignInPage(await context.newPage(), running.baseUrl)
    await page.visit()
    await page.startSingleSignOn(LABEL, idp.issuer)
    await page.page.getByRole('button', { name: 'Cancel' }).click()
    await page.page.waitForURL(`${running.baseUrl}${paths.signIn}`)
    await page.checkAccessibility()
    assert.match(await page.errorSummary(), new RegExp(SSO_MESSAGES['sso-cancelled'].slice(0, 40)))
    // The error summary links to the single sign-on button.
    await page.page.locator('.govuk-error-summary a').click()
    assert.equal(await page.page.evaluate(() => document.activeElement?.id), 'oidc')
    await context.close()
  })
})
