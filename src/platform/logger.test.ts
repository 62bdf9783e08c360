import assert from 'node:assert/strict'
import { Writable } from 'node:stream'
import { it } from 'node:test'
import { createLogger } from './logger.ts'

it('redacts names, dates of birth, identifiers, passwords, tokens and cookies from logs', () => {
  const lines: string[] = []
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString())
      done()
    },
  })
  const log = createLogger('info', sink)
  log.info(
    {
      child: { firstName: 'Ada', lastName: 'Lovelace', dateOfBirth: '2011-04-01', nhsNumber: '9990001234' },
      req: { headers: { cookie: '__Host-session=abc', authorization: 'Bearer s3cret' } },
      user: { email: 'someone@example.org', password: 'correct horse battery' },
      token: 'tok_123',
      requestId: 'keep-me',
    },
    'an event',
  )
  const output = lines.join('')
  for (const secret of [
    'Ada',
    'Lovelace',
    '2011-04-01',
    '9990001234',
    'abc',
    's3cret',
    'someone@',
    'correct horse',
    'tok_123',
  ]) {
    assert.ok(!output.includes(secret), `log output leaked ${secret}`)
  }
  assert.match(output, /\[REDACTED\]/)
  assert.match(output, /keep-me/, 'non-personal fields stay in the log')
})
