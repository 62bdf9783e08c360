import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { paths } from '../../platform/paths.ts'
import type { TestCtx } from '../../../test/helpers/build.ts'
import { staffWorld } from '../../../test/helpers/scenario.ts'
import { ownerQuery } from '../../../test/helpers/database.ts'
import { signIn } from '../../../test/helpers/sign-in.ts'
import { countRows } from '../../../test/factories/person-factory.ts'
import { bearer, createObject } from '../../../test/factories/pole-factory.ts'
import { displayValue, parseObject } from './object-validation.ts'
import { api, errorFields } from '../../../test/helpers/api.ts'
import { auditEvents } from '../../../test/helpers/audit.ts'

const world = (t: TestCtx) => staffWorld(t, { officer: ['police-intelligence'], dsl: ['dsl'] })

const objectAudits = (ownerUrl: string, id: string) =>
  auditEvents(ownerUrl, { recordType: 'object', recordId: id })

describe('object validation', () => {
  it('normalises phones to E.164, registrations to compact upper case, handles without @ in lower case', () => {
    assert.equal(parseObject({ kind: 'phone', value: '0113 496 0123' }).value, '+441134960123')
    assert.equal(parseObject({ kind: 'phone', value: '+33 6 12 34 56 78' }).value, '+33612345678')
    assert.equal(parseObject({ kind: 'vehicle', value: 'ab12 cde' }).value, 'AB12CDE')
    const handle = parseObject({ kind: 'online-handle', value: '@Lil.Dee', platform: ' Snapchat ' })
    assert.deepEqual([handle.value, handle.platform], ['lil.dee', 'Snapchat'])
    assert.equal(displayValue('phone', '+441134960123'), '0113 496 0123')
    assert.equal(displayValue('vehicle', 'AB12CDE'), 'AB12 CDE')
  })

  it('refuses a malformed phone or registration, and a handle without a platform', () => {
    assert.throws(() => parseObject({ kind: 'phone', value: '0113 496' }), /Enter a real phone number/)
    assert.throws(() => parseObject({ kind: 'phone', value: 'call me' }), /Enter a real phone number/)
    assert.throws(() => parseObject({ kind: 'vehicle', value: 'WWW 12345 Z' }), /Enter a UK registration/)
    assert.throws(() => parseObject({ kind: 'online-handle', value: 'dee' }), /Enter the platform/)
    assert.throws(() => parseObject({ kind: 'other', value: '' }), /Enter what it is/)
  })
})

describe('object pages', () => {
  it('records a phone in E.164, shows it as written in the UK, and audits the change and the read', async (t) => {
    const w = await world(t)
    const agent = await signIn(w.app, w.officer)
    const res = await agent.submit(paths.objects.new, {
      kind: 'phone',
      phone: '0113 496 0123',
      description: 'Deal line advertised by text',
    })
    assert.equal(res.statusCode, 303)
    const id = String(res.headers.location).split('/').pop() ?? ''
    const [row] = await ownerQuery<{ value: string }>(
      w.db.ownerUrl,
      'SELECT value FROM object WHERE id = $1',
      [id],
    )
    assert.equal(row?.value, '+441134960123')
    const page = await agent.get(paths.objects.show(id))
    assert.equal(page.statusCode, 200)
    assert.match(page.body, /0113 496 0123/)
    assert.match(page.body, /\+441134960123/)
    assert.deepEqual(
      (await objectAudits(w.db.ownerUrl, id)).map((a) => a.action),
      ['record.create', 'record.read'],
    )
  })

  it('asks what it is first, then shows the input for that kind only', async (t) => {
    const w = await world(t)
    const agent = await signIn(w.app, w.officer)
    const first = await agent.get(paths.objects.new)
    assert.match(first.body, /<form method="get"/)
    assert.match(first.body, /value="online-handle"/)
    const handle = await agent.get(`${paths.objects.new}?kind=online-handle`)
    assert.match(handle.body, /name="platform"/)
    assert.match(handle.body, /name="handle"/)
    assert.doesNotMatch(handle.body, /name="phone"/)
    const none = await agent.post(paths.objects.new, { phone: '0113 496 0123' })
    assert.equal(none.statusCode, 400)
    assert.match(none.body, /Select whether this is a phone/)
  })

  it('a malformed phone: the message on the phone field, input kept, nothing written', async (t) => {
    const w = await world(t)
    const agent = await signIn(w.app, w.officer)
    const res = await agent.submit(paths.objects.new, { kind: 'phone', phone: '07700 9001' })
    assert.equal(res.statusCode, 400)
    assert.match(res.body, /href="#phone"/)
    assert.match(res.body, /Enter a real phone number/)
    assert.match(res.body, /value="07700 9001"/)
    assert.equal(await countRows(w.db.ownerUrl, 'object'), 0)
  })

  it('the same phone, vehicle or handle written another way is refused on the field; nothing written', async (t) => {
    const w = await world(t)
    await createObject(w.db.database, w.officer.partnershipId, { kind: 'phone', value: '+441134960123' })
    await createObject(w.db.database, w.officer.partnershipId, { kind: 'vehicle', value: 'AB12CDE' })
    await createObject(w.db.database, w.officer.partnershipId, {
      kind: 'online-handle',
      value: 'lil.dee',
      platform: 'snapchat',
    })
    const agent = await signIn(w.app, w.officer)
    const phone = await agent.submit(paths.objects.new, { kind: 'phone', phone: '+44 113 496 0123' })
    assert.equal(phone.statusCode, 400)
    assert.match(phone.body, /This phone number is already recorded/)
    const car = await agent.submit(paths.objects.new, { kind: 'vehicle', registration: 'ab12-cde' })
    assert.match(car.body, /This registration is already recorded/)
    assert.match(car.body, /href="#registration"/)
    const handle = await agent.submit(paths.objects.new, {
      kind: 'online-handle',
      handle: '@Lil.Dee',
      platform: 'Snapchat',
    })
    assert.match(handle.body, /This handle on Snapchat is already recorded/)
    assert.equal(await countRows(w.db.ownerUrl, 'object'), 3)
    // The same handle on another platform is another object.
    const other = await agent.submit(paths.objects.new, {
      kind: 'online-handle',
      handle: 'lil.dee',
      platform: 'Instagram',
    })
    assert.equal(other.statusCode, 303)
  })

  it('edits keep the kind; a stale version is 409 with the input kept; an edit onto another record’s value is refused', async (t) => {
    const w = await world(t)
    const car = await createObject(w.db.database, w.officer.partnershipId, {
      kind: 'vehicle',
      value: 'AB12CDE',
    })
    await createObject(w.db.database, w.officer.partnershipId, { kind: 'vehicle', value: 'XY65ZZZ' })
    const agent = await signIn(w.app, w.officer)
    const form = await agent.get(paths.objects.edit(car.id))
    assert.match(form.body, /value="AB12 CDE"/)
    /** Posts the car's edit form at version 1 (the page last loaded). */
    const edit = (fields: Record<string, string>) =>
      agent.post(paths.objects.edit(car.id), { kind: 'vehicle', ...fields, version: '1' })
    const clash = await edit({ registration: 'xy65 zzz' })
    assert.equal(clash.statusCode, 400)
    assert.match(clash.body, /This registration is already recorded/)
    const saved = await edit({ registration: 'AB12 CDF', description: 'Silver hatchback' })
    assert.equal(saved.statusCode, 303)
    await agent.get(paths.objects.edit(car.id))
    const stale = await edit({ registration: 'AB12 CDG' })
    assert.equal(stale.statusCode, 409)
    assert.match(stale.body, /Someone else changed this record/)
    assert.match(stale.body, /value="AB12 CDG"/)
    const [row] = await ownerQuery<{ value: string; version: number }>(
      w.db.ownerUrl,
      'SELECT value, version FROM object WHERE id = $1',
      [car.id],
    )
    assert.deepEqual(row, { value: 'AB12CDF', version: 2 })
  })

  it('a DSL may read an object their agency recorded but not record one (403, audited)', async (t) => {
    const w = await world(t)
    const phone = await createObject(w.db.database, w.officer.partnershipId, { createdBy: w.officer.id })
    const agent = await signIn(w.app, w.dsl)
    assert.equal((await agent.get(paths.objects.show(phone.id))).statusCode, 200)
    assert.equal((await agent.get(paths.objects.new)).statusCode, 403)
    await agent.get(paths.home)
    assert.equal(
      (await agent.post(paths.objects.new, { kind: 'phone', phone: '0113 496 0999' })).statusCode,
      403,
    )
    assert.equal(await countRows(w.db.ownerUrl, 'object'), 1)
    assert.equal(
      await countRows(w.db.ownerUrl, 'audit_event', `action = 'access.denied' AND actor_id = $1`, [w.dsl.id]),
      2,
    )
  })
})

describe('the objects API', () => {
  it('creates a vehicle (201), refuses a duplicate and a malformed phone (400 on value), 409 on a stale edit', async (t) => {
    const w = await world(t)
    const auth = await bearer(w.db, w.officer.email, ['link:write', 'person:read'])
    const post = (payload: Record<string, unknown>) => api(w.app, auth).post(paths.api.objects(), payload)
    const created = await post({ kind: 'vehicle', value: 'ab12 cde' })
    assert.equal(created.statusCode, 201, created.body)
    const { object } = created.json<{ object: { id: string; value: string; displayValue: string } }>()
    assert.deepEqual([object.value, object.displayValue], ['AB12CDE', 'AB12 CDE'])
    const again = await post({ kind: 'vehicle', value: 'AB12CDE' })
    assert.equal(again.statusCode, 400)
    assert.match(again.body, /already recorded/)
    const badPhone = await post({ kind: 'phone', value: '12345' })
    assert.equal(badPhone.statusCode, 400)
    assert.deepEqual(errorFields(badPhone), ['value'])
    assert.equal(await countRows(w.db.ownerUrl, 'object'), 1)
    const put = (version: number) =>
      api(w.app, auth).put(`${paths.api.objects()}/${object.id}`, { value: 'AB12 CDF', version })
    assert.equal((await put(1)).statusCode, 200)
    const stale = await put(1)
    assert.equal(stale.statusCode, 409)
    const got = await api(w.app, auth).get(`${paths.api.objects()}/${object.id}`)
    assert.equal(got.json<{ object: { version: number } }>().object.version, 2)
  })
})
