import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import { actorOf } from '../../src/platform/access/actor.ts'
import { paths } from '../../src/platform/paths.ts'
import { todayInLondon } from '../../src/platform/calendar.ts'
import { PersonPages } from './pages/person-pages.ts'
import { SignInPage } from './pages/sign-in-page.ts'
import { axeContext } from './support/browser.ts'
import { browserSuite } from './support/suite.ts'
import { startApp, type RunningApp } from './support/server.ts'

const suite = browserSuite()
const CTX = { requestId: 'allocation-spec', ip: '127.0.0.1' }

/**
 * Issue 13, allocation: the front door decides for an assessment (the team is asked for, and refused when left
 * out); the Exploitation Team's manager finds the child in the allocation queue and allocates the social worker; the
 * social worker finds the child allocated to them and in their caseload. Axe on every page on the way.
 */
describe('from the front door’s decision to the allocated worker’s caseload', () => {
  let running: RunningApp
  let password: string
  const emails = new Map<string, string>()
  const names = new Map<string, string>()
  const child = { givenName: 'Jordan', familyName: 'Allocationchild' }
  const childName = `${child.givenName} ${child.familyName}`

  before(async () => {
    running = await startApp(suite.hooks, { demo: true })
    const seeded = running.seeded
    assert.ok(seeded.password && seeded.users)
    password = seeded.password
    for (const user of seeded.users) {
      if (!emails.has(user.role)) emails.set(user.role, user.email)
      if (!names.has(user.role)) names.set(user.role, user.displayName)
    }
    // The school's DSL raises a concern about a new child and refers it, through the services.
    const signedIn = await running.services.auth.checkPassword(emails.get('dsl') ?? '', password)
    assert.ok(signedIn.ok)
    const user = await running.services.auth.currentUser(signedIn.userId)
    assert.ok(user !== undefined)
    const dsl = actorOf(user)
    const concernId = await running.services.concerns.create(
      dsl,
      {
        start: { immediateDanger: false, child: 'new', newChild: { ...child, estimatedAge: 15 } },
        details: {
          narrative:
            'Jordan has a second phone and new trainers he cannot explain; older boys wait at the gate.',
          happenedOn: todayInLondon(),
          happenedAt: 'The school gate',
          childWords: '',
          consent: 'not-asked',
          familyAware: 'yes',
          learningDisability: false,
          ticks: [
            {
              itemCode: 'unexplained-money',
              recency: 'current',
              basis: 'evidenced',
              evidence: 'A second phone and new trainers',
            },
          ],
        },
        judgement: {
          judgedLevel: 'medium',
          judgementReason: 'Gifts and older boys: more than the score alone',
        },
      },
      CTX,
    )
    await running.services.referrals.submit(dsl, { concernId }, CTX)
  })

  async function as(role: string) {
    const context = await axeContext(suite.browser())
    const signInPage = new SignInPage(await context.newPage(), running.baseUrl)
    await signInPage.visit()
    await signInPage.signIn(emails.get(role) ?? '', password)
    return { context, page: new PersonPages(signInPage.page, running.baseUrl) }
  }

  it('the front door decides for assessment, the manager allocates, the worker has the child; axe clean', async () => {
    // The front door: review, then a decision for an assessment, first without a team (refused, input kept).
    const frontDoor = await as('front-door')
    const f = frontDoor.page.page
    await frontDoor.page.followLink('Front door referrals')
    await f.getByTestId('front-door-queue').getByRole('link', { name: childName }).click()
    await f.waitForLoadState()
    await frontDoor.page.press('Start review')
    const team = f.getByLabel('Which team will allocate a worker?')
    // The demo's one team with a manager is chosen for the front door already.
    assert.notEqual(await team.inputValue(), '')
    await f.getByLabel("Children's services assessment (child in need)").check()
    const reasons = 'Exploitation indicators: section 17 assessment by the Exploitation Team'
    await f.getByLabel('Reasons for the decision').fill(reasons)
    await team.selectOption('')
    await frontDoor.page.press('Record decision')
    assert.match(
      await frontDoor.page.errorSummary(),
      /Select the team that will allocate a worker to the child/,
    )
    assert.equal(await f.getByLabel('Reasons for the decision').inputValue(), reasons)
    await team.selectOption({ label: "Exploitation Team (Northshire County Council Children's Services)" })
    await frontDoor.page.press('Record decision')
    assert.match(new URL(f.url()).pathname, /\/referrals\/[0-9a-f-]{36}$/)
    await frontDoor.context.close()

    // The team manager: home says a child waits; the queue lists them; allocate the social worker.
    const manager = await as('team-manager')
    const m = manager.page.page
    assert.match(await manager.page.summary('home-allocations-waiting'), new RegExp(childName))
    await manager.page.followLink('Allocation queue')
    assert.equal(new URL(m.url()).pathname, paths.allocations.queue)
    await m
      .getByTestId('allocation-queue')
      .getByRole('link', { name: new RegExp(childName) })
      .click()
    await m.waitForLoadState()
    await manager.page.checkAccessibility()
    assert.match(await manager.page.heading(), /Allocate a worker/)
    await manager.page.press('Allocate')
    assert.match(await manager.page.errorSummary(), /Select the worker to allocate the child to/)
    await m.getByLabel(names.get('social-worker') ?? '').check()
    await manager.page.press('Allocate')
    assert.match(new URL(m.url()).pathname, /\/allocations\/[0-9a-f-]{36}$/)
    assert.match(
      await manager.page.summary('allocation-history'),
      new RegExp(names.get('social-worker') ?? ''),
    )
    await manager.context.close()

    // The social worker: the child is allocated to them (home) and in their caseload, with the history.
    const worker = await as('social-worker')
    assert.match(await worker.page.summary('home-allocated-to-me'), new RegExp(childName))
    await worker.page.followLink('Your children and young people')
    await worker.page.followLink(childName)
    assert.match(await worker.page.summary('allocation-history'), /First allocation/)
    await worker.context.close()
  })
})
