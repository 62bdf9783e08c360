import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import { testNhsNumber } from '../../src/platform/identifiers/nhs-number.ts'
import { paths } from '../../src/platform/paths.ts'
import { PersonPages } from './pages/person-pages.ts'
import { SignInPage } from './pages/sign-in-page.ts'
import { axeContext } from './support/browser.ts'
import { browserSuite } from './support/suite.ts'
import { startApp, type RunningApp } from './support/server.ts'

const suite = browserSuite()

describe('adding and changing a person’s record in a browser', () => {
  let running: RunningApp
  let password: string
  let email: string
  before(async () => {
    running = await startApp(suite.hooks, { demo: true })
    const seeded = running.seeded
    assert.ok(seeded.password && seeded.users)
    password = seeded.password
    email = seeded.users.find((u) => u.role === 'social-worker')?.email ?? ''
  })

  it('a social worker adds a child (bad input first), then changes details, other names and status; axe clean on every page', async () => {
    const context = await axeContext(suite.browser())
    const signInPage = new SignInPage(await context.newPage(), running.baseUrl)
    await signInPage.visit()
    await signInPage.signIn(email, password)
    const page = new PersonPages(signInPage.page, running.baseUrl)
    const p = page.page

    await page.open(paths.people.list)
    await page.press('Add a person')
    assert.equal(await page.heading(), 'Add a person')

    // Nothing entered, then an NHS number whose check digit is wrong: messages on the fields, input kept.
    await page.press('Add person')
    assert.match(await page.errorSummary(), /Enter a given name/)
    assert.match(await page.errorSummary(), /date of birth, or an estimated age/)
    const nhs = testNhsNumber(() => 424_242)
    await p.getByLabel('Given name').fill('Riley')
    await p.getByLabel('Family name (optional)').fill('Thornbury')
    await p.locator('#dateOfBirth-day').fill('9')
    await p.locator('#dateOfBirth-month').fill('11')
    await p.locator('#dateOfBirth-year').fill('2010')
    await p.getByLabel('NHS number (optional)').fill(`${nhs.slice(0, 9)}${String((Number(nhs[9]) + 1) % 10)}`)
    await page.press('Add person')
    assert.match(await page.errorSummary(), /check digit does not match/)
    assert.equal(await p.getByLabel('Family name (optional)').inputValue(), 'Thornbury')
    await p.getByLabel('NHS number (optional)').fill(nhs)
    await p.getByLabel('Other name 1').fill('Ri')
    await page.press('Add person')
    await p.waitForURL(/\/people\/[0-9a-f-]{36}$/)
    assert.match(await page.heading(), /Riley Thornbury/)
    assert.match(await page.summary('person'), new RegExp(nhs))

    await page.followLink(/Change details/)
    await p.getByLabel('Given name').fill('Rylee')
    await page.press('Save changes')
    assert.match(await page.heading(), /Rylee Thornbury/)

    await page.followLink('Change other names')
    await p.getByLabel('Kind of name 1').selectOption('street-name')
    await p.getByLabel('Other name 1').fill('Tiny')
    await page.press('Add names')
    assert.match(await page.summary('aliases'), /Tiny/)

    await page.followLink('Statutory status')
    await page.press('Add status')
    assert.match(await page.errorSummary(), /Select a statutory status/)
    await p.getByLabel('Status').selectOption('child-in-need')
    await p.locator('#statusFrom-day').fill('2')
    await p.locator('#statusFrom-month').fill('9')
    await p.locator('#statusFrom-year').fill('2025')
    await page.press('Add status')
    assert.match(await page.summary('statuses'), /Child in need/)
    await page.followLink(/^End/)
    await p.locator('#statusTo-day').fill('1')
    await p.locator('#statusTo-month').fill('9')
    await p.locator('#statusTo-year').fill('2025')
    await page.press('Save end date')
    assert.match(await page.errorSummary(), /End date must be the same as or after the start date/)
    await p.locator('#statusTo-year').fill('2026')
    await page.press('Save end date')
    assert.match(await page.summary('statuses'), /1 September 2026/)
    await context.close()
  })
})
