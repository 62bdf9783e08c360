import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createTestDatabase } from '../../test/helpers/database.ts'
import { socketFolder } from './embedded.ts'

describe('the embedded server’s socket', () => {
  it('goes in the data folder when its path is short and plain; otherwise TCP only', () => {
    assert.equal(socketFolder('/tmp/openmace/postgres', 54321), '/tmp/openmace/postgres')
    assert.equal(
      socketFolder(`/tmp/${'a'.repeat(90)}/postgres`, 54321),
      undefined,
      'past the socket-path limit',
    )
    assert.equal(socketFolder('/tmp/open mace,x/postgres', 54321), undefined, 'would need quoting')
  })

  it('the tests’ embedded server is reached through its socket, not TCP', async (t) => {
    const { database, appUrl } = await createTestDatabase(t)
    const { rows } = await database.pool.query<{ address: string | null }>(
      'SELECT inet_client_addr()::text AS address',
    )
    if (new URL(appUrl).searchParams.get('host') === null) {
      // A server given by TEST_ADMIN_URL (the PostgreSQL 15 suite) is reached however its URL says.
      t.skip('not the embedded server')
      return
    }
    assert.deepEqual(rows, [{ address: null }], 'a Unix-domain socket has no client address')
  })
})
