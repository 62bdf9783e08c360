import assert from 'node:assert/strict'
import { it } from 'node:test'
import fc from 'fast-check'
import { versionOf } from './parse.ts'

it('reads a form version: a whole number in 1…2147483647, nothing else', () => {
  assert.equal(versionOf('1'), 1)
  assert.equal(versionOf(' 42 '), 42)
  assert.equal(versionOf('2147483647'), 2_147_483_647)
  for (const bad of [
    undefined,
    '',
    ' ',
    '0',
    '-1',
    '2147483648',
    '99999999999',
    '9007199254740993',
    '1.5',
    '1.0',
    '1e3',
    '0x10',
    'Infinity',
    'NaN',
    'abc',
    '1 2',
    '+1',
  ]) {
    assert.equal(versionOf(bad), undefined, String(bad))
  }
})

it('gives back any version in range, from its decimal text', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 2_147_483_647 }), (n) => assert.equal(versionOf(String(n)), n)),
  )
  fc.assert(
    fc.property(fc.string(), (s) => {
      const v = versionOf(s)
      if (v !== undefined) assert.ok(Number.isInteger(v) && v >= 1 && v <= 2_147_483_647)
    }),
  )
})
