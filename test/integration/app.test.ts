import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { SurfaceApp } from '../../src/platform/surfaces.ts'
import { build } from '../helpers/build.ts'
import { headingText, pageTitle } from '../helpers/html.ts'

describe('pages', () => {
  it('serves the GOV.UK start page with the partnerships this deployment serves', async (t) => {
    const { app, services } = await build(t)
    await services.demo.seed()
    const res = await app.inject({ method: 'GET', url: '/' })
    assert.equal(res.statusCode, 200)
    assert.match(res.headers['content-type'] as string, /^text\/html/)
    assert.equal(pageTitle(res.body), 'Protect children from exploitation, together – OpenMACE')
    assert.match(res.body, /class="govuk-skip-link"[^>]*>Skip to main content/)
    assert.match(res.body, /govuk-phase-banner/)
    assert.match(
      res.body,
      /href="\/sign-in"[^>]*class="govuk-button govuk-button--start"|class="govuk-button govuk-button--start"[^>]*href="\/sign-in"/,
    )
    assert.match(res.body, /Northshire Safeguarding Partnership[\s\S]*Demonstration data/)
    assert.match(res.body, /call the police on 999/)
    assert.match(res.body, /<footer/)
  })

  it('says no partnership is set up on an empty database', async (t) => {
    const { app } = await build(t)
    const res = await app.inject({ method: 'GET', url: '/' })
    assert.equal(res.statusCode, 200)
    assert.match(res.body, /No partnership has been set up yet/)
  })

  it('uses a generic header and the fallback font outside GOV.UK, and the GOV.UK header only when branded so', async (t) => {
    const generic = await build(t, { env: { OPENMACE_ORGANISATION_NAME: 'Northshire County Council' } })
    const page = (await generic.app.inject('/sign-in')).body
    assert.match(page, /govuk-generic-header[\s\S]*Northshire County Council/)
    assert.doesNotMatch(page, /govuk-header__logotype/, 'no crown outside GOV.UK services')
    assert.match(page, /class="govuk-template openmace-brand-generic"/)
    const govuk = await build(t, { db: generic.db, env: { OPENMACE_BRAND: 'govuk' } })
    assert.match((await govuk.app.inject('/sign-in')).body, /govuk-header__logotype/)
  })

  it('serves the sign-in placeholder and the accessibility statement', async (t) => {
    const { app } = await build(t)
    const signIn = await app.inject('/sign-in')
    assert.equal(signIn.statusCode, 200)
    assert.equal(headingText(signIn.body), 'Sign in')
    const accessibility = await app.inject('/accessibility')
    assert.equal(accessibility.statusCode, 200)
    assert.match(headingText(accessibility.body) ?? '', /Accessibility statement/)
  })

  it('answers an unknown page with the GOV.UK 404 page', async (t) => {
    const { app } = await build(t)
    const res = await app.inject('/no/such/page')
    assert.equal(res.statusCode, 404)
    assert.equal(headingText(res.body), 'Page not found')
    assert.match(res.headers['content-type'] as string, /^text\/html/)
  })

  it('shows the 500 page with a correlation id and no stack trace when a page fails', async (t) => {
    const broken = async (pages: SurfaceApp) => {
      pages.get('/broken', { config: { access: 'public' } }, async () => {
        throw new Error('secret internal detail at /srv/openmace/src/thing.ts:12')
      })
    }
    const { app } = await build(t, { routes: [{ pages: broken }] })
    const res = await app.inject({ url: '/broken', headers: { 'x-request-id': 'corr-1234-abcd' } })
    assert.equal(res.statusCode, 500)
    assert.equal(headingText(res.body), 'Sorry, there is a problem with the service')
    assert.match(res.body, /data-testid="correlation-id">corr-1234-abcd</)
    assert.equal(res.headers['x-request-id'], 'corr-1234-abcd')
    assert.doesNotMatch(res.body, /secret internal detail|thing\.ts|at \//)
  })

  it('serves the GOV.UK assets the layout links to', async (t) => {
    const { app } = await build(t)
    for (const url of [
      '/assets/govuk/govuk-frontend.min.css',
      '/assets/govuk/govuk-frontend.min.js',
      '/assets/moj/moj-frontend.min.css',
      '/assets/openmace/openmace.css',
      '/assets/openmace/openmace.mjs',
      '/assets/openmace/favicon.svg',
      '/assets/images/favicon.svg',
    ]) {
      const res = await app.inject(url)
      assert.equal(res.statusCode, 200, url)
      assert.notEqual(res.headers['cache-control'], 'no-store', `${url} may be cached`)
    }
    assert.equal(
      (await app.inject('/assets/govuk/template.njk')).statusCode,
      404,
      'only built assets are served',
    )
  })
})

describe('security headers', () => {
  it('sends a nonce-based CSP that matches the inline script, and no-store on pages', async (t) => {
    const { app } = await build(t)
    const res = await app.inject('/')
    const csp = res.headers['content-security-policy'] as string
    const nonce = /script-src 'self' 'nonce-([^']+)'/.exec(csp)?.[1]
    assert.ok(nonce, `script-src carries a nonce: ${csp}`)
    assert.match(res.body, new RegExp(`<script nonce="${nonce}">document\\.body\\.className`))
    for (const directive of [
      "object-src 'none'",
      "base-uri 'none'",
      "frame-ancestors 'none'",
      "default-src 'self'",
    ]) {
      assert.ok(csp.includes(directive), `CSP has ${directive}`)
    }
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/)
    assert.equal(res.headers['cache-control'], 'no-store')
    assert.equal(res.headers['x-frame-options'], 'SAMEORIGIN')
    assert.equal(res.headers['x-content-type-options'], 'nosniff')
    const again = await app.inject('/')
    assert.notEqual(
      /'nonce-([^']+)'/.exec(again.headers['content-security-policy'] as string)?.[1],
      nonce,
      'a new nonce per request',
    )
  })

  it('makes up a request id when the caller sends none or a malformed one', async (t) => {
    const { app } = await build(t)
    const res = await app.inject({ url: '/health', headers: { 'x-request-id': 'bad id <script>' } })
    assert.match(res.headers['x-request-id'] as string, /^[0-9a-f-]{36}$/)
  })
})

describe('API errors are problem+json', () => {
  it('answers an unknown API route with a 404 problem', async (t) => {
    const { app } = await build(t)
    const res = await app.inject('/api/v1/nothing-here')
    assert.equal(res.statusCode, 404)
    assert.match(res.headers['content-type'] as string, /^application\/problem\+json/)
    const body = res.json()
    assert.equal(body.status, 404)
    assert.equal(body.title, 'Not found')
    assert.equal(body.instance, '/api/v1/nothing-here')
    assert.equal(body.requestId, res.headers['x-request-id'])
  })

  async function withEcho(t: Parameters<typeof build>[0]) {
    const echo = async (api: SurfaceApp) => {
      api.post(
        '/echo',
        {
          config: { access: 'public' },
          schema: {
            body: {
              type: 'object',
              required: ['name'],
              additionalProperties: false,
              properties: { name: { type: 'string', minLength: 1 }, age: { type: 'integer' } },
            },
          },
        },
        async (request) => request.body,
      )
    }
    const built = await build(t, { env: { OPENMACE_BODY_LIMIT_BYTES: '2048' }, routes: [{ api: echo }] })
    return built.app
  }

  it('refuses malformed JSON with 400, never 500', async (t) => {
    const app = await withEcho(t)
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/echo',
      headers: { 'content-type': 'application/json' },
      payload: '{"name": ',
    })
    assert.equal(res.statusCode, 400)
    assert.equal(res.json().title, 'Malformed JSON')
  })

  it('refuses a body over the limit with 413', async (t) => {
    const app = await withEcho(t)
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/echo',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ name: 'x'.repeat(5000) }),
    })
    assert.equal(res.statusCode, 413)
    assert.match(res.json().detail, /limit of 2048 bytes/)
  })

  it('refuses a content type it does not accept with 415', async (t) => {
    const app = await withEcho(t)
    for (const type of ['text/plain', 'application/xml', 'multipart/form-data; boundary=x']) {
      const res = await app.inject({
        method: 'POST',
        url: '/api/v1/echo',
        headers: { 'content-type': type },
        payload: 'name=x',
      })
      assert.equal(res.statusCode, 415, type)
      assert.match(res.headers['content-type'] as string, /^application\/problem\+json/)
    }
  })

  it('refuses a body that breaks the route schema with 400 and field errors', async (t) => {
    const app = await withEcho(t)
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/echo',
      payload: { age: 'old', extra: true },
    })
    assert.equal(res.statusCode, 400)
    const body = res.json<{ errors: Array<{ field: string }> }>()
    const fields = body.errors.map((e) => e.field)
    assert.ok(fields.includes('/body/name'), JSON.stringify(body.errors))
    assert.ok(fields.includes('/body/age'), JSON.stringify(body.errors))
  })

  it('refuses a prototype-poisoning body with 400', async (t) => {
    const app = await withEcho(t)
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/echo',
      headers: { 'content-type': 'application/json' },
      payload: '{"name":"x","__proto__":{"admin":true}}',
    })
    assert.equal(res.statusCode, 400)
  })

  it('hides the cause of a server fault behind a correlation id', async (t) => {
    const broken = async (api: SurfaceApp) => {
      api.get('/broken', { config: { access: 'public' } }, async () => {
        throw new Error('password=hunter2 in /srv/openmace/src/x.ts')
      })
    }
    const { app } = await build(t, { routes: [{ api: broken }] })
    const res = await app.inject('/api/v1/broken')
    assert.equal(res.statusCode, 500)
    const body = res.json()
    assert.equal(body.title, 'Internal server error')
    assert.equal(body.requestId, res.headers['x-request-id'])
    assert.doesNotMatch(res.body, /hunter2|x\.ts|stack/)
  })
})

describe('API', () => {
  it('describes the deployment at /api/v1/service', async (t) => {
    const { app, services } = await build(t)
    await services.demo.seed()
    const res = await app.inject('/api/v1/service')
    assert.equal(res.statusCode, 200)
    const body = res.json()
    assert.equal(body.service, 'OpenMACE')
    assert.equal(body.apiVersion, 'v1')
    assert.deepEqual(body.partnerships, [
      { code: 'northshire', name: 'Northshire Safeguarding Partnership', demo: true },
    ])
  })

  it('publishes an OpenAPI 3.1 document of the API routes only', async (t) => {
    const { app } = await build(t)
    const res = await app.inject('/api/v1/openapi.json')
    assert.equal(res.statusCode, 200)
    const doc = res.json()
    assert.equal(doc.openapi, '3.1.0')
    assert.ok(doc.paths['/api/v1/service']?.get, 'documents /api/v1/service')
    assert.ok(doc.paths['/health']?.get, 'documents /health')
    assert.equal(doc.paths['/'], undefined, 'pages are not in the API document')
    assert.equal(doc.paths['/sign-in'], undefined)
    assert.ok(doc.components.schemas.Problem, 'the problem schema is published')
  })
})

describe('route access declarations', () => {
  it('every route declares its access', async (t) => {
    const { app } = await build(t)
    await app.ready()
    const routes = app.routeTable()
    assert.ok(routes.length > 5)
    assert.deepEqual(
      routes.filter((r) => r.access === undefined),
      [],
    )
  })

  it('start-up fails when a route has no access declaration', async (t) => {
    const { app } = await build(t)
    app.get('/undeclared', async () => 'oops')
    await assert.rejects(async () => app.ready(), /routes without an access declaration: GET \/undeclared/)
  })
})
