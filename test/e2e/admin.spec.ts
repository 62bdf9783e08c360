import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import { paths } from '../../src/platform/paths.ts'
import { AccountSetUpPage, AdminPages } from './pages/admin-pages.ts'
import { SignInPage } from './pages/sign-in-page.ts'
import { axeContext } from './support/browser.ts'
import { browserSuite } from './support/suite.ts'
import { startApp, type RunningApp } from './support/server.ts'

const suite = browserSuite()
const hooks = suite.hooks

describe('the system administrator’s pages in a browser', () => {
  let running: RunningApp
  let adminEmail: string
  let password: string
  before(async () => {
    running = await startApp(hooks, { demo: true })
    const seeded = running.seeded
    const admin = seeded.users?.find((u) => u.role === 'system-admin')
    assert.ok(admin && seeded.password)
    adminEmail = admin.email
    password = seeded.password
  })

  it('adds an agency and a team, creates an account in it, and the person sets a password and signs in; axe clean', async () => {
    const context = await axeContext(suite.browser())
    const signIn = new SignInPage(await context.newPage(), running.baseUrl)
    await signIn.visit()
    await signIn.signIn(adminEmail, password)
    const admin = new AdminPages(signIn.page, running.baseUrl)
    await admin.page.getByRole('link', { name: 'Agencies and teams' }).click()
    await admin.page.waitForURL(`**${paths.admin.agencies}`)
    await admin.checkAccessibility()

    await admin.addAgency('Northshire Youth Offending Service', 'Youth justice')
    assert.equal(await admin.heading(), 'Northshire Youth Offending Service')
    await admin.addTeam('')
    assert.match(await admin.errorSummary(), /Enter the team's name/)
    await admin.addTeam('Prevention team')
    assert.match(await admin.page.getByTestId('teams').innerText(), /Prevention team/)

    await admin.goTo('Accounts')
    await admin.createAccount({
      name: 'Robin Example',
      email: 'robin.example@yos.example',
      agency: 'Northshire Youth Offending Service',
      team: 'Northshire Youth Offending Service: Prevention team',
      roles: ['Practitioner'],
    })
    const link = await admin.setUpLink()
    assert.match(link, /\/account\/set-up\/[A-Za-z0-9_-]{43}$/)
    await admin.goTo('API tokens')
    await admin.goTo('Accounts')
    assert.match(await admin.page.getByTestId('accounts').innerText(), /Robin Example[\s\S]*Not set up/)
    await context.close()

    const personContext = await axeContext(suite.browser())
    const setUp = new AccountSetUpPage(await personContext.newPage(), running.baseUrl)
    await setUp.open(new URL(link).pathname)
    await setUp.choosePassword('short')
    assert.match(await setUp.page.locator('.govuk-error-summary').innerText(), /12 characters or more/)
    await setUp.choosePassword('violet harbour lantern seventeen')
    assert.equal(await setUp.heading(), 'Your password is set')
    const person = new SignInPage(setUp.page, running.baseUrl)
    await person.visit()
    await person.signIn('robin.example@yos.example', 'violet harbour lantern seventeen')
    assert.equal(new URL(person.page.url()).pathname, paths.home)
    assert.equal(await person.heading(), 'Robin Example')
    await setUp.open(new URL(link).pathname, 404)
    await personContext.close()
  })
})
