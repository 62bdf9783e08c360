import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Type } from 'typebox'
import { boundIntegers, boundRouteSchema, PG_INTEGER_MAX, PG_INTEGER_MIN } from './integer-bounds.ts'

const BOUNDS = { minimum: PG_INTEGER_MIN, maximum: PG_INTEGER_MAX }

describe('integer bounds', () => {
  it('bounds every integer and number node to a PostgreSQL integer, keeping tighter bounds', () => {
    const version = Type.Integer()
    const schema = Type.Object({
      version,
      score: Type.Integer({ minimum: 0, maximum: 100 }),
      page: Type.Optional(Type.Integer({ minimum: 1 })),
      loose: Type.Integer({ minimum: -1e12, maximum: 1e12 }),
      age: Type.Union([Type.Integer(), Type.Null()]),
      coords: Type.Array(Type.Number({ exclusiveMaximum: 90 })),
      name: Type.String(),
      nested: Type.Object({ list: Type.Array(Type.Object({ n: Type.Integer() })) }),
      both: { type: ['integer', 'null'] },
    })
    const bounded = boundIntegers(schema) as unknown as {
      properties: Record<string, Record<string, unknown>>
    }
    const p = bounded.properties
    assert.deepEqual({ ...p.version }, { type: 'integer', ...BOUNDS })
    assert.deepEqual({ ...p.score }, { type: 'integer', minimum: 0, maximum: 100 })
    assert.deepEqual({ ...p.page }, { type: 'integer', minimum: 1, maximum: PG_INTEGER_MAX })
    assert.deepEqual({ ...p.loose }, { type: 'integer', ...BOUNDS })
    assert.deepEqual(p.age, { anyOf: [{ type: 'integer', ...BOUNDS }, { type: 'null' }] })
    assert.deepEqual(p.coords, {
      type: 'array',
      items: { type: 'number', exclusiveMaximum: 90, minimum: PG_INTEGER_MIN },
    })
    assert.deepEqual(p.nested, {
      type: 'object',
      required: ['list'],
      properties: {
        list: {
          type: 'array',
          items: { type: 'object', required: ['n'], properties: { n: { type: 'integer', ...BOUNDS } } },
        },
      },
    })
    assert.deepEqual(p.both, { type: ['integer', 'null'], ...BOUNDS })
    assert.equal(p.name, schema.properties.name, 'untouched nodes are shared, not copied')
    assert.deepEqual({ ...version }, { type: 'integer' }, 'the original is not changed')
    assert.equal(Object.getOwnPropertyDescriptor(p.page, '~optional')?.value, true, 'TypeBox markers kept')
  })

  it('returns the same schema when there is nothing to bound', () => {
    const schema = Type.Object({
      id: Type.String({ format: 'uuid' }),
      n: Type.Integer({ minimum: 0, maximum: 9 }),
    })
    assert.equal(boundIntegers(schema), schema)
    const route = { body: schema, response: { 200: Type.Object({ v: Type.Integer() }) } }
    assert.equal(boundRouteSchema(route), route)
  })

  it('bounds body, querystring and params of a route schema but not its response', () => {
    const response = { 200: Type.Object({ v: Type.Integer() }) }
    const route = {
      hide: true,
      body: Type.Object({ v: Type.Integer() }),
      querystring: Type.Object({ page: Type.Integer() }),
      params: Type.Object({ n: Type.Integer() }),
      response,
    }
    const bounded = boundRouteSchema(route) as typeof route
    assert.notEqual(bounded, route)
    assert.equal(bounded.hide, true)
    assert.equal(bounded.response, response)
    for (const part of ['body', 'querystring', 'params'] as const) {
      const props = (bounded[part] as unknown as { properties: Record<string, Record<string, unknown>> })
        .properties
      const [only] = Object.values(props)
      assert.equal(only?.maximum, PG_INTEGER_MAX, part)
    }
  })
})
