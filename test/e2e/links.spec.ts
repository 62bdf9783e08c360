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

describe('links between people, places and things in a browser', () => {
  let running: RunningApp
  let password: string
  let email: string
  let childId: string
  let otherId: string
  before(async () => {
    running = await startApp(suite.hooks, { demo: true })
    const seeded = running.seeded
    assert.ok(seeded.password && seeded.users)
    password = seeded.password
    email = seeded.users.find((u) => u.role === 'social-worker')?.email ?? ''
    const worker = await signIn(running.app, { email, password })
    const people = (await worker.get(paths.api.people())).json<{
      people: Array<{ id: string; kind: string }>
    }>()
    const child = people.people.find((p) => p.kind === 'child')
    const other = people.people.find((p) => p.id !== child?.id)
    assert.ok(child && other, 'the demo caseload has at least two people')
    childId = child.id
    otherId = other.id
  })

  it('the social worker adds a suspected, graded link from a child’s page, sees it with provenance, and ends it; axe clean', async () => {
    const context = await axeContext(suite.browser())
    const signInPage = new SignInPage(await context.newPage(), running.baseUrl)
    await signInPage.visit()
    await signInPage.signIn(email, password)
    const page = new PersonPages(signInPage.page, running.baseUrl)
    await page.open(paths.people.show(childId))
    await page.followLink('Add a link')
    assert.equal(new URL(page.page.url()).pathname, paths.links.newForPerson(childId))

    await page.press('Add the link')
    const errors = await page.errorSummary()
    assert.match(errors, /Select the type of link/)
    assert.match(errors, /Enter the record id or an exact identifier/)

    await page.page.getByLabel('Type of link').selectOption('associate-of')
    await page.page.getByLabel('The other person, place or thing').fill(otherId)
    await page.page.getByLabel('Source', { exact: true }).fill('Strategy meeting minutes 14/3')
    await page.page.getByLabel('Intelligence', { exact: true }).check()
    await page.page.getByLabel('2: Untested').check()
    await page.page.getByLabel('C: Known indirectly', { exact: true }).check()
    await page.page.getByLabel('Suspected', { exact: true }).check()
    await page.press('Add the link')
    assert.match(new URL(page.page.url()).pathname, /^\/links\/[0-9a-f-]{36}$/)
    const link = await page.summary('link')
    assert.match(link, /Intelligence 2C/)
    assert.match(link, /Strategy meeting minutes 14\/3/)
    assert.match(link, /Suspected/)

    await page.press('End the link')
    assert.match(await page.errorSummary(), /Enter why this link has ended/)
    await page.page.getByLabel('Why has this link ended?').fill('Information withdrawn by police')
    await page.press('End the link')
    assert.match(await page.summary('link'), /Information withdrawn by police/)

    await page.open(paths.people.show(childId))
    assert.match(await page.summary('person-links'), /Associate of/)
    assert.match(await page.summary('person-links'), /Ended: Information withdrawn by police/)
    await context.close()
  })
})
