import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import { paths } from '../../src/platform/paths.ts'
import { signIn } from '../helpers/sign-in.ts'
import { PersonPages } from './pages/person-pages.ts'
import { SignInPage } from './pages/sign-in-page.ts'
import { axeContext } from './support/browser.ts'
import { browserSuite } from './support/suite.ts'
import { startApp, type RunningApp } from './support/server.ts'

const suite = browserSuite()

describe('search and duplicates in a browser', () => {
  let running: RunningApp
  let password: string
  const emails = new Map<string, string>()
  let child: { id: string; givenName: string; familyName: string }
  before(async () => {
    running = await startApp(suite.hooks, { demo: true })
    const seeded = running.seeded
    assert.ok(seeded.password && seeded.users)
    password = seeded.password
    for (const user of seeded.users) if (!emails.has(user.role)) emails.set(user.role, user.email)
    const worker = await signIn(running.app, { email: emails.get('social-worker') ?? '', password })
    const people = (await worker.get(paths.api.people())).json<{
      people: Array<{ id: string; kind: string; givenName: string; familyName: string }>
    }>()
    const found = people.people.find((p) => p.kind === 'child')
    assert.ok(found)
    child = found
  })

  async function asWorker() {
    const context = await axeContext(suite.browser())
    const signInPage = new SignInPage(await context.newPage(), running.baseUrl)
    await signInPage.visit()
    await signInPage.signIn(emails.get('social-worker') ?? '', password)
    return { context, page: new PersonPages(signInPage.page, running.baseUrl) }
  }

  it('the social worker searches by a misspelt name, opens the child, and checks for duplicates; axe clean', async () => {
    const { context, page } = await asWorker()
    await page.followLink('Search for a person')
    assert.equal(new URL(page.page.url()).pathname, paths.search.page)
    await page.page.getByLabel('Phone number').fill('not a phone')
    await page.press('Search')
    assert.match(await page.errorSummary(), /Enter a phone number/)
    assert.equal(await page.page.getByLabel('Phone number').inputValue(), 'not a phone')
    await page.page.getByLabel('Phone number').fill('')
    const misspelt = `${child.givenName.slice(0, -1)}${child.givenName.endsWith('e') ? 'a' : 'e'} ${child.familyName}`
    await page.page.getByLabel('Name, alias or street name').fill(misspelt)
    await page.press('Search')
    const results = await page.summary('search-results')
    assert.match(results, new RegExp(child.familyName))
    await page.page
      .getByTestId('search-results')
      .getByRole('link', { name: new RegExp(child.familyName) })
      .first()
      .click()
    await page.page.waitForURL(/\/people\/[0-9a-f-]{36}$/)
    await page.followLink('Check for duplicates')
    assert.equal(await page.heading(), 'Possible duplicates')
    await context.close()
  })
})
