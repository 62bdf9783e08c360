import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import type { Response } from 'playwright-core'
import { paths } from '../../src/platform/paths.ts'
import { PersonPages } from './pages/person-pages.ts'
import { SignInPage } from './pages/sign-in-page.ts'
import { axeContext } from './support/browser.ts'
import { browserSuite } from './support/suite.ts'
import { startApp, type RunningApp } from './support/server.ts'

const suite = browserSuite()

/**
 * Issue 5 "done when": a practitioner at a school records a concern with screening, flags immediate danger and
 * refers; the front door decides; the teacher sees the outcome. One journey through the demo seed's accounts,
 * axe on every page on the way (the page objects run it on each step).
 */
describe('from a school’s concern to the front door’s decision and back to the teacher', () => {
  let running: RunningApp
  let password: string
  const emails = new Map<string, string>()
  before(async () => {
    running = await startApp(suite.hooks, { demo: true })
    const seeded = running.seeded
    assert.ok(seeded.password && seeded.users)
    password = seeded.password
    for (const user of seeded.users) if (!emails.has(user.role)) emails.set(user.role, user.email)
    // The demo's school practitioner: Castlegate Academy's designated safeguarding lead.
    assert.equal(seeded.users.find((u) => u.role === 'dsl')?.agency, 'Castlegate Academy')
  })

  async function as(role: string) {
    const context = await axeContext(suite.browser())
    const signInPage = new SignInPage(await context.newPage(), running.baseUrl)
    await signInPage.visit()
    await signInPage.signIn(emails.get(role) ?? '', password)
    return { context, page: new PersonPages(signInPage.page, running.baseUrl) }
  }

  it('the teacher refers in three pages (immediate danger, screening, a bad input kept), the front door decides, the teacher sees the outcome; axe clean throughout', async () => {
    const today = new Date()
    const child = { given: 'Casey', family: 'Journeychild' }
    const childName = `${child.given} ${child.family}`

    // The teacher: home → the concern form.
    const teacher = await as('dsl')
    const t = teacher.page.page
    // Form pages submitted and accepted (each a POST answered with a redirect to the next page).
    const accepted: string[] = []
    t.on('response', (response: Response) => {
      const request = response.request()
      if (request.method() === 'POST' && /\/concerns(\/|$)/.test(new URL(request.url()).pathname)) {
        if (response.status() === 303) accepted.push(new URL(request.url()).pathname)
      }
    })
    await teacher.page.followLink('Raise a concern about a child')
    assert.equal(new URL(t.url()).pathname, paths.concerns.new)

    // Page 1: immediate danger (the police not called yet) and a child the school has not recorded before.
    await t.getByRole('group', { name: 'Is the child in immediate danger?' }).getByLabel('Yes').check()
    assert.match(await t.getByTestId('call-999').innerText(), /call 999 now/)
    await t.getByRole('group', { name: 'Have the police been called?' }).getByLabel('No').check()
    await t.getByLabel('A child not listed here').check()
    await t.getByLabel('First name').fill(child.given)
    await t.getByLabel('Last name (optional)').fill(child.family)
    await t.getByLabel('Estimated age in years (if you do not know the date of birth)').fill('14')
    await teacher.page.press('Continue')
    await t.waitForURL(/\/concerns\/[0-9a-f-]{36}\/details$/)

    // Page 2: what was seen, with a street term, and the screening. Bad input first: a ticked indicator with
    // no evidence is refused on the field, in the error summary, with everything typed kept.
    const narrative =
      'Casey said older boys are cuckooing his aunt’s flat and he keeps their phone. He had £300 in cash.'
    await t.getByLabel('What did you see or hear?').fill(narrative)
    const happened = t.getByRole('group', { name: 'When did it happen?' })
    await happened.getByLabel('Day').fill(String(today.getDate()))
    await happened.getByLabel('Month').fill(String(today.getMonth() + 1))
    await happened.getByLabel('Year').fill(String(today.getFullYear()))
    await t.getByLabel('Where did it happen? (optional)').fill('Castlegate Academy, the library')
    await t.getByLabel('Not asked').check()
    await t.locator('#familyAware').check()
    await t.locator('#learningDisability-2').check()
    await t.getByLabel('Unexplained money, clothes or mobile phones').check()
    await t.locator('#evidence-unexplained-money').fill('£300 in cash in his blazer pocket')
    await t.locator('#recency-unexplained-money').check()
    await t.locator('#basis-unexplained-money').check()
    await t.getByLabel('Found with drugs or money to deliver, or involved in drug supply').check()
    await t.locator('#recency-drugs-involvement').check()
    await t.locator('#basis-drugs-involvement-2').check()
    await teacher.page.press('Continue')
    const problems = await teacher.page.errorSummary()
    assert.match(problems, /There is a problem/)
    assert.match(
      problems,
      /Enter the evidence for “Found with drugs or money to deliver, or involved in drug supply”/,
    )
    assert.match(t.url(), /\/concerns\/[0-9a-f-]{36}\/details$/, 'still on page 2')
    assert.equal(await t.getByLabel('What did you see or hear?').inputValue(), narrative)
    assert.ok(await t.getByLabel('Unexplained money, clothes or mobile phones').isChecked())
    assert.equal(
      await t.locator('#evidence-unexplained-money').inputValue(),
      '£300 in cash in his blazer pocket',
    )
    assert.ok(
      await t.getByLabel('Found with drugs or money to deliver, or involved in drug supply').isChecked(),
    )
    await t.locator('#evidence-drugs-involvement').fill('Says he keeps a phone and takes parcels to the flat')
    await teacher.page.press('Continue')
    await t.waitForURL(/\/concerns\/[0-9a-f-]{36}\/check$/)

    // Page 3: check answers: call 999 (the police were not called), the street term and its meaning, the
    // suggestion and its reasons; then the teacher's own level and why, and refer.
    assert.match(await t.locator('main').innerText(), /Call 999 now/)
    const terms = await teacher.page.summary('street-terms')
    assert.match(terms, /Cuckooing/)
    assert.match(terms, /Taking over a local address/)
    assert.match(await teacher.page.summary('suggestion'), /Suggested level: Low \(emerging\)/)
    await t.getByLabel('High (significant)').check()
    await t
      .getByLabel('Why do you judge this level?')
      .fill('Cuckooing of a relative’s home and cash: he is being used to run drugs')
    await teacher.page.press('Record concern and refer')
    await t.waitForURL(/\/concerns\/[0-9a-f-]{36}\?referred=1$/)
    assert.match(await teacher.page.heading(), /Concern recorded and referred/)
    assert.equal(accepted.length, 3, `form pages accepted: ${accepted.join(', ')}`)
    await teacher.context.close()

    // The front door: the referral in the queue, tagged immediate danger; review; a decision with reasons.
    const frontDoor = await as('front-door')
    const f = frontDoor.page.page
    await frontDoor.page.followLink('Front door referrals')
    const row = f.getByTestId('front-door-queue').getByRole('row').filter({ hasText: childName })
    assert.equal(await row.count(), 1)
    const rowText = await row.innerText()
    assert.match(rowText, /Castlegate Academy/)
    assert.match(rowText, /Immediate danger/)
    assert.match(rowText, /High \(significant\)/)
    await row.getByRole('link', { name: childName }).click()
    await f.waitForLoadState()
    await frontDoor.page.checkAccessibility()
    assert.match(await frontDoor.page.heading(), new RegExp(`Referral about ${childName}`))
    assert.match(await frontDoor.page.summary('referral-details'), /Immediate danger\s+Yes/)
    await frontDoor.page.press('Start review')
    assert.match(new URL(f.url()).pathname, /\/referrals\/[0-9a-f-]{36}\/decision$/)
    await f.getByLabel("Children's services assessment (child in need)").check()
    await f
      .getByLabel('Reasons for the decision')
      .fill('Criminal exploitation through a cuckooed family home: section 17 assessment today')
    await f.getByLabel('Child criminal exploitation (CCE)').check()
    await f.getByLabel('24A Child criminal exploitation').check()
    await frontDoor.page.press('Record decision')
    assert.match(new URL(f.url()).pathname, /\/referrals\/[0-9a-f-]{36}$/)
    assert.match(await frontDoor.page.summary('referral'), /Children's services assessment \(child in need\)/)
    const details = await frontDoor.page.summary('referral-details')
    assert.match(details, /Exploitation grounds\s+CCE/)
    assert.match(details, /Census factors\s+24A/)
    await frontDoor.page.open(paths.frontDoor)
    assert.doesNotMatch(await f.locator('main').innerText(), new RegExp(childName), 'out of the queue')
    await frontDoor.context.close()

    // The teacher again: the outcome on their referrals list, and nothing else about the child.
    const back = await as('dsl')
    await back.page.followLink('Your referrals and their outcomes')
    const mine = back.page.page.getByTestId('my-referrals').getByRole('row').filter({ hasText: childName })
    assert.equal(await mine.count(), 1)
    const outcome = await mine.innerText()
    assert.match(outcome, /Decided/)
    assert.match(outcome, /Children's services assessment \(child in need\)/)
    assert.match(outcome, /section 17 assessment today/)
    await mine.getByRole('link', { name: childName }).click()
    await back.page.page.waitForLoadState()
    await back.page.checkAccessibility()
    assert.match(await back.page.summary('referral'), /Children's services assessment/)
    const body = await back.page.page.locator('main').innerText()
    assert.doesNotMatch(body, /Judged level|Immediate danger|Census factors|Exploitation grounds/)
    await back.context.close()
  })
})
