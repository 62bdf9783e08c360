import assert from 'node:assert/strict'
import { it } from 'node:test'
import { paths } from '../../src/platform/paths.ts'
import { build } from '../helpers/build.ts'
import { signIn } from '../helpers/sign-in.ts'

/**
 * A page offers only what its reader may do. Signed in as each demo account, follow every link the pages show
 * (same site, GET), breadth first from the home page: none may end on "Page not found" or "You do not have
 * permission", and none may fail. Links to static files and the sign-out form are not pages.
 */
const LIMIT_PER_ROLE = 400

function linksOf(html: string): string[] {
  const found: string[] = []
  for (const match of html.matchAll(/<a\b[^>]*\bhref="([^"]+)"/g)) {
    const href = (match[1] ?? '').replace(/&amp;/g, '&')
    if (!href.startsWith('/') || href.startsWith('//')) continue
    if (href.startsWith(paths.assets)) continue
    found.push(href.split('#')[0] ?? href)
  }
  return found
}

it('every link each demo account is shown opens a page it may see (no 404, 403 or 5xx)', async (t) => {
  const { app, services } = await build(t)
  const { users = [], password = '' } = await services.demo.seed()
  assert.ok(users.length >= 8, 'a demo account per role')
  const broken: string[] = []
  let visited = 0
  for (const user of users) {
    const agent = await signIn(app, { email: user.email, password })
    const seen = new Set<string>([paths.home])
    const queue: Array<{ url: string; from: string }> = [{ url: paths.home, from: '(sign-in)' }]
    while (queue.length > 0 && seen.size <= LIMIT_PER_ROLE) {
      const { url, from } = queue.shift()!
      const res = await agent.get(url)
      visited++
      if (res.statusCode === 303 || res.statusCode === 302) {
        const to = res.headers.location ?? ''
        if (to === paths.signIn) broken.push(`${user.role}: ${url} (from ${from}) signed the account out`)
        continue
      }
      if (res.statusCode >= 400) {
        broken.push(`${user.role}: ${url} (from ${from}) answered ${String(res.statusCode)}`)
        continue
      }
      if (!String(res.headers['content-type'] ?? '').startsWith('text/html')) continue
      for (const link of linksOf(res.body)) {
        if (seen.has(link)) continue
        seen.add(link)
        queue.push({ url: link, from: url })
      }
    }
  }
  assert.deepEqual(broken, [], `${String(broken.length)} broken links of ${String(visited)} pages visited`)
  assert.ok(visited > 100, `visited ${String(visited)} pages`)
})
