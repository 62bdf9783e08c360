import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import nunjucks from 'nunjucks'
import { schemaController } from './schema-compilers.ts'
import { trimFilter } from './views.ts'

const { buildValidator, buildSerializer } = schemaController.compilersFactory
const ajv = { customOptions: { coerceTypes: 'array' as const, allErrors: true } }
const body = { type: 'object', properties: { n: { type: 'integer' } }, required: ['n'] }
const route = { schema: body, method: 'POST', url: '/things', httpPart: 'body' }

describe('schema compilers kept for the process', () => {
  it('a second app gets the validator the first compiled; another schema its own', () => {
    const first = buildValidator({}, ajv)(route)
    const second = buildValidator({}, ajv)({ ...route, schema: structuredClone(body) })
    assert.equal(second, first)
    assert.equal(first({ n: 1 }), true)
    assert.equal(first({ n: 'x' }), false)
    const other = buildValidator({}, ajv)({ ...route, schema: { ...body, required: [] } })
    assert.notEqual(other, first)
    assert.equal(other({}), true)
  })

  it('shared schemas and options are part of the key', () => {
    const first = buildValidator({}, ajv)(route)
    const shared = { 'x#': { $id: 'x#', type: 'string' } }
    assert.notEqual(buildValidator(shared, ajv)(route), first)
    assert.notEqual(buildValidator({}, { customOptions: { allErrors: true } })(route), first)
  })

  it('a second app gets the serializer the first compiled, which writes the schema’s fields only', () => {
    const response = { schema: body, method: 'GET', url: '/things', httpStatus: '200' }
    const first = buildSerializer({}, undefined)(response)
    assert.equal(buildSerializer({}, undefined)({ ...response, schema: structuredClone(body) }), first)
    assert.equal(first({ n: 2, secret: 'no' }), '{"n":2}')
    assert.notEqual(buildSerializer({}, undefined)({ ...response, httpStatus: '201' }), first)
  })
})

describe('the trim filter', () => {
  it('trims what nunjucks’ own trim trims, and keeps safe markup safe', () => {
    const env = new nunjucks.Environment(null, { autoescape: true })
    for (const text of ['  a  b  ', '\n\t x \r\n', '', '   ', 'a\u00a0', '\u2028y\ufeff'])
      assert.equal(trimFilter(text), String(env.getFilter('trim')(text)), JSON.stringify(text))
    const safe = trimFilter(new nunjucks.runtime.SafeString('  <b>x</b> \n'))
    assert.ok(safe instanceof nunjucks.runtime.SafeString)
    assert.equal(String(safe), '<b>x</b>')
    env.addFilter('trim', trimFilter)
    assert.equal(
      env.renderString('{{ v | safe | trim }}|{{ w | trim }}', { v: ' <i>a</i> ', w: ' <i> ' }),
      '<i>a</i>|&lt;i&gt;',
    )
  })
})
