import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { paths } from '../../platform/paths.ts'
import type { TestCtx } from '../../../test/helpers/build.ts'
import { ownerQuery } from '../../../test/helpers/database.ts'
import { createUser, signIn } from '../../../test/helpers/sign-in.ts'
import { countRows, createPerson, joinTeam } from '../../../test/factories/person-factory.ts'
import { allocatedChildWorld } from '../../../test/factories/team-factory.ts'
import { addFlag, addStatus, linkPeople } from '../../../test/factories/pole-links-factory.ts'

/** A child allocated to a social worker, with a status, a flag and a link to another child. */
async function world(t: TestCtx) {
  const w = await allocatedChildWorld(t, { others: { stranger: ['social-worker'], dpo: ['dpo'] } })
  const { db, worker, teamId, child } = w
  const friend = await createPerson(db.database, worker.partnershipId, { allocatedTeamId: teamId })
  await addStatus(db.ownerUrl, child)
  await addFlag(db.ownerUrl, child, worker.id)
  await linkPeople(db.ownerUrl, child, friend.id)
  return { ...w, friend }
}

const reads = (ownerUrl: string, personId: string) =>
  ownerQuery<{ actor_id: string; details: Record<string, unknown> }>(
    ownerUrl,
    `SELECT actor_id, details FROM audit_event WHERE action = 'record.read' AND record_type = 'person'
        AND record_id = $1 ORDER BY id`,
    [personId],
  )

/** The sub-navigation's sections, in order, and the one marked current. */
function sections(html: string): { keys: string[]; current: string | undefined } {
  const links = [...html.matchAll(/<a class="moj-sub-navigation__link"([^>]*)>/g)].map((m) => m[1] ?? '')
  const keyOf = (attrs: string) => /data-testid="section-([a-z]+)"/.exec(attrs)?.[1] ?? ''
  return {
    keys: links.map(keyOf),
    current: links.filter((a) => a.includes('aria-current="page"')).map(keyOf)[0],
  }
}

describe('the child’s record as a hub', () => {
  it('the overview shows the identity bar (name, age, status, worker, flags) and the sections the reader may open', async (t) => {
    const w = await world(t)
    const page = await (await signIn(w.app, w.worker)).get(paths.people.show(w.child.id))
    assert.equal(page.statusCode, 200)
    const bar = /<div class="moj-identity-bar[\s\S]*?<\/div>\s*<\/div>\s*<\/div>/.exec(page.body)?.[0] ?? ''
    assert.match(bar, new RegExp(`${w.child.givenName} ${w.child.familyName ?? ''}`))
    assert.match(bar, /Age: \d+|Age: not known/)
    assert.match(bar, /Statutory status: Child in need/i)
    assert.match(bar, new RegExp(`Allocated worker: ${w.worker.displayName}`))
    assert.match(bar, /Child criminal exploitation/)
    assert.deepEqual(sections(page.body), {
      keys: ['overview', 'chronology', 'links', 'views'],
      current: 'overview',
    })
    // The overview keeps a short summary of the links and sends the reader to the links page for the rest.
    assert.match(page.body, /data-testid="person-links"/)
    assert.match(page.body, new RegExp(`href="${paths.people.links(w.child.id)}"`))
    assert.match(page.body, new RegExp(w.friend.givenName))
  })

  it('offers "Views" only to a reader with record-views:read', async (t) => {
    const w = await world(t)
    const chair = await createUser(w.db, w.services, { roles: ['mace-chair'], partnershipOf: w.worker })
    await joinTeam(w.db.ownerUrl, chair.id, w.teamId)
    const page = await (await signIn(w.app, chair)).get(paths.people.show(w.child.id))
    assert.equal(page.statusCode, 200)
    assert.deepEqual(sections(page.body).keys, ['overview', 'chronology', 'links'])
    assert.doesNotMatch(page.body, new RegExp(`href="${paths.people.views(w.child.id)}"`))
  })

  it('the links page lists the links with the hub, audited as a read of the record and of each other end', async (t) => {
    const w = await world(t)
    const page = await (await signIn(w.app, w.worker)).get(paths.people.links(w.child.id))
    assert.equal(page.statusCode, 200)
    assert.match(page.body, /data-testid="person-links"/)
    assert.match(page.body, /Associate of/)
    assert.match(page.body, new RegExp(w.friend.givenName))
    assert.equal(sections(page.body).current, 'links')
    assert.deepEqual(
      (await reads(w.db.ownerUrl, w.child.id)).map((r) => [r.actor_id, r.details.via]),
      [[w.worker.id, 'links']],
    )
    assert.equal((await reads(w.db.ownerUrl, w.friend.id)).length, 1, 'the other end shown is audited')
  })

  it('the links page is the record’s 404 (with the denial audited) for a reader without a relationship', async (t) => {
    const w = await world(t)
    const agent = await signIn(w.app, w.stranger)
    const denied = await agent.get(paths.people.links(w.child.id))
    assert.equal(denied.statusCode, 404)
    assert.doesNotMatch(denied.body, new RegExp(w.child.givenName))
    assert.equal((await agent.get(paths.people.links('not-an-id'))).statusCode, 404)
    assert.equal(
      await countRows(w.db.ownerUrl, 'audit_event', `action = 'access.denied' AND actor_id = $1`, [
        w.stranger.id,
      ]),
      1,
    )
    assert.equal(await countRows(w.db.ownerUrl, 'audit_event', `action = 'record.read'`), 0)
  })

  it('the views page is a section of the record for its reader, and the trail alone for the DPO; never a read', async (t) => {
    const w = await world(t)
    const worker = await (await signIn(w.app, w.worker)).get(paths.people.views(w.child.id))
    assert.equal(worker.statusCode, 200)
    assert.match(worker.body, /moj-identity-bar/)
    assert.equal(sections(worker.body).current, 'views')
    const dpo = await (await signIn(w.app, w.dpo)).get(paths.people.views(w.child.id))
    assert.equal(dpo.statusCode, 200)
    assert.doesNotMatch(dpo.body, /moj-identity-bar|moj-sub-navigation/)
    assert.doesNotMatch(dpo.body, new RegExp(w.child.givenName))
    assert.equal(await countRows(w.db.ownerUrl, 'audit_event', `action = 'record.read'`), 0)
    assert.equal(await countRows(w.db.ownerUrl, 'audit_event', `action = 'record.read-views'`), 2)
  })

  it('the hub works without JavaScript: its sections are plain links, and the page has one h1', async (t) => {
    const w = await world(t)
    const page = await (await signIn(w.app, w.worker)).get(paths.people.show(w.child.id))
    assert.equal([...page.body.matchAll(/<h1[\s>]/g)].length, 1)
    for (const href of [paths.people.chronology(w.child.id), paths.people.links(w.child.id)]) {
      assert.match(page.body, new RegExp(`<a class="moj-sub-navigation__link"\\s*href="${href}"`))
    }
  })
})
