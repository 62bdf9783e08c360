import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import { paths } from '../../src/platform/paths.ts'
import { PersonPages } from './pages/person-pages.ts'
import { SignInPage } from './pages/sign-in-page.ts'
import { axeContext } from './support/browser.ts'
import { browserSuite } from './support/suite.ts'
import { startApp, type RunningApp } from './support/server.ts'

const suite = browserSuite()

// Suggested links (issue 12, i12-suggest): the demo's planted duplicates, reviewed in a browser.
describe('suggested links in a browser', () => {
  let running: RunningApp
  let password: string
  let email: string
  before(async () => {
    running = await startApp(suite.hooks, { demo: true })
    const seeded = running.seeded
    assert.ok(seeded.password && seeded.users)
    password = seeded.password
    email = seeded.users.find((u) => u.role === 'police-intelligence')?.email ?? ''
  })

  it('police intelligence rejects one suggestion (a reason is needed) and accepts another; axe clean', async () => {
    const context = await axeContext(suite.browser())
    const signInPage = new SignInPage(await context.newPage(), running.baseUrl)
    await signInPage.visit()
    await signInPage.signIn(email, password)
    const page = new PersonPages(signInPage.page, running.baseUrl)
    await page.open(paths.home)
    await page.followLink('Suggested links to review')
    assert.equal(new URL(page.page.url()).pathname, paths.suggestions.queue)
    const queue = await page.summary('suggestions')
    assert.match(queue, /same phone number \+6\.9/)
    assert.match(queue, /same postcode \+4\.6/)
    assert.match(queue, /name matches a street name \+5\.9/)

    await page.followLink(/0113 496 0456/)
    assert.match(await page.summary('suggestion-explanation'), /Same phone number\s+\+6\.9/)
    await page.press('Reject suggestion')
    assert.match(await page.errorSummary(), /Enter why these records are not the same/)
    await page.page.getByLabel('Why are these not the same?').fill('A shared school office number')
    await page.press('Reject suggestion')
    assert.equal(new URL(page.page.url()).pathname, paths.suggestions.queue)
    assert.doesNotMatch(await page.summary('suggestions'), /same phone number/)

    await page.followLink(/Mill Lane/)
    await page.press('Accept and link the records')
    assert.match(new URL(page.page.url()).pathname, /^\/links\/[0-9a-f-]{36}$/)
    const link = await page.summary('link')
    assert.match(link, /possibly the same place as/)
    assert.match(link, /Suggested link, score 9\.0/)
    await context.close()
  })
})
