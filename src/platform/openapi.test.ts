import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import Fastify from 'fastify'
import { openApiDocument } from '../../test/helpers/openapi-document.ts'
import { DuplicateOperationIdError, setUpOpenApi } from './openapi.ts'

const METHODS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'])

let built: ReturnType<typeof openApiDocument> | undefined

/** Every operation of the app's document (built once), with the access its route declares. */
async function operations() {
  built ??= openApiDocument()
  const { document, routes } = await built
  const access = new Map(routes.map((r) => [`${r.method} ${r.url.replace(/:(\w+)/g, '{$1}')}`, r.access]))
  return Object.entries(document.paths).flatMap(([url, item]) =>
    Object.entries(item)
      .filter(([method]) => METHODS.has(method))
      .map(([method, operation]) => {
        const where = `${method.toUpperCase()} ${url}`
        assert.ok(access.has(where), `${where} is a route of the app`)
        return { where, operation, access: access.get(where) }
      }),
  )
}

describe('the OpenAPI document', () => {
  it('gives every operation its own operationId', async () => {
    const all = await operations()
    assert.ok(all.length > 40, `documents the API (${String(all.length)} operations)`)
    const seen = new Map<string, string>()
    for (const { where, operation } of all) {
      const id = operation.operationId
      assert.ok(id !== undefined && /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(id), `${where} has an operationId`)
      assert.equal(seen.get(id), undefined, `${where} and ${seen.get(id) ?? ''} share operationId ${id}`)
      seen.set(id, where)
    }
  })

  it('declares no security on public operations and the bearer token on every other', async () => {
    const all = await operations()
    const publicOnes = all.filter((o) => o.access === 'public')
    assert.ok(publicOnes.some((o) => o.where === 'GET /health'))
    for (const { where, operation } of publicOnes) assert.deepEqual(operation.security, [], where)
    const guarded = all.filter((o) => o.access !== 'public')
    assert.ok(guarded.length > 40)
    for (const { where, operation } of guarded) {
      assert.ok(
        operation.security?.some((requirement) => 'bearer' in requirement),
        `${where} declares bearer security`,
      )
    }
  })

  it('gives every operation a summary and at least one 4xx response', async () => {
    for (const { where, operation } of await operations()) {
      assert.ok(operation.summary !== undefined && operation.summary !== '', `${where} has a summary`)
      assert.ok(
        Object.keys(operation.responses).some((status) => status.startsWith('4')),
        `${where} has a 4xx response`,
      )
    }
  })
})

describe('operationIds at start-up', () => {
  async function appWith(...routes: { url: string; operationId?: string; handler: () => Promise<string> }[]) {
    const app = Fastify({ logger: false })
    await setUpOpenApi(app)
    for (const { url, operationId, handler } of routes) {
      app.get(url, { schema: { tags: ['service'], ...(operationId ? { operationId } : {}) } }, handler)
    }
    return app
  }

  it('refuses to start when two operations would share an operationId', async (t) => {
    const app = await appWith(
      { url: '/api/v1/a', operationId: 'same', handler: async () => 'a' },
      { url: '/api/v1/b', operationId: 'same', handler: async () => 'b' },
    )
    t.after(() => app.close())
    await assert.rejects(async () => {
      await app.ready()
    }, DuplicateOperationIdError)
  })

  it('names an operation after its handler, or after method and path when the name is missing or shared', async (t) => {
    const anonymous = () => async () => 'z'
    assert.equal(anonymous().name, '')
    const shared = () =>
      async function sharedGet() {
        return 'x'
      }
    const app = await appWith(
      { url: '/api/v1/people/:id/things', handler: shared() },
      { url: '/api/v1/places/:id/things', handler: shared() },
      {
        url: '/api/v1/one-thing',
        handler: async function oneThingGet() {
          return 'y'
        },
      },
      { url: '/health/deep', handler: anonymous() },
    )
    t.after(() => app.close())
    await app.ready()
    const document = app.swagger() as unknown as {
      paths: Record<string, { get: { operationId: string; security: unknown } }>
    }
    const ids = Object.entries(document.paths).map(([url, item]) => [url, item.get.operationId])
    assert.deepEqual(ids, [
      ['/api/v1/people/{id}/things', 'getPeopleByIdThings'],
      ['/api/v1/places/{id}/things', 'getPlacesByIdThings'],
      ['/api/v1/one-thing', 'oneThingGet'],
      ['/health/deep', 'getHealthDeep'],
    ])
  })
})
