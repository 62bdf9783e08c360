import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { passwordProblem } from './password-policy.ts'
import { hashPassword, verifyPassword } from './passwords.ts'

describe('password policy (NCSC: length and a deny list, no composition rules)', () => {
  it('accepts a long passphrase of lower-case words with no digits or symbols', () => {
    assert.equal(passwordProblem('purple kettle marching orchid'), undefined)
  })

  it('refuses short, too long, common, repeated and own-email passwords with clear messages', () => {
    assert.equal(passwordProblem(''), 'Enter a password')
    assert.match(passwordProblem('short pass') ?? '', /12 characters or more/)
    assert.match(passwordProblem('x'.repeat(200) + 'y'.repeat(57)) ?? '', /256 characters or fewer/)
    for (const common of [
      'password1234',
      'Qwertyuiop123',
      'PASSWORD 1234',
      'liverpool1234',
      'iloveyou12345',
    ]) {
      assert.match(passwordProblem(common) ?? '', /too common/, common)
    }
    assert.match(passwordProblem('aaaaaaaaaaaaaa') ?? '', /one character repeated/)
    assert.match(
      passwordProblem('sam.jones@northshire.example', 'Sam.Jones@northshire.example') ?? '',
      /must not contain your email address/,
    )
    assert.match(passwordProblem('sam.jones2024!!', 'sam.jones@northshire.example') ?? '', /email address/)
  })
})

describe('password hashing', () => {
  it('hashes with argon2id and verifies only the right password', async () => {
    const hash = await hashPassword('purple kettle marching orchid')
    assert.match(hash, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/)
    assert.equal(await verifyPassword(hash, 'purple kettle marching orchid'), true)
    assert.equal(await verifyPassword(hash, 'purple kettle marching orchids'), false)
    assert.equal(await verifyPassword('not a hash', 'anything'), false)
  })
})
