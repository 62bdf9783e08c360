import assert from 'node:assert/strict'
import { beforeEach, describe, it } from 'node:test'
import { createPartnership } from '../../../test/factories/partnership-factory.ts'
import { build } from '../../../test/helpers/build.ts'
import { cli, cliEnvironment } from '../../../test/helpers/cli.ts'
import { createTestDatabase, ownerQuery } from '../../../test/helpers/database.ts'
import { normaliseNhsNumber } from '../../platform/identifiers/nhs-number.ts'
import { normalisePhone } from '../../platform/identifiers/phone.ts'
import { normalisePostcode } from '../../platform/identifiers/postcode.ts'
import { normaliseRegistration } from '../../platform/identifiers/vehicle.ts'
import { DemoRefusedError } from './demo-service.ts'

const count = async (ownerUrl: string, sql: string, values: unknown[] = []) =>
  Number((await ownerQuery<{ n: string }>(ownerUrl, sql, values))[0]?.n ?? 0)

describe('demo seed at scale', () => {
  beforeEach(() => cliEnvironment())

  it('writes valid, unique identifiers and links whose ends exist, with the clusters', async (t) => {
    const { services, db } = await build(t)
    const result = await services.demo.seedScale('tiny')
    assert.equal(result.created, true)
    const counts = result.counts
    assert.ok(counts !== undefined)
    assert.ok(counts.persons > 300, `people: ${String(counts.persons)}`)
    assert.ok(counts.links > counts.persons, 'more links than people')
    const url = db.ownerUrl
    assert.equal(
      await count(url, 'SELECT count(*) AS n FROM person'),
      counts.persons + (result.base.people ?? 0),
    )
    assert.equal(await count(url, 'SELECT count(*) AS n FROM link'), counts.links)
    assert.equal(await count(url, 'SELECT count(*) AS n FROM person WHERE NOT is_demo'), 0)

    const nhs = await ownerQuery<{ nhs_number: string }>(
      url,
      'SELECT nhs_number FROM person WHERE nhs_number IS NOT NULL',
    )
    assert.ok(nhs.length > 200)
    for (const { nhs_number: n } of nhs) {
      assert.match(n, /^999/)
      assert.equal(normaliseNhsNumber(n), n, `check digit of ${n}`)
    }
    assert.equal(new Set(nhs.map((r) => r.nhs_number)).size, nhs.length, 'NHS numbers are unique')
    for (const column of ['la_child_id', 'police_id']) {
      assert.equal(
        await count(
          url,
          `SELECT count(*) - count(DISTINCT ${column}) AS n FROM person WHERE ${column} IS NOT NULL`,
        ),
        0,
      )
    }

    const places = await ownerQuery<{ postcode: string }>(url, 'SELECT postcode FROM location')
    for (const { postcode } of places) assert.equal(normalisePostcode(postcode), postcode)
    const things = await ownerQuery<{ kind: string; value: string; platform: string | null }>(
      url,
      'SELECT kind, value, platform FROM object',
    )
    for (const thing of things) {
      if (thing.kind === 'phone') assert.equal(normalisePhone(thing.value), thing.value)
      if (thing.kind === 'vehicle') assert.equal(normaliseRegistration(thing.value), thing.value)
      if (thing.kind === 'online-handle') assert.ok(thing.platform !== null)
    }

    // Every link's ends exist (the database checks it too), in the same partnership.
    const dangling = await count(
      url,
      `SELECT count(*) AS n FROM link l
        WHERE NOT EXISTS (SELECT 1 FROM person p WHERE p.id = l.from_id AND p.partnership_id = l.partnership_id
                          UNION ALL SELECT 1 FROM location x WHERE x.id = l.from_id
                          UNION ALL SELECT 1 FROM object o WHERE o.id = l.from_id)
           OR NOT EXISTS (SELECT 1 FROM person p WHERE p.id = l.to_id AND p.partnership_id = l.partnership_id
                          UNION ALL SELECT 1 FROM location x WHERE x.id = l.to_id
                          UNION ALL SELECT 1 FROM object o WHERE o.id = l.to_id)`,
    )
    assert.equal(dangling, 0)

    // A line run from a cuckooed flat: adults and children frequent it, its phones are seen there.
    const flats = await ownerQuery<{ adults: string; children: string; phones: string }>(
      url,
      `SELECT (SELECT count(*) FROM link l JOIN person p ON p.id = l.from_id
                WHERE l.to_id = f.subject_id AND l.link_type = 'frequents' AND p.kind = 'adult-of-concern') AS adults,
              (SELECT count(*) FROM link l JOIN person p ON p.id = l.from_id
                WHERE l.to_id = f.subject_id AND l.link_type = 'frequents' AND p.kind = 'child') AS children,
              (SELECT count(*) FROM link l WHERE l.to_id = f.subject_id AND l.link_type = 'object-at') AS phones
         FROM flag f WHERE f.flag_type = 'cuckooed'`,
    )
    assert.ok(flats.length >= 2)
    for (const flat of flats) {
      assert.equal(Number(flat.adults), 3)
      assert.equal(Number(flat.children), 5)
      assert.equal(Number(flat.phones), 2)
    }
    // Peer groups around a park.
    assert.ok(
      (await count(
        url,
        `SELECT count(*) AS n FROM location x WHERE x.kind = 'public-place' AND
           (SELECT count(*) FROM link l WHERE l.to_id = x.id AND l.link_type = 'frequents') >= 3`,
      )) >= 2,
    )
    assert.ok((await count(url, `SELECT count(*) AS n FROM link WHERE link_type = 'in-peer-group-with'`)) > 5)
  })

  it('adds nothing the second time, and the demo social worker sees the children allocated to them', async (t) => {
    const { services, db } = await build(t)
    const first = await services.demo.seedScale('tiny')
    const again = await services.demo.seedScale('tiny')
    assert.equal(again.created, false)
    assert.equal(again.people, first.people)
    assert.ok(
      (await count(db.ownerUrl, 'SELECT count(*) AS n FROM person WHERE allocated_worker_id IS NOT NULL')) >
        6,
    )
  })

  it('is refused into a database with real records, and in production without OPENMACE_DEMO', async (t) => {
    const { services, db } = await build(t)
    await createPartnership(db.database, { isDemo: false })
    await assert.rejects(services.demo.seedScale('tiny'), (e: unknown) => e instanceof DemoRefusedError)
    assert.equal(await count(db.ownerUrl, 'SELECT count(*) AS n FROM person'), 0)

    const fresh = await createTestDatabase(t)
    const production = {
      NODE_ENV: 'production',
      OPENMACE_ALLOW_EMBEDDED: 'true',
      OPENMACE_SESSION_SECRET: 's'.repeat(40),
    }
    const off = await build(t, { db: fresh, env: production })
    await assert.rejects(off.services.demo.seedScale('tiny'), /Demo data is off in production/)
    assert.equal(await count(fresh.ownerUrl, 'SELECT count(*) AS n FROM person'), 0)
  })

  it('openmace demo seed --scale: reports what it wrote; refuses an unknown scale', async (t) => {
    const db = await createTestDatabase(t)
    cliEnvironment(db)
    const bad = await cli(['demo', 'seed', '--scale', 'galaxy'])
    assert.equal(bad.code, 1)
    assert.match(bad.err, /--scale takes county, region or national/)
    const seeded = await cli(['demo', 'seed', '--scale', 'tiny'])
    assert.equal(seeded.code, 0, seeded.err)
    assert.match(
      seeded.out,
      /^Seeded Northshire Safeguarding Partnership at tiny scale in [\d.]+ s: \d+ people/,
    )
    const again = await cli(['demo', 'seed', '--scale', 'tiny'])
    assert.match(again.out, /already holds \d+ people\. Nothing changed\./)
  })
})
