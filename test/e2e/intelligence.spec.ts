import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import { todayInLondon } from '../../src/platform/calendar.ts'
import { paths } from '../../src/platform/paths.ts'
import { signIn } from '../helpers/sign-in.ts'
import { PolePages } from './pages/pole-pages.ts'
import { SignInPage } from './pages/sign-in-page.ts'
import { axeContext } from './support/browser.ts'
import { browserSuite } from './support/suite.ts'
import { startApp, type RunningApp } from './support/server.ts'

const suite = browserSuite()

describe('intelligence in a browser', () => {
  let running: RunningApp
  let password: string
  let police: string
  let childId: string
  before(async () => {
    running = await startApp(suite.hooks, { demo: true })
    const seeded = running.seeded
    assert.ok(seeded.password && seeded.users)
    password = seeded.password
    police = seeded.users.find((u) => u.role === 'police-intelligence')?.email ?? ''
    const worker = await signIn(running.app, {
      email: seeded.users.find((u) => u.role === 'social-worker')?.email ?? '',
      password,
    })
    const people = (await worker.get(paths.api.people())).json<{
      people: Array<{ id: string; kind: string }>
    }>()
    const child = people.people.find((p) => p.kind === 'child')
    assert.ok(child)
    childId = child.id
  })

  it('police record a 2/B/C entry not for education (its conditions forgotten first), then find it in the list; axe clean', async () => {
    const context = await axeContext(suite.browser())
    const signInPage = new SignInPage(await context.newPage(), running.baseUrl)
    await signInPage.visit()
    await signInPage.signIn(police, password)
    const page = new PolePages(signInPage.page, running.baseUrl)
    await page.followLink('Record intelligence')
    await page.fillDate(todayInLondon())
    await page.page.getByLabel('Reporting agency').selectOption({ label: 'Northshire Police' })
    await page.fill('Sanitised text', 'The child is seen with older males near the railway station at night')
    await page.fill(
      'Full text',
      'A neighbour reports the child collected by two males in a grey van most Fridays',
    )
    await page.choose('2: Untested')
    await page.choose('B: Known indirectly, corroborated')
    await page.choose('C: Lawful sharing permitted with conditions')
    await page.fill('What it concerns', `${running.baseUrl}${paths.people.show(childId)}`)
    await page.press('Record intelligence')
    assert.match(await page.errorSummary(), /Handling code C needs conditions/)
    await page.page.locator('input[name="denyType"][value="education"]').check()
    await page.press('Record intelligence')
    assert.match(page.path(), /^\/intelligence\/[0-9a-f-]{36}$/)
    assert.equal(await page.heading(), 'Intelligence graded 2/B/C')
    assert.match(await page.section('intelligence'), /May not receive: Education/)
    await page.open(paths.intelligence.list)
    assert.match(await page.page.locator('table').innerText(), /2\/B\/C/)
    await context.close()
  })
})
