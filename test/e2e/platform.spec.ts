import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import { paths } from '../../src/platform/paths.ts'
import { BasePage } from './pages/base-page.ts'
import { ErrorPage } from './pages/error-page.ts'
import { StartPage } from './pages/start-page.ts'
import { axeContext } from './support/browser.ts'
import { browserSuite } from './support/suite.ts'
import { startApp, type RunningApp } from './support/server.ts'

const suite = browserSuite()
const hooks = suite.hooks

describe('platform pages in a browser', () => {
  let running: RunningApp
  before(async () => {
    running = await startApp(hooks, {
      beforeListen: (app) => {
        app.get('/e2e/broken', { config: { access: 'public' } }, async () => {
          throw new Error('deliberate fault for the 500 page')
        })
      },
      demo: true,
    })
  })

  it('start page: GOV.UK layout, the demo partnership, Start now leads to sign-in; axe clean', async () => {
    const context = await axeContext(suite.browser())
    const start = new StartPage(await context.newPage(), running.baseUrl)
    await start.visit()
    assert.match(await start.heading(), /protect children from exploitation, together/)
    assert.match(await start.partnerships(), /Northshire Safeguarding Partnership/)
    await start.startNow()
    assert.equal(await start.heading(), 'Sign in')
    await context.close()
  })

  it('the skip link is the first thing a keyboard reaches and moves focus to the main content', async () => {
    const context = await axeContext(suite.browser())
    const start = new StartPage(await context.newPage(), running.baseUrl)
    await start.visit()
    await start.page.keyboard.press('Tab')
    const focused = await start.page.evaluate(() => document.activeElement?.textContent.trim())
    assert.equal(focused, 'Skip to main content')
    await start.page.keyboard.press('Enter')
    assert.equal(await start.page.evaluate(() => document.activeElement?.id), 'main-content')
    await context.close()
  })

  it('accessibility statement, 404 and 500 pages are axe clean; the 500 page shows a reference, no stack', async () => {
    const context = await axeContext(suite.browser())
    const page = await context.newPage()
    await new BasePage(page, running.baseUrl).open(paths.accessibility)
    const notFound = new ErrorPage(page, running.baseUrl)
    await notFound.open('/no-such-page', 404)
    assert.equal(await notFound.heading(), 'Page not found')
    const broken = new ErrorPage(page, running.baseUrl)
    const response = await broken.open('/e2e/broken', 500)
    assert.equal(await broken.correlationId(), response.headers()['x-request-id'])
    assert.doesNotMatch(await page.content(), /deliberate fault/)
    await context.close()
  })

  it('works without JavaScript', async () => {
    // axe itself needs JavaScript, and the same HTML is checked by axe in the tests above.
    const context = await suite.browser().newContext({ javaScriptEnabled: false })
    const page = await context.newPage()
    const response = await page.goto(`${running.baseUrl}${paths.start}`)
    assert.equal(response?.status(), 200)
    assert.equal(await page.locator('body.js-enabled').count(), 0, 'no script ran')
    await page.getByRole('button', { name: 'Start now' }).click()
    await page.waitForURL(`**${paths.signIn}`)
    assert.equal((await page.locator('h1').innerText()).trim(), 'Sign in')
    await context.close()
  })

  it('under the real CSP: no violations, and the nonce-carrying GOV.UK script and our module run', async () => {
    const context = await suite.browser().newContext()
    const page = await context.newPage()
    const consoleErrors: string[] = []
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text())
    })
    await page.addInitScript(() => {
      const store = window as unknown as { cspViolations: string[] }
      store.cspViolations = []
      document.addEventListener('securitypolicyviolation', (event) => {
        store.cspViolations.push(`${event.violatedDirective} ${event.blockedURI}`)
      })
    })
    for (const path of [paths.start, paths.signIn, paths.accessibility]) {
      const response = await page.goto(`${running.baseUrl}${path}`)
      assert.ok(response?.headers()['content-security-policy']?.includes("object-src 'none'"))
      await page.waitForFunction(() => document.body.classList.contains('govuk-frontend-supported'))
      // initAll() from our module marks initialised components.
      await page.waitForSelector('[data-govuk-skip-link-init]', { state: 'attached' })
      const violations = await page.evaluate(
        () => (window as unknown as { cspViolations: string[] }).cspViolations,
      )
      assert.deepEqual(violations, [], `CSP violations on ${path}`)
    }
    assert.deepEqual(consoleErrors, [])
    await context.close()
  })
})

describe('when the database is unreachable', () => {
  it('pages show the GOV.UK service unavailable page; axe clean', async () => {
    // Port 1 on loopback: nothing listens, connections are refused at once.
    const running = await startApp(hooks, { databaseUrl: 'postgres://nobody:nothing@127.0.0.1:1/openmace' })
    const context = await axeContext(suite.browser())
    const page = new ErrorPage(await context.newPage(), running.baseUrl)
    await page.open(paths.start, 503)
    assert.equal(await page.heading(), 'Sorry, the service is unavailable')
    assert.match(await page.correlationId(), /^[0-9a-f-]{36}$/)
    await context.close()
  })
})
