import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { paths } from '../../platform/paths.ts'
import type { TestCtx } from '../../../test/helpers/build.ts'
import { staffWorld } from '../../../test/helpers/scenario.ts'
import { ownerQuery } from '../../../test/helpers/database.ts'
import { createUser, signIn, signInAt } from '../../../test/helpers/sign-in.ts'
import { countRows } from '../../../test/factories/person-factory.ts'
import { bearer, createLocation } from '../../../test/factories/pole-factory.ts'
import { parseLocation } from './location-validation.ts'
import { api, errorFields } from '../../../test/helpers/api.ts'
import { auditEvents } from '../../../test/helpers/audit.ts'

const world = (t: TestCtx) =>
  staffWorld(t, { worker: ['social-worker'], dsl: ['dsl'], practitioner: ['practitioner'] })

const audits = (ownerUrl: string, id: string) =>
  auditEvents(ownerUrl, { recordType: 'location', recordId: id })

const ADDRESS = {
  kind: 'address',
  name: '',
  addressLine1: '14 Canal Walk',
  addressLine2: 'Flat 3',
  town: 'Northshire',
  postcode: ' ns1  4ab ',
  latitude: '52.6309',
  longitude: '-1.1398',
  description: 'Reported as used by older males',
}

describe('location validation', () => {
  it('normalises the postcode and keeps six decimal places of coordinates', () => {
    const parsed = parseLocation(ADDRESS)
    assert.equal(parsed.postcode, 'NS1 4AB')
    assert.equal(parsed.latitude, '52.630900')
    assert.equal(parsed.name, null)
  })

  it('says what is wrong with each field', () => {
    assert.throws(
      () => parseLocation({ kind: 'premises', postcode: 'NS1', latitude: '91', longitude: '0' }),
      (error: { fieldErrors: Array<{ field: string; message: string }> }) => {
        assert.deepEqual(
          error.fieldErrors.map((e) => e.field),
          ['name', 'postcode', 'latitude'],
        )
        return true
      },
    )
    assert.throws(
      () => parseLocation({ kind: 'public-place', name: 'Park', latitude: '52.1' }),
      /both latitude/,
    )
    assert.throws(() => parseLocation({ kind: 'house' }), /Select whether/)
  })
})

describe('location pages', () => {
  it('records an address with its postcode normalised, shows it, and audits the change and the read', async (t) => {
    const w = await world(t)
    const agent = await signIn(w.app, w.worker)
    const res = await agent.submit(paths.locations.new, ADDRESS)
    assert.equal(res.statusCode, 303)
    const id = String(res.headers.location).split('/').pop() ?? ''
    assert.equal(res.headers.location, paths.locations.show(id))
    const page = await agent.get(paths.locations.show(id))
    assert.equal(page.statusCode, 200)
    assert.match(page.body, /14 Canal Walk/)
    assert.match(page.body, /NS1 4AB/)
    assert.match(page.body, /52\.630900, -1\.139800/)
    assert.equal(page.headers['cache-control'], 'no-store')
    assert.deepEqual(
      (await audits(w.db.ownerUrl, id)).map((a) => [a.action, a.actor_id, a.details.via]),
      [
        ['record.create', w.worker.id, 'page'],
        ['record.read', w.worker.id, 'page'],
      ],
    )
  })

  it('a malformed postcode or coordinates out of range: messages on the fields, input kept, nothing written', async (t) => {
    const w = await world(t)
    const agent = await signIn(w.app, w.worker)
    const res = await agent.submit(paths.locations.new, { ...ADDRESS, postcode: 'NS1 4A', latitude: '95' })
    assert.equal(res.statusCode, 400)
    assert.match(res.body, /Enter a real postcode, like NS1 4AB/)
    assert.match(res.body, /Latitude must be a number from -90 to 90/)
    assert.match(res.body, /href="#postcode"/)
    assert.match(res.body, /value="14 Canal Walk"/)
    assert.match(res.body, /value="NS1 4A"/)
    assert.equal(await countRows(w.db.ownerUrl, 'location'), 0)
    assert.equal(await countRows(w.db.ownerUrl, 'audit_event', `action = 'record.create'`), 0)
  })

  it('edits with the version it was loaded at; a stale form answers 409 with the input kept and nothing changed', async (t) => {
    const w = await world(t)
    // Recorded by the worker's agency: theirs to read and change (decideThing).
    const place = await createLocation(w.db.database, w.worker.partnershipId, { createdBy: w.worker.id })
    const { agent, page: form } = await signInAt(w.app, w.worker, paths.locations.edit(place.id))
    assert.match(form.body, /name="version" value="1"/)
    const saved = await agent.post(paths.locations.edit(place.id), {
      ...ADDRESS,
      addressLine1: '16 Canal Walk',
      version: '1',
    })
    assert.equal(saved.statusCode, 303)
    await agent.get(paths.locations.edit(place.id))
    const stale = await agent.post(paths.locations.edit(place.id), {
      ...ADDRESS,
      addressLine1: '18 Canal Walk',
      version: '1',
    })
    assert.equal(stale.statusCode, 409)
    assert.match(stale.body, /Someone else changed this record/)
    assert.match(stale.body, /value="18 Canal Walk"/)
    assert.match(stale.body, /name="version" value="2"/, 'the form now carries the current version')
    const [row] = await ownerQuery<{ address_line_1: string; version: number; postcode: string }>(
      w.db.ownerUrl,
      'SELECT address_line_1, version, postcode FROM location WHERE id = $1',
      [place.id],
    )
    assert.deepEqual(row, { address_line_1: '16 Canal Walk', version: 2, postcode: 'NS1 4AB' })
    const updates = (await audits(w.db.ownerUrl, place.id)).filter((a) => a.action === 'record.update')
    assert.equal(updates.length, 1)
  })

  it('a role without link:write gets 403 on the forms; without person:read 403 on the page; audited', async (t) => {
    const w = await world(t)
    const place = await createLocation(w.db.database, w.worker.partnershipId, { createdBy: w.worker.id })
    const dsl = await signIn(w.app, w.dsl)
    assert.equal((await dsl.get(paths.locations.new)).statusCode, 403)
    assert.equal((await dsl.get(paths.locations.edit(place.id))).statusCode, 403)
    assert.equal(
      (await dsl.get(paths.locations.show(place.id))).statusCode,
      200,
      'a reader may read their agency’s',
    )
    const practitioner = await signIn(w.app, w.practitioner)
    assert.equal((await practitioner.get(paths.locations.show(place.id))).statusCode, 403)
    assert.equal(
      await countRows(w.db.ownerUrl, 'audit_event', `action = 'access.denied' AND actor_id = $1`, [w.dsl.id]),
      2,
    )
  })

  it('a location of another partnership, or none, is a 404 with the denial audited', async (t) => {
    const w = await world(t)
    const elsewhere = await createUser(w.db, w.services, { roles: ['social-worker'] })
    const theirs = await createLocation(w.db.database, elsewhere.partnershipId)
    const agent = await signIn(w.app, w.worker)
    const res = await agent.get(paths.locations.show(theirs.id))
    assert.equal(res.statusCode, 404)
    assert.doesNotMatch(res.body, new RegExp(theirs.addressLine1))
    const edit = await agent.submit(paths.locations.new, ADDRESS)
    assert.equal(edit.statusCode, 303)
    await agent.get(paths.home)
    const foreign = await agent.post(paths.locations.edit(theirs.id), { ...ADDRESS, version: '1' })
    assert.equal(foreign.statusCode, 404)
    const denials = await audits(w.db.ownerUrl, theirs.id)
    assert.deepEqual(
      denials.map((a) => a.action),
      ['access.denied', 'access.denied'],
    )
  })
})

describe('the locations API', () => {
  it('creates (201, postcode normalised), reads and updates; stale version 409; bad postcode 400 on the field', async (t) => {
    const w = await world(t)
    const auth = await bearer(w.db, w.worker.email, ['link:write', 'person:read'])
    const created = await api(w.app, auth).post(paths.api.locations(), {
      kind: 'premises',
      name: 'Station Road Chicken',
      postcode: 'ns14ab',
      latitude: 52.5,
      longitude: -1.25,
    })
    assert.equal(created.statusCode, 201, created.body)
    const { location } = created.json<{
      location: { id: string; postcode: string; latitude: string; version: number }
    }>()
    assert.equal(location.postcode, 'NS1 4AB')
    assert.equal(location.latitude, '52.500000')
    assert.deepEqual(
      (await audits(w.db.ownerUrl, location.id)).map((a) => [a.action, a.details.via]),
      [['record.create', 'api']],
    )
    const got = await api(w.app, auth).get(`${paths.api.locations()}/${location.id}`)
    assert.equal(got.statusCode, 200)
    const put = (version: number, postcode = 'NS2 5DE') =>
      api(w.app, auth).put(`${paths.api.locations()}/${location.id}`, {
        kind: 'premises',
        name: 'Station Road Chicken',
        postcode,
        version,
      })
    const updated = await put(1)
    assert.equal(updated.statusCode, 200)
    assert.equal(
      updated.json<{ location: { postcode: string; latitude: null; version: number } }>().location.version,
      2,
    )
    const stale = await put(1, 'NS3 6FG')
    assert.equal(stale.statusCode, 409)
    assert.match(String(stale.headers['content-type']), /problem\+json/)
    const bad = await put(2, 'not a postcode')
    assert.equal(bad.statusCode, 400)
    assert.deepEqual(errorFields(bad), ['postcode'])
    const [row] = await ownerQuery<{ postcode: string; version: number }>(
      w.db.ownerUrl,
      'SELECT postcode, version FROM location WHERE id = $1',
      [location.id],
    )
    assert.deepEqual(row, { postcode: 'NS2 5DE', version: 2 })
  })

  it('a token without link:write gets 403 and writes nothing; an unknown id is 404', async (t) => {
    const w = await world(t)
    const auth = await bearer(w.db, w.worker.email, ['person:read'])
    const res = await api(w.app, auth).post(paths.api.locations(), {
      kind: 'address',
      addressLine1: '1 High Street',
    })
    assert.equal(res.statusCode, 403)
    assert.equal(await countRows(w.db.ownerUrl, 'location'), 0)
    const missing = await api(w.app, auth).get(
      `${paths.api.locations()}/00000000-0000-4000-8000-000000000000`,
    )
    assert.equal(missing.statusCode, 404)
  })
})
