import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import { generate } from 'otplib'
import { paths } from '../../src/platform/paths.ts'
import { SESSION_COOKIE } from '../../src/platform/session/session-plugin.ts'
import { SignInPage } from './pages/sign-in-page.ts'
import { axeContext } from './support/browser.ts'
import { browserSuite } from './support/suite.ts'
import { startApp, type RunningApp } from './support/server.ts'

const suite = browserSuite()
const hooks = suite.hooks

describe('sign-in in a browser', () => {
  let running: RunningApp
  let email: string
  let password: string
  let dpoEmail: string
  let adminEmail: string
  before(async () => {
    running = await startApp(hooks, { demo: true })
    const seeded = running.seeded
    const user = seeded.users?.find((u) => u.role === 'social-worker')
    const dpo = seeded.users?.find((u) => u.role === 'dpo')
    const admin = seeded.users?.find((u) => u.role === 'system-admin')
    assert.ok(user && dpo && admin && seeded.password)
    adminEmail = admin.email
    email = user.email
    dpoEmail = dpo.email
    password = seeded.password
  })

  it('the system administrator opens an account from the list and changes its roles; axe clean', async () => {
    const context = await axeContext(suite.browser())
    const page = new SignInPage(await context.newPage(), running.baseUrl)
    await page.visit()
    await page.signIn(adminEmail, password)
    await page.page.getByRole('link', { name: 'Accounts' }).click()
    await page.page.waitForURL(`**${paths.admin.users}`)
    await page.checkAccessibility()
    const accounts = page.page.getByTestId('accounts')
    await accounts.getByRole('link').nth(1).click()
    await page.page.waitForURL(/\/admin\/users\/[0-9a-f-]{36}$/)
    await page.checkAccessibility()
    await page.page.getByLabel('Designated safeguarding lead').check()
    await page.page.getByRole('button', { name: 'Save roles' }).click()
    await page.page.waitForURL(/\/admin\/users\/[0-9a-f-]{36}$/)
    assert.ok(await page.page.getByLabel('Designated safeguarding lead').isChecked())
    await context.close()
  })

  it('the data protection officer reads the audit trail, filters it, downloads it after confirming their password, and sees a filter error; axe clean', async () => {
    const context = await axeContext(suite.browser())
    const page = new SignInPage(await context.newPage(), running.baseUrl)
    await page.visit()
    await page.signIn(dpoEmail, password)
    await page.page.getByRole('link', { name: 'Audit trail' }).click()
    await page.page.waitForURL(`**${paths.audit.trail}`)
    await page.checkAccessibility()
    assert.match(await page.page.getByTestId('audit-events').innerText(), /auth\.sign-in/)
    await page.page.getByLabel('Action').selectOption('auth.sign-out')
    await page.page.getByRole('button', { name: 'Apply filters' }).click()
    await page.page.waitForURL(/action=auth\.sign-out/)
    assert.match(await page.page.getByTestId('audit-events').innerText(), /No events match/)
    // A bulk export asks for the password again: a wrong one is answered on the field, the right one downloads.
    await page.page.getByTestId('export').click()
    await page.page.waitForURL(/\/audit\/export\.csv/)
    await page.checkAccessibility()
    await page.page.getByLabel('Your password').fill('not my password at all')
    await page.page.getByRole('button', { name: 'Download CSV' }).click()
    assert.match(await page.errorSummary(), /password/i)
    await page.checkAccessibility()
    await page.page.getByLabel('Your password').fill(password)
    const [download] = await Promise.all([
      page.page.waitForEvent('download'),
      page.page.getByRole('button', { name: 'Download CSV' }).click(),
    ])
    assert.match(download.suggestedFilename(), /^openmace-audit-\d{4}-\d{2}-\d{2}\.csv$/)
    await page.open(`${paths.audit.trail}?from=2026-02-30`, 400)
    assert.match(await page.errorSummary(), /Enter a real date/)
    await context.close()
  })

  it('wrong password, then sign in, set up a security code, sign out, sign in with a code; axe clean', async () => {
    const context = await axeContext(suite.browser())
    const page = new SignInPage(await context.newPage(), running.baseUrl)
    await page.visit()
    await page.signIn(email, 'not the right password')
    assert.match(await page.errorSummary(), /Enter a correct email address and password/)

    await page.signIn(email, password)
    assert.equal(new URL(page.page.url()).pathname, paths.home)
    const cookie = (await context.cookies()).find((c) => c.name === SESSION_COOKIE)
    assert.ok(cookie, 'the __Host- session cookie is accepted by the browser')
    assert.equal(cookie.secure, true)
    assert.equal(cookie.httpOnly, true)
    assert.equal(cookie.sameSite, 'Lax')

    await page.open(paths.account.securityCodeSetUp)
    const secret = await page.totpSecret()
    await page.enterCode(await generate({ secret }), 'Security code')
    assert.equal((await page.recoveryCodes()).length, 10)
    await page.page.getByRole('button', { name: 'Continue' }).click()
    await page.page.waitForURL(`**${paths.home}`)
    await page.checkAccessibility()
    await page.signOut()

    await page.open(paths.signIn)
    await page.signIn(email, password)
    assert.equal(new URL(page.page.url()).pathname, paths.signInSecurityCode)
    const next = await generate({ secret, epoch: Math.floor(Date.now() / 1000) + 30 })
    await page.enterCode(next, 'Enter your security code')
    assert.equal(new URL(page.page.url()).pathname, paths.home)
    assert.match(await page.heading(), /\S/)
    await context.close()
  })
})
