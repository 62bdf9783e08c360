import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import { paths } from '../../src/platform/paths.ts'
import { PersonPages } from './pages/person-pages.ts'
import { SignInPage } from './pages/sign-in-page.ts'
import { axeContext } from './support/browser.ts'
import { browserSuite } from './support/suite.ts'
import { startApp, type RunningApp } from './support/server.ts'

const suite = browserSuite()

describe('a practitioner raises a concern in a browser', () => {
  let running: RunningApp
  let password: string
  let email: string
  before(async () => {
    running = await startApp(suite.hooks, { demo: true })
    const seeded = running.seeded
    assert.ok(seeded.password && seeded.users)
    password = seeded.password
    email = seeded.users.find((u) => u.role === 'practitioner')?.email ?? ''
    assert.notEqual(email, '')
  })

  it('three pages from the form to a recorded and referred concern, bad input on each, axe clean on every page', async () => {
    const context = await axeContext(suite.browser())
    const signInPage = new SignInPage(await context.newPage(), running.baseUrl)
    await signInPage.visit()
    await signInPage.signIn(email, password)
    const page = new PersonPages(signInPage.page, running.baseUrl)
    const p = page.page
    let pages = 0

    // Page 1: immediate danger and the child.
    await page.open(paths.concerns.new)
    await page.press('Continue')
    assert.match(await page.errorSummary(), /Select yes if the child is in immediate danger/)
    await p.getByRole('group', { name: 'Is the child in immediate danger?' }).getByLabel('Yes').check()
    assert.match(await p.getByTestId('call-999').innerText(), /call 999 now/)
    await p.getByRole('group', { name: 'Have the police been called?' }).getByLabel('Yes').check()
    const today = new Date()
    const when = p.getByRole('group', { name: 'When were the police called?' })
    await when.getByLabel('Day').fill(String(today.getDate()))
    await when.getByLabel('Month').fill(String(today.getMonth() + 1))
    await when.getByLabel('Year').fill(String(today.getFullYear()))
    await p.getByLabel('Police reference (optional)').fill('NS-20260101-77')
    await p.getByLabel('A child not listed here').check()
    await p.getByLabel('First name').fill('Riley')
    await p.getByLabel('Last name (optional)').fill('Browserchild')
    await p.getByLabel('Estimated age in years (if you do not know the date of birth)').fill('12')
    await page.press('Continue')
    pages++
    await p.waitForURL(/\/concerns\/[0-9a-f-]{36}\/details$/)

    // Page 2: what was seen or heard, and the screening.
    await page.press('Continue')
    assert.match(await page.errorSummary(), /Enter what you saw or heard/)
    await p
      .getByLabel('What did you see or hear?')
      .fill('Riley told me about going country and said the elders gave him a line phone.')
    const happened = p.getByRole('group', { name: 'When did it happen?' })
    await happened.getByLabel('Day').fill(String(today.getDate()))
    await happened.getByLabel('Month').fill(String(today.getMonth() + 1))
    await happened.getByLabel('Year').fill(String(today.getFullYear()))
    await p.getByLabel('Not asked').check()
    await p.locator('#familyAware').check()
    await p.locator('#learningDisability-2').check()
    await p.getByLabel('Carrying weapons').check()
    await page.press('Continue')
    assert.match(await page.errorSummary(), /Enter the evidence for “Carrying weapons”/)
    await p.locator('#evidence-carrying-weapons').fill('A knife in his bag on Monday')
    await p.locator('#recency-carrying-weapons').check()
    await p.locator('#basis-carrying-weapons').check()
    await page.press('Continue')
    pages++
    await p.waitForURL(/\/concerns\/[0-9a-f-]{36}\/check$/)

    // Page 3: check answers, the suggestion and the street terms; the practitioner's own judgement.
    assert.match(await p.getByTestId('suggestion').innerText(), /Suggested level: Medium/)
    assert.match(await p.getByTestId('street-terms').innerText(), /Going country/)
    // Changing the immediate-danger answers goes back to check answers (and is not another page of the route).
    await page.followLink(/Change whether the child is in immediate danger/)
    await page.press('Save and go back')
    await p.waitForURL(/\/concerns\/[0-9a-f-]{36}\/check$/)
    await page.press('Record concern and refer')
    assert.match(await page.errorSummary(), /Select the level of risk you judge the child to be at/)
    await p.getByLabel('High (significant)').check()
    await p.getByLabel('Why do you judge this level?').fill('A knife and a line phone at 12')
    await page.press('Record concern and refer')
    pages++
    await p.waitForURL(/\/concerns\/[0-9a-f-]{36}\?referred=1$/)
    assert.match(await page.heading(), /Concern recorded and referred/)
    assert.match(
      await p.getByRole('heading', { level: 2, name: /Concern about/ }).innerText(),
      /Riley Browserchild/,
    )
    assert.ok(pages <= 3, `${String(pages)} pages`)
    await context.close()
  })
})
