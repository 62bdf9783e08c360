import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import { paths } from '../../src/platform/paths.ts'
import { createReferral } from '../factories/referral-factory.ts'
import { createTestDatabase, ownerQuery, type TestDatabase } from '../helpers/database.ts'
import type { TestUser } from '../helpers/sign-in.ts'
import { PersonPages } from './pages/person-pages.ts'
import { SignInPage } from './pages/sign-in-page.ts'
import { axeContext } from './support/browser.ts'
import { browserSuite } from './support/suite.ts'
import { startApp, type RunningApp } from './support/server.ts'

const suite = browserSuite()

describe('the front door and the referrer in a browser', () => {
  let running: RunningApp
  let db: TestDatabase
  let password: string
  const emails = new Map<string, string>()
  let referralId: string
  before(async () => {
    db = await createTestDatabase(suite.hooks, { demo: true })
    running = await startApp(suite.hooks, { databaseUrl: db.appUrl, demo: true })
    const seeded = running.seeded
    assert.ok(seeded.password && seeded.users)
    password = seeded.password
    for (const user of seeded.users) if (!emails.has(user.role)) emails.set(user.role, user.email)
    const [row] = await ownerQuery<{
      id: string
      partnership_id: string
      agency_id: string
      display_name: string
    }>(
      db.ownerUrl,
      'SELECT id, partnership_id, agency_id, display_name FROM app_user WHERE lower(email) = lower($1)',
      [emails.get('practitioner') ?? ''],
    )
    assert.ok(row)
    const referrer: TestUser = {
      id: row.id,
      email: emails.get('practitioner') ?? '',
      password,
      displayName: row.display_name,
      partnershipId: row.partnership_id,
      agencyId: row.agency_id,
    }
    const [child] = await ownerQuery<{ id: string }>(
      db.ownerUrl,
      `SELECT id FROM person WHERE partnership_id = $1 AND kind = 'child' ORDER BY created_at LIMIT 1`,
      [row.partnership_id],
    )
    assert.ok(child)
    referralId = (
      await createReferral(running.services, db.database, referrer, child.id, { immediateDanger: true })
    ).id
  })

  async function as(role: string) {
    const context = await axeContext(suite.browser())
    const signInPage = new SignInPage(await context.newPage(), running.baseUrl)
    await signInPage.visit()
    await signInPage.signIn(emails.get(role) ?? '', password)
    return { context, page: new PersonPages(signInPage.page, running.baseUrl) }
  }

  it('the front door opens the queue, starts the review and records a decision (bad input first); axe clean', async () => {
    const { context, page } = await as('front-door')
    const p = page.page
    await page.open(paths.frontDoor)
    assert.match(await page.summary('front-door-queue'), /Immediate danger/)
    await p
      .getByTestId('front-door-queue')
      .locator(`a[href="${paths.referrals.show(referralId)}"]`)
      .click()
    await p.waitForLoadState()
    await page.checkAccessibility()
    await page.press('Start review')
    assert.equal(new URL(p.url()).pathname, paths.referrals.decision(referralId))
    await page.press('Record decision')
    assert.match(await page.errorSummary(), /Select the decision/)
    assert.match(await page.errorSummary(), /Enter the reasons for the decision/)
    await p.getByLabel('Early help assessment').check()
    await p.getByLabel('Reasons for the decision').fill('Early help will work with the family and school')
    await p.getByLabel('Child criminal exploitation (CCE)').check()
    await p.getByLabel('13A Gangs').check()
    await page.press('Record decision')
    assert.equal(new URL(p.url()).pathname, paths.referrals.show(referralId))
    assert.match(await page.summary('referral'), /Early help assessment/)
    await page.followLink('Record a notification to another authority')
    await page.press('Record notification')
    assert.match(await page.errorSummary(), /Enter the local authority/)
    await p.getByLabel('The child was found in their area').check()
    await p.getByLabel('Local authority').fill('Wendover Borough Council')
    await p.getByLabel('Police force').fill('Wendover Constabulary')
    await p.getByLabel('What was sent').fill('Found in your area on Friday; referral decided today')
    await page.press('Record notification')
    await page.open(paths.notifications.outstanding)
    // The demo seed has its own outstanding notification (to Eastmarsh): this one is to Wendover.
    await page.followLink('Record acknowledgement from Wendover Borough Council')
    await p.getByLabel('Who acknowledged it').fill('Duty manager, Wendover MASH')
    await page.press('Record acknowledgement')
    const outstanding = await page.summary('outstanding-notifications')
    assert.doesNotMatch(outstanding, /Wendover/, 'acknowledged: no longer outstanding')
    assert.match(outstanding, /Eastmarsh County Council/, 'the demo seed’s own is still outstanding')
    await context.close()
  })

  it('the referrer sees the outcome of their referral and nothing else about the child; axe clean', async () => {
    const { context, page } = await as('practitioner')
    await page.open(paths.referrals.mine)
    const mine = await page.summary('my-referrals')
    assert.match(mine, /Early help assessment/)
    assert.match(mine, /Early help will work with the family and school/)
    await page.page.getByTestId('my-referrals').getByRole('link').first().click()
    await page.page.waitForLoadState()
    await page.checkAccessibility()
    const body = await page.page.locator('main').innerText()
    assert.doesNotMatch(body, /Judged level|Immediate danger|Census factors|Date of birth/)
    await context.close()
  })
})
