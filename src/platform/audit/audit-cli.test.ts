import assert from 'node:assert/strict'
import { beforeEach, describe, it } from 'node:test'
import { withTransaction } from '../../db/database.ts'
import { createTestDatabase, ownerQuery } from '../../../test/helpers/database.ts'
import { run } from '../../cli/main.ts'
import { auditWriter } from './audit-writer.ts'

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = []
  const err: string[] = []
  const code = await run(args, { out: (l) => out.push(l), err: (l) => err.push(l) })
  return { code, out: out.join('\n'), err: err.join('\n') }
}

const saved = { ...process.env }
delete saved.DATABASE_URL
delete saved.DATABASE_APP_URL

describe('openmace audit', () => {
  beforeEach(() => {
    process.env = { ...saved, NODE_ENV: 'development', LOG_LEVEL: 'silent' }
  })

  it('seal seals, verify exits 0 with counts and the latest hash, then 1 naming an altered row', async (t) => {
    const db = await createTestDatabase(t)
    process.env.DATABASE_URL = db.ownerUrl
    process.env.DATABASE_APP_URL = db.appUrl
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
