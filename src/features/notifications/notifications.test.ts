import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { paths } from '../../platform/paths.ts'
import type { TestCtx } from '../../../test/helpers/build.ts'
import { createUser, signIn, signInAt } from '../../../test/helpers/sign-in.ts'
import { countRows } from '../../../test/factories/person-factory.ts'
import { bearer } from '../../../test/factories/pole-factory.ts'
import { actorFor, createReferral, CTX, referralWorld } from '../../../test/factories/referral-factory.ts'
import { api, errorFields } from '../../../test/helpers/api.ts'
import { dateInputs } from '../../../test/helpers/forms.ts'

async function world(t: TestCtx) {
  const w = await referralWorld(t)
  const referral = await createReferral(w.services, w.db.database, w.referrer, w.child.id)
  return { ...w, referral }
}

const FORM = {
  reason: 'found-in',
  localAuthority: 'Northshire County Council',
  policeForce: 'Northshire Police',
  content: 'Found at a trap house in your area on Friday night; referral made to our front door.',
}

describe('cross-authority notifications', () => {
  it('a notification without authority, force or content: field messages, input kept, nothing written', async (t) => {
    const w = await world(t)
    const { agent } = await signInAt(w.app, w.frontDoor, paths.referrals.notify(w.referral.id))
    const res = await agent.post(paths.referrals.notify(w.referral.id), {
      reason: 'moved-to',
      localAuthority: ' ',
      policeForce: '',
      content: 'Kept text',
    })
    assert.equal(res.statusCode, 400)
    assert.match(res.body, /govuk-error-summary/)
    assert.match(res.body, /Enter the local authority/)
    assert.match(res.body, /Enter the police force/)
    assert.match(res.body, /Kept text/)
    assert.match(res.body, /value="moved-to" checked/)
    assert.equal(await countRows(w.db.ownerUrl, 'cross_authority_notification'), 0)
    const empty = await agent.post(paths.referrals.notify(w.referral.id), {})
    assert.equal(empty.statusCode, 400)
    assert.match(empty.body, /Select why the other authority needs to know/)
    assert.match(empty.body, /Enter what was sent/)
  })

  it('records what was sent, when and by whom; lists it as outstanding oldest first; records the acknowledgement', async (t) => {
    const w = await world(t)
    const agent = await signIn(w.app, w.frontDoor)
    await agent.get(paths.referrals.notify(w.referral.id))
    const sent = await agent.post(paths.referrals.notify(w.referral.id), FORM)
    assert.equal(sent.statusCode, 303)
    assert.equal(sent.headers.location, paths.referrals.show(w.referral.id))
    const page = await agent.get(paths.referrals.show(w.referral.id))
    assert.match(page.body, /Northshire County Council, Northshire Police/)
    assert.match(page.body, /Not yet acknowledged/)
    const list = await agent.get(paths.notifications.outstanding)
    assert.equal(list.statusCode, 200)
    assert.match(list.body, /Northshire County Council/)
    const id = /\/notifications\/([0-9a-f-]{36})\/acknowledge/.exec(list.body)?.[1] ?? ''
    const form = await agent.get(paths.notifications.acknowledge(id))
    assert.equal(form.statusCode, 200)
    const bad = await agent.post(paths.notifications.acknowledge(id), {
      acknowledgedBy: '',
      ...dateInputs('acknowledgedOn', '31', '2', '2026'),
      version: '1',
    })
    assert.equal(bad.statusCode, 400)
    assert.match(bad.body, /Enter who acknowledged it/)
    assert.match(bad.body, /Enter a real date/)
    assert.equal(
      await countRows(w.db.ownerUrl, 'cross_authority_notification', 'acknowledged_at IS NOT NULL'),
      0,
    )
    const ok = await agent.post(paths.notifications.acknowledge(id), {
      acknowledgedBy: 'A. Duty, Northshire MASH',
      version: '1',
    })
    assert.equal(ok.statusCode, 303)
    const after = await agent.get(paths.notifications.outstanding)
    assert.match(after.body, /Every notification has been acknowledged/)
    const again = await agent.post(paths.notifications.acknowledge(id), {
      acknowledgedBy: 'Again',
      version: '2',
    })
    assert.equal(again.statusCode, 409)
    const audits = await countRows(
      w.db.ownerUrl,
      'audit_event',
      `record_type = 'cross-authority-notification' AND action IN ('record.create', 'record.update')`,
    )
    assert.equal(audits, 2)
  })

  it('the API: record, list outstanding, acknowledge; bad input is problem+json; others cannot', async (t) => {
    const w = await world(t)
    const fd = await bearer(w.db, w.frontDoor.email, ['referral:queue', 'referral:decide'])
    const bad = await api(w.app, fd).post(paths.api.referralNotifications(w.referral.id), {
      ...FORM,
      policeForce: ' ',
    })
    assert.equal(bad.statusCode, 400)
    assert.deepEqual(errorFields(bad), ['policeForce'])
    const made = await api(w.app, fd).post(paths.api.referralNotifications(w.referral.id), FORM)
    assert.equal(made.statusCode, 201)
    const id = made.json<{ notification: { id: string } }>().notification.id
    const outstanding = await api(w.app, fd).get(paths.api.notifications())
    assert.deepEqual(
      outstanding.json<{ notifications: Array<{ id: string }> }>().notifications.map((n) => n.id),
      [id],
    )
    const ack = await api(w.app, fd).post(paths.api.notificationAcknowledge(id), {
      acknowledgedBy: 'Duty sergeant',
      version: 1,
    })
    assert.equal(ack.statusCode, 200)
    assert.equal(ack.json<{ notification: { acknowledged: boolean } }>().notification.acknowledged, true)
    const practitioner = await bearer(w.db, w.referrer.email, ['referral:create', 'referral:read-own'])
    const refused = await api(w.app, practitioner).post(paths.api.referralNotifications(w.referral.id), FORM)
    assert.equal(refused.statusCode, 403)
    const stranger = await createUser(w.db, w.services, { roles: ['front-door'] })
    await assert.rejects(
      w.services.notifications.send(actorFor(stranger, ['front-door']), w.referral.id, FORM, CTX),
      { name: 'NotFoundError' },
    )
    assert.equal(await countRows(w.db.ownerUrl, 'cross_authority_notification'), 1)
  })
})
