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

describe('a child’s chronology in a browser', () => {
  let running: RunningApp
  let password: string
  let email: string
  let childId: string
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
    assert.ok(child)
    childId = child.id
  })

  it('opens from the record, filters by type (a GET form), shows a bad filter’s error; axe clean', async () => {
    const context = await axeContext(suite.browser())
    const signInPage = new SignInPage(await context.newPage(), running.baseUrl)
    await signInPage.visit()
    await signInPage.signIn(email, password)
    const page = new PersonPages(signInPage.page, running.baseUrl)
    await page.open(paths.people.show(childId))
    await page.followLink('Chronology')
    assert.equal(new URL(page.page.url()).pathname, paths.people.chronology(childId))
    assert.match(await page.summary('chronology'), /Record created/)

    await page.page.getByLabel('Record', { exact: true }).check()
    await page.press('Apply filters')
    assert.match(page.page.url(), /type=record/)
    assert.match(await page.summary('chronology-filter-summary'), /Showing only/)

    await page.open(`${paths.people.chronology(childId)}?type=rumour`, 400)
    await page.checkAccessibility()
    assert.match(await page.errorSummary(), /Select types of event from the list/)
    await context.close()
  })
})
