import assert from 'node:assert/strict'
import { beforeEach, describe, it } from 'node:test'
import { withTransaction } from '../../db/database.ts'
import { createTestDatabase, ownerQuery } from '../../../test/helpers/database.ts'
import { auditWriter } from './audit-writer.ts'
import { cli, cliEnvironment } from '../../../test/helpers/cli.ts'

describe('openmace audit', () => {
  beforeEach(() => cliEnvironment())

  it('seal seals, verify exits 0 with counts and the latest hash, then 1 naming an altered row', async (t) => {
    const db = await createTestDatabase(t)
    cliEnvironment(db)
    const writer = auditWriter()
    const ids: string[] = []
    for (let i = 0; i < 6; i++) {
      ids.push(
        await withTransaction(db.database, {}, (trx) =>
          writer.write(trx, { action: 'auth.sign-in-failed', outcome: 'failed', reason: 'bad-password' }),
        ),
      )
    }
    const empty = await cli(['audit', 'verify'])
    assert.equal(empty.code, 0, empty.err)
    assert.match(empty.out, /0 audit row\(s\) sealed in 0 seal\(s\) verified; 6 not yet sealed\./)

    const seal = await cli(['audit', 'seal'])
    assert.equal(seal.code, 0, seal.err)
    assert.match(
      seal.out,
      /^Sealed 6 audit row\(s\) in 1 block\(s\)\.\nLatest seal 1 \(events up to \d+, .*\): [0-9a-f]{64}$/,
    )
    const hash = /([0-9a-f]{64})$/.exec(seal.out)?.[1] ?? ''
    assert.match((await cli(['audit', 'seal'])).out, /^Nothing to seal\./)

    const ok = await cli(['audit', 'verify', '--expect', `1:${hash}`])
    assert.equal(ok.code, 0, ok.err)
    assert.match(ok.out, /6 audit row\(s\) sealed in 1 seal\(s\) verified; 0 not yet sealed\./)
    assert.match(ok.out, new RegExp(`Latest seal 1 .*: ${hash}\nAudit trail intact\\.$`))

    const altered = ids[3] ?? ''
    await ownerQuery(
      db.ownerUrl,
      `BEGIN; ALTER TABLE audit_event DISABLE TRIGGER USER;
       UPDATE audit_event SET reason = 'locked' WHERE id = ${altered};
       ALTER TABLE audit_event ENABLE TRIGGER USER; COMMIT`,
    )
    const broken = await cli(['audit', 'verify'])
    assert.equal(broken.code, 1)
    assert.match(
      broken.err,
      new RegExp(`audit trail broken at row ${altered}: audit row ${altered} was altered`),
    )

    const bad = await cli(['audit', 'verify', '--expect', 'nonsense'])
    assert.equal(bad.code, 1)
    assert.match(bad.err, /--expect takes SEQ:HASH/)
  })
})
