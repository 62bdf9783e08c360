import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { ValidationError } from './errors.ts'
import {
  controlCharacterError,
  controlCharacterIn,
  controlCharactersOf,
  findControlCharacters,
} from './input-hygiene.ts'

const REFUSED = [
  ...Array.from({ length: 0x20 }, (_, i) => i).filter((c) => c !== 0x09 && c !== 0x0a && c !== 0x0d),
  0x7f,
].map((c) => String.fromCharCode(c))
const refused = fc.constantFrom(...REFUSED)
/** Any string without a refused character (tab, LF, CR, other Unicode, lone surrogates included). */
const clean = fc.string({ unit: 'binary', maxLength: 30 }).map((s) => {
  let kept = ''
  for (const ch of s) if (!REFUSED.includes(ch)) kept += ch
  return kept
})
const key = fc.oneof(clean, fc.constantFrom('a/b', 'x~y', '', '0'))
/** A JSON value of clean strings, with the path of each place a string could go. */
const cleanJson = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    clean,
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(key, tie('value'), { maxKeys: 4 }),
  ),
})).value

/** Every pointer of a string value in `value`, and the pointer's path of keys. */
function stringPaths(value: unknown, path: Array<string | number> = []): Array<Array<string | number>> {
  if (typeof value === 'string') return [path]
  if (Array.isArray(value)) return value.flatMap((v, i) => stringPaths(v, [...path, i]))
  if (typeof value === 'object' && value !== null)
    return Object.entries(value).flatMap(([k, v]) => stringPaths(v, [...path, k]))
  return []
}
const pointerOf = (base: string, path: Array<string | number>) =>
  base + path.map((p) => `/${String(p).replaceAll('~', '~0').replaceAll('/', '~1')}`).join('')

function replaceAt(value: unknown, path: Array<string | number>, next: string): unknown {
  if (path.length === 0) return next
  const [head, ...rest] = path
  if (Array.isArray(value))
    return (value as unknown[]).map((v, i) => (i === head ? replaceAt(v, rest, next) : v))
  const copy = { ...(value as Record<string, unknown>) }
  copy[head as string] = replaceAt(copy[head as string], rest, next)
  return copy
}

describe('control characters in input', () => {
  it('finds exactly the C0 controls but tab, LF and CR, and DEL', () => {
    for (let c = 0; c < 0x110000; c += c < 0x300 ? 1 : 97) {
      const ch = String.fromCodePoint(c)
      const expected = REFUSED.includes(ch) ? c : undefined
      assert.equal(controlCharacterIn(`a${ch}b`), expected, `U+${c.toString(16)}`)
    }
  })

  it('passes any JSON without them, and refuses any string with one, naming its pointer', () => {
    fc.assert(
      fc.property(cleanJson, (value) => {
        assert.deepEqual(findControlCharacters(value, '/body'), [])
      }),
      { numRuns: 500 },
    )
    fc.assert(
      fc.property(
        cleanJson.filter((v) => stringPaths(v).length > 0),
        fc.nat(),
        clean,
        refused,
        clean,
        (value, which, before, bad, after) => {
          const paths = stringPaths(value)
          const path = paths[which % paths.length]!
          const dirty = replaceAt(value, path, before + bad + after)
          const found = findControlCharacters(dirty, '/body')
          assert.deepEqual(found, [
            { pointer: pointerOf('/body', path), codePoint: bad.charCodeAt(0), inName: false },
          ])
          const error = controlCharacterError(found, true)
          assert.ok(error instanceof ValidationError)
          assert.equal(error.fieldErrors[0]!.field, pointerOf('/body', path))
          assert.match(error.message, /must not contain control characters/)
        },
      ),
      { numRuns: 500 },
    )
  })

  it('refuses a member name with one at its object, and names several fields in document order', () => {
    assert.deepEqual(findControlCharacters({ a: { 'x\u0000': 1 } }, '/body'), [
      { pointer: '/body/a', codePoint: 0, inName: true },
    ])
    const found = findControlCharacters({ a: 'x\u0001', b: ['ok', 'y\u007f'], 'c/d': 'z\u001b' }, '/body')
    assert.deepEqual(
      found.map((f) => f.pointer),
      ['/body/a', '/body/b/1', '/body/c~1d'],
    )
    assert.equal(findControlCharacters(Array(50).fill('\u0000'), '/body').length, 10, 'at most ten')
  })

  it('walks a deeply nested body without overflowing the stack', () => {
    let deep: unknown = 'a\u0000'
    for (let i = 0; i < 100_000; i++) deep = [deep]
    assert.equal(findControlCharacters(deep, '/body')[0]?.codePoint, 0)
  })

  it('checks params, querystring and body, with pointers like the schema errors', () => {
    const found = controlCharactersOf({
      params: { id: 'a\u0000' },
      query: { q: ['ok', 'b\u0002'] },
      body: 'c\u0003',
    })
    assert.deepEqual(
      found.map((f) => f.pointer),
      ['/params/id', '/querystring/q/1', '/body'],
    )
    const page = controlCharacterError([{ pointer: '/body/name', codePoint: 0, inName: false }], false)
    assert.deepEqual(
      page.fieldErrors.map((e) => e.field),
      ['name'],
    )
    assert.match(page.message, /^The name field must not contain control characters \(it has U\+0000\)/)
    const api = controlCharacterError([{ pointer: '/body/name', codePoint: 0x7f, inName: false }], true)
    assert.equal(api.message, '/body/name must not contain control characters (found U+007F)')
  })
})
