import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import { addDays } from '../../src/features/flags/flag-validation.ts'
import { todayInLondon } from '../../src/platform/calendar.ts'
import { paths } from '../../src/platform/paths.ts'
import { signIn } from '../helpers/sign-in.ts'
import { PolePages } from './pages/pole-pages.ts'
import { SignInPage } from './pages/sign-in-page.ts'
import { axeContext } from './support/browser.ts'
import { browserSuite } from './support/suite.ts'
import { startApp, type RunningApp } from './support/server.ts'

const suite = browserSuite()

describe('locations, objects and flags in a browser', () => {
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

  async function socialWorker() {
    const context = await axeContext(suite.browser())
    const signInPage = new SignInPage(await context.newPage(), running.baseUrl)
    await signInPage.visit()
    await signInPage.signIn(email, password)
    return { context, page: new PolePages(signInPage.page, running.baseUrl) }
  }

  it('records premises (a bad postcode first), flags it, reviews and removes the flag; axe clean', async () => {
    const { context, page } = await socialWorker()
    await page.followLink('Record a location')
    await page.choose('Premises')
    await page.fill('Name of the premises or place', 'Station Road Chicken')
    await page.fill('Postcode (optional)', 'NS1 4A')
    await page.press('Save location')
    assert.match(await page.errorSummary(), /Enter a real postcode/)
    await page.fill('Postcode (optional)', 'ns1 4ab')
    await page.press('Save location')
    assert.match(page.path(), /^\/locations\/[0-9a-f-]{36}$/)
    assert.match(await page.section('location'), /NS1 4AB/)

    await page.followLink('Set a flag')
    await page.choose('Location of concern')
    await page.fill('Reason', 'Children seen gathering here late at night with older males')
    await page.fillDate(addDays(todayInLondon(), -1))
    await page.press('Set flag')
    assert.match(await page.errorSummary(), /Review date must be in the future/)
    await page.fillDate(addDays(todayInLondon(), 30))
    await page.press('Set flag')
    assert.match(await page.section('flags'), /Location of concern/)

    await page.followLink(/^Review/)
    await page.fillDate(addDays(todayInLondon(), 60))
    await page.press('Save review date')
    await page.followLink(/^Remove/)
    await page.press('Remove flag')
    assert.match(await page.errorSummary(), /Enter why the flag is being removed/)
    await page.fill('Why is the flag being removed?', 'Premises closed by the licensing authority')
    await page.press('Remove flag')
    assert.match(await page.section('flags'), /No current flags/)
    await context.close()
  })

  it('records a phone number and a child’s CCE flag on its definition, then opens the task list; axe clean', async () => {
    const { context, page } = await socialWorker()
    await page.followLink('Record a phone, vehicle or online handle')
    await page.choose('Phone number')
    await page.press('Continue')
    await page.fill('Phone number', '0113 496 0777')
    await page.press('Save')
    assert.match(await page.section('object'), /\+441134960777/)

    await page.open(paths.people.show(childId))
    await page.followLink('Set a flag')
    await page.choose('Child criminal exploitation')
    await page.fill(
      'Reason',
      'Found out of area with cash and a second phone; older males collect from school',
    )
    await page.fillDate(addDays(todayInLondon(), 28))
    await page.press('Set flag')
    assert.equal(page.path(), paths.people.show(childId))
    assert.match(await page.section('flags'), /Child criminal exploitation/)

    await page.open(paths.home)
    await page.followLink('Your tasks (flag reviews due)')
    assert.equal(page.path(), paths.tasks)
    await context.close()
  })
})
