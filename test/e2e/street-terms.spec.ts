import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import { StreetTermPages } from './pages/street-term-pages.ts'
import { SignInPage } from './pages/sign-in-page.ts'
import { axeContext } from './support/browser.ts'
import { browserSuite } from './support/suite.ts'
import { startApp, type RunningApp } from './support/server.ts'

const suite = browserSuite()
const hooks = suite.hooks

describe('the street-terms glossary in a browser (issue 12)', () => {
  let running: RunningApp
  let adminEmail: string
  let password: string
  before(async () => {
    running = await startApp(hooks, { demo: true })
    const seeded = running.seeded
    const admin = seeded.users?.find((u) => u.role === 'system-admin')
    assert.ok(admin && seeded.password)
    adminEmail = admin.email
    password = seeded.password
  })

  it('the administrator adds a term with variants (an empty one refused), then retires it; axe clean', async () => {
    const context = await axeContext(suite.browser())
    const signIn = new SignInPage(await context.newPage(), running.baseUrl)
    await signIn.visit()
    await signIn.signIn(adminEmail, password)
    const terms = new StreetTermPages(signIn.page, running.baseUrl)
    await terms.openFromHome()
    assert.match(await terms.row('Trap house'), /bando[\s\S]*In use/)

    await terms.add({ term: '', variants: 'running packs', meaning: '' })
    assert.match(await terms.errorSummary(), /Enter the term[\s\S]*Enter what the term means/)
    await terms.fill({
      term: 'Runner',
      variants: 'running packs\nrunners',
      meaning: 'A young person made to carry drugs or money for those running a line.',
    })
    await terms.save('Add street term')
    assert.match(await terms.row('Runner'), /running packs, runners[\s\S]*In use/)

    await terms.openTerm('Runner')
    await terms.retire()
    assert.match(await terms.row('Runner'), /Retired/)
    await context.close()
  })
})
