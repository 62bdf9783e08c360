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

describe('children’s records in a browser', () => {
  let running: RunningApp
  let password: string
  const emails = new Map<string, string>()
  let childId: string
  before(async () => {
    running = await startApp(suite.hooks, { demo: true })
    const seeded = running.seeded
    assert.ok(seeded.password && seeded.users)
    password = seeded.password
    for (const user of seeded.users) if (!emails.has(user.role)) emails.set(user.role, user.email)
    const worker = await signIn(running.app, { email: emails.get('social-worker') ?? '', password })
    const people = (await worker.get(paths.api.people())).json<{
      people: Array<{ id: string; kind: string }>
    }>()
    // A child the front door has no working relationship with (a referred child is theirs to open), so that
    // the break-glass test below starts from "not found".
    const frontDoor = await signIn(running.app, { email: emails.get('front-door') ?? '', password })
    for (const person of people.people.filter((p) => p.kind === 'child')) {
      if ((await frontDoor.get(paths.api.person(person.id))).statusCode === 404) {
        childId = person.id
        break
      }
    }
    assert.ok(childId, 'a child outside the front door’s reach')
  })

  async function as(role: string) {
    const context = await axeContext(suite.browser())
    const signInPage = new SignInPage(await context.newPage(), running.baseUrl)
    await signInPage.visit()
    await signInPage.signIn(emails.get(role) ?? '', password)
    return { context, page: new PersonPages(signInPage.page, running.baseUrl) }
  }

  it('the social worker opens their caseload, a child’s record and who has viewed it; axe clean', async () => {
    const { context, page } = await as('social-worker')
    await page.followLink('Your children and young people')
    assert.equal(new URL(page.page.url()).pathname, paths.people.list)
    await page.page.getByTestId('people').getByRole('link').first().click()
    await page.page.waitForURL(/\/people\/[0-9a-f-]{36}$/)
    await page.checkAccessibility()
    assert.match(await page.summary('person'), /NHS number/)
    // "Who has viewed this record" is the record's Views section.
    await page.followLink('Views')
    assert.match(await page.summary('record-views'), /Record page/)
    await context.close()
  })

  it('every section of the record’s sub-navigation opens under the identity bar; axe clean on each', async () => {
    const { context, page } = await as('social-worker')
    await page.open(paths.people.show(childId))
    assert.match(await page.summary('identity-bar'), /Age/)
    const links = page.page.locator('.moj-sub-navigation__link')
    const names = (await links.allInnerTexts()).map((name) => name.trim())
    assert.deepEqual(names, ['Overview', 'Chronology', 'Links', 'Views'])
    const hrefs = await links.evaluateAll((all) => all.map((a) => a.getAttribute('href') ?? ''))
    for (const [i, href] of hrefs.entries()) {
      await page.open(href) // axe runs on every page opened
      const current = page.page.locator('.moj-sub-navigation__link[aria-current="page"]')
      // The chronology page is the chronology feature's: it shows the hub once it includes the record's layout.
      if ((await current.count()) > 0) assert.equal((await current.innerText()).trim(), names[i])
    }
    await context.close()
  })

  it('the front door asks for break-glass access with a reason and password, then sees the record flagged; axe clean', async () => {
    const { context, page } = await as('front-door')
    await page.open(paths.people.show(childId), 404)
    await page.followLink('Ask for emergency access to this record')
    await page.press('Open the record')
    assert.match(await page.errorSummary(), /Enter why you need to see this record/)
    await page.page
      .getByLabel('Why do you need to see this record?')
      .fill('Police report the child missing since last night')
    await page.page.getByLabel('Your password').fill(password)
    await page.press('Open the record')
    assert.equal(new URL(page.page.url()).pathname, paths.people.show(childId))
    assert.match(await page.summary('break-glass-banner'), /break-glass access/)
    await context.close()
  })

  // Reviews the access the front door took in the test above (tests in a file run in order).
  it('the data protection officer reviews the break-glass access; axe clean', async () => {
    const { context, page } = await as('dpo')
    await page.followLink('Break-glass access to review')
    assert.match(await page.summary('pending'), /missing since last night/)
    await page.page.getByTestId('pending').getByRole('link').first().click()
    await page.page.waitForLoadState()
    await page.checkAccessibility()
    await page.press('Record review')
    assert.match(await page.errorSummary(), /Select whether the access was justified/)
    await page.page.getByLabel('Yes, it was justified').check()
    await page.press('Record review')
    assert.equal(new URL(page.page.url()).pathname, paths.audit.breakGlass)
    assert.match(await page.summary('reviewed'), /Justified/)
    await context.close()
  })
})
