import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { build } from '../../../test/helpers/build.ts'
import { staffWorld } from '../../../test/helpers/scenario.ts'
import { ownerQuery } from '../../../test/helpers/database.ts'
import { actorFor, CTX } from '../../../test/factories/referral-factory.ts'
import type { EntityKind } from '../../db/schema.ts'
import { paths } from '../../platform/paths.ts'
import { signIn } from '../../../test/helpers/sign-in.ts'
import { api } from '../../../test/helpers/api.ts'
import { bearer, createObject } from '../../../test/factories/pole-factory.ts'
import { QUEUE_SIZE } from './suggestion-service.ts'
import type { Actor } from '../../platform/access/policy.ts'
import type { PersonInput } from '../people/person-validation.ts'
import { withTransaction } from '../../db/database.ts'
import { rlsContextOf } from '../../platform/access/actor.ts'

type Ctx = Parameters<typeof build>[0]
type Built = Awaited<ReturnType<typeof build>>

/** The pending suggestions as they stand: each pair with its kind, score and evidence fingerprint, in one order. */
const pendingOf = async (db: Built['db']) =>
  (
    await ownerQuery<{ kind: string; a_id: string; b_id: string; score: string; fingerprint: string }>(
      db.ownerUrl,
      `SELECT kind, a_id, b_id, score::text, fingerprint FROM link_suggestion WHERE status = 'pending'`,
    )
  )
    .map((r) => `${r.kind} ${r.a_id} ${r.b_id} ${r.score} ${r.fingerprint}`)
    .sort()

const supersedeAll = (db: Built['db']) =>
  ownerQuery(db.ownerUrl, `UPDATE link_suggestion SET status = 'superseded' WHERE status = 'pending'`)

describe('the set-based rebuild', () => {
  it('gives the very suggestions refreshFor on every record gives, on the demo', async (t) => {
    const { services, db } = await build(t)
    await services.demo.seed()
    const [partnership] = await ownerQuery<{ id: string }>(
      db.ownerUrl,
      `SELECT id FROM partnership WHERE code = 'northshire'`,
    )
    const partnershipId = partnership?.id ?? ''
    // As the demo's services left them (refreshFor after each record it recorded).
    const incremental = await pendingOf(db)
    assert.equal(incremental.length, 3)

    await supersedeAll(db)
    const progress: Array<[number, number]> = []
    const result = await services.suggestions.rebuild(partnershipId, (done, total) =>
      progress.push([done, total]),
    )
    assert.equal(result.pending, 3)
    assert.deepEqual(await pendingOf(db), incremental)
    assert.deepEqual(progress.at(-1), [result.records, result.records])
    assert.ok(result.records > 20, String(result.records))

    // And the other way: every record refreshed one by one from nothing gives the rebuild's.
    await supersedeAll(db)
    const [user] = await ownerQuery<{ id: string; agency_id: string }>(
      db.ownerUrl,
      `SELECT id, agency_id FROM app_user WHERE partnership_id = $1 ORDER BY email LIMIT 1`,
      [partnershipId],
    )
    const actor: Actor = {
      userId: user?.id ?? '',
      partnershipId,
      agencyId: user?.agency_id ?? '',
      teamIds: [],
      managedTeamIds: [],
      roles: ['police-intelligence'],
    }
    for (const kind of ['object', 'location', 'person'] as const satisfies EntityKind[]) {
      const ids = await ownerQuery<{ id: string }>(
        db.ownerUrl,
        `SELECT id FROM ${kind} WHERE partnership_id = $1 ${kind === 'person' ? 'AND merged_into_id IS NULL' : ''}`,
        [partnershipId],
      )
      for (const { id } of ids) await services.suggestions.refreshFor(actor, kind, id)
    }
    assert.deepEqual(await pendingOf(db), incremental)

    // A second rebuild changes nothing, and a rejected pair stays rejected.
    const [first] = await ownerQuery<{ id: string }>(
      db.ownerUrl,
      `SELECT id FROM link_suggestion WHERE status = 'pending' ORDER BY a_id LIMIT 1`,
    )
    await ownerQuery(
      db.ownerUrl,
      `UPDATE link_suggestion SET status = 'rejected', reject_reason = 'Different people', decided_by = $2,
              decided_at = now() WHERE id = $1`,
      [first?.id ?? '', user?.id ?? ''],
    )
    const again = await services.suggestions.rebuild(partnershipId)
    assert.equal(again.pending, 2)
  })
})

describe('a failure working out suggestions after a save', () => {
  const world = (t: Ctx) => staffWorld(t, { officer: ['police-intelligence'], frontDoor: ['front-door'] })

  it('does not fail the save: the record is kept as due, and the retry works it out', async (t) => {
    const w = await world(t)
    const officer = actorFor(w.officer, ['police-intelligence'])
    const frontDoor = actorFor(w.frontDoor, ['front-door'])
    await w.services.objects.create(
      officer,
      { kind: 'phone', value: '07700 900123', description: 'Deal line' },
      CTX,
    )
    // The database refuses the suggestions' table to the app for a while: working out suggestions fails.
    await ownerQuery(w.db.ownerUrl, 'REVOKE SELECT, INSERT, UPDATE ON link_suggestion FROM openmace_runtime')
    const saved = await w.services.objects.create(
      frontDoor,
      { kind: 'other', value: '+44 7700 900123', description: 'On a bag' },
      CTX,
    )
    const [object] = await ownerQuery<{ id: string }>(w.db.ownerUrl, 'SELECT id FROM object WHERE id = $1', [
      saved.id,
    ])
    assert.equal(object?.id, saved.id)
    const due = await ownerQuery<{ kind: string; record_id: string; attempts: number; error: string }>(
      w.db.ownerUrl,
      'SELECT kind, record_id, attempts, error FROM suggestion_refresh_due',
    )
    const [first] = due
    assert.equal(due.length, 1)
    assert.equal(first?.kind, 'object')
    assert.equal(first.record_id, saved.id)
    assert.match(first.error, /permission denied/)

    // Still refused: the retry counts another attempt and says why.
    const failing = await w.services.suggestions.retryDue(w.officer.partnershipId)
    assert.deepEqual({ tried: failing.tried, failed: failing.failed }, { tried: 1, failed: 1 })
    assert.match(failing.lastError ?? '', /permission denied/)
    const [counted] = await ownerQuery<{ attempts: number }>(
      w.db.ownerUrl,
      'SELECT attempts FROM suggestion_refresh_due',
    )
    assert.equal(counted?.attempts, 2)

    await ownerQuery(w.db.ownerUrl, 'GRANT SELECT, INSERT, UPDATE ON link_suggestion TO openmace_runtime')
    const retried = await w.services.suggestions.retryDue(w.officer.partnershipId)
    assert.deepEqual(retried, { tried: 1, failed: 0, lastError: null })
    assert.equal((await ownerQuery(w.db.ownerUrl, 'SELECT 1 FROM suggestion_refresh_due')).length, 0)
    const pending = await ownerQuery<{ kind: string }>(
      w.db.ownerUrl,
      `SELECT kind FROM link_suggestion WHERE status = 'pending'`,
    )
    assert.deepEqual(
      pending.map((p) => p.kind),
      ['object'],
    )
  })

  it('in the caller’s transaction (a person recorded with a referral): undone alone, the save commits', async (t) => {
    const w = await world(t)
    const officer = actorFor(w.officer, ['police-intelligence'])
    await ownerQuery(w.db.ownerUrl, 'REVOKE SELECT, INSERT, UPDATE ON link_suggestion FROM openmace_runtime')
    const unanswered = ['estimatedAge', 'estimatedAgeOn', 'gender', 'ethnicity', 'language', 'disability']
    const noIds = ['nhsNumber', 'upn', 'laChildId', 'policeId', 'schoolId']
    const person = {
      ...(Object.fromEntries([...unanswered, ...noIds].map((f) => [f, ''])) as Record<string, string>),
      kind: 'child',
      givenName: 'Kayden',
      familyName: 'Test',
      dateOfBirth: '2011-04-02',
    } as unknown as PersonInput
    const id = await withTransaction(w.db.database, rlsContextOf(officer), (trx) =>
      w.services.personEdit.create(officer, { person }, CTX, { trx }),
    )
    const [row] = await ownerQuery<{ id: string }>(w.db.ownerUrl, 'SELECT id FROM person WHERE id = $1', [id])
    assert.equal(row?.id, id)
    const due = await ownerQuery<{ kind: string }>(w.db.ownerUrl, 'SELECT kind FROM suggestion_refresh_due')
    assert.deepEqual(
      due.map((d) => d.kind),
      ['person'],
    )
  })
})

describe('the queue a page at a time', () => {
  it('shows QUEUE_SIZE a page with GOV.UK pagination; the API pages too and refuses a page that is not one', async (t) => {
    const w = await staffWorld(t, { frontDoor: ['front-door'] })
    const { partnershipId } = w.frontDoor
    for (let n = 10; n < 10 + QUEUE_SIZE + 2; n++) {
      const by = { createdBy: w.frontDoor.id }
      await createObject(w.db.database, partnershipId, { kind: 'vehicle', value: `AB${String(n)}CDE`, ...by })
      await createObject(w.db.database, partnershipId, { kind: 'other', value: `ab${String(n)} cde`, ...by })
    }
    assert.equal((await w.services.suggestions.rebuild(partnershipId)).pending, QUEUE_SIZE + 2)
    const agent = await signIn(w.app, w.frontDoor)
    const first = await agent.get(paths.suggestions.queue)
    assert.equal(first.statusCode, 200)
    assert.equal(countRows(first.body), QUEUE_SIZE)
    assert.ok(/<nav class="govuk-pagination[ "]/.test(first.body), 'GOV.UK pagination')
    assert.match(first.body, new RegExp(`href="${paths.suggestions.queue}\\?page=2"`))
    assert.doesNotMatch(first.body, /page=0/)
    const second = await agent.get(`${paths.suggestions.queue}?page=2`)
    assert.equal(second.statusCode, 200)
    assert.equal(countRows(second.body), 2)
    assert.match(second.body, new RegExp(`href="${paths.suggestions.queue}\\?page=1"`))
    assert.doesNotMatch(second.body, /page=3/)
    // Not a page: the first, as the front door's queue.
    const odd = await agent.get(`${paths.suggestions.queue}?page=abc`)
    assert.equal(odd.statusCode, 200)
    assert.equal(countRows(odd.body), QUEUE_SIZE)
    const beyond = await agent.get(`${paths.suggestions.queue}?page=9`)
    assert.equal(beyond.statusCode, 200)
    assert.match(beyond.body, /no more suggested links/)

    const token = await bearer(w.db, w.frontDoor.email, ['link:review', 'person:read'])
    const apiFirst = await api(w.app, token).get(paths.api.suggestions())
    assert.equal(apiFirst.statusCode, 200)
    const firstPage = apiFirst.json<{ suggestions: unknown[]; page: number; more: boolean }>()
    assert.deepEqual([firstPage.suggestions.length, firstPage.page, firstPage.more], [QUEUE_SIZE, 1, true])
    const apiSecond = await api(w.app, token).get(`${paths.api.suggestions()}?page=2`)
    const secondPage = apiSecond.json<{ suggestions: unknown[]; page: number; more: boolean }>()
    assert.deepEqual([secondPage.suggestions.length, secondPage.page, secondPage.more], [2, 2, false])
    for (const bad of ['0', 'abc', '-1']) {
      const refused = await api(w.app, token).get(`${paths.api.suggestions()}?page=${bad}`)
      assert.equal(refused.statusCode, 400, bad)
      assert.match(String(refused.headers['content-type']), /application\/problem\+json/)
    }
  })
})

const countRows = (html: string) => (html.match(/<tr class="govuk-table__row">/g) ?? []).length - 1
