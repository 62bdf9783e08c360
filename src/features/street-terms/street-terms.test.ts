import assert from 'node:assert/strict'
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { describe, it } from 'node:test'
import { sql } from 'kysely'
import { api, errorFields } from '../../../test/helpers/api.ts'
import { errorSummary, fieldError } from '../../../test/helpers/admin.ts'
import { build } from '../../../test/helpers/build.ts'
import { createEmptyDatabase, ownerQuery } from '../../../test/helpers/database.ts'
import { createUser, currentActor, signIn, TEST_REQUEST } from '../../../test/helpers/sign-in.ts'
import { personToken } from '../../../test/helpers/tokens.ts'
import { withTransaction } from '../../db/database.ts'
import { migrate, MIGRATIONS_DIR } from '../../db/migrate.ts'
import { ROLE_CAPABILITIES } from '../../platform/access/roles.ts'
import { todayInLondon } from '../../platform/calendar.ts'
import { paths } from '../../platform/paths.ts'

async function setUp(t: Parameters<typeof build>[0]) {
  const built = await build(t)
  const admin = await createUser(built.db, built.services, { roles: ['system-admin'] })
  const agent = await signIn(built.app, admin)
  const bearer = async (email: string, role: keyof typeof ROLE_CAPABILITIES) => ({
    authorization: `Bearer ${(await personToken(built.db, email, [...ROLE_CAPABILITIES[role]])).token}`,
  })
  return { ...built, admin, agent, bearer }
}

type Db = Awaited<ReturnType<typeof setUp>>['db']

const termsOf = (db: Db, partnershipId: string) =>
  ownerQuery<{
    id: string
    code: string
    term: string
    variants: string[]
    retired_at: Date | null
    version: number
  }>(
    db.ownerUrl,
    'SELECT id, code, term, variants, retired_at, version FROM partnership_street_term WHERE partnership_id = $1',
    [partnershipId],
  )

const changes = (db: Db, id: string) =>
  ownerQuery<{ details: Record<string, unknown> }>(
    db.ownerUrl,
    `SELECT details FROM audit_event WHERE action = 'admin.reference-change' AND record_type = 'street-term'
        AND record_id = $1 ORDER BY id`,
    [id],
  )

const RUNNER = {
  term: 'Runner',
  variants: 'running packs\nRunning-Packs\nrunners',
  meaning: 'A young person made to carry drugs or money for those running a line.',
}

describe('street terms: the partnership’s glossary', () => {
  it('a new partnership starts with the standard glossary and the common variants', async (t) => {
    const { db, admin } = await setUp(t)
    const terms = await termsOf(db, admin.partnershipId)
    const byCode = new Map(terms.map((r) => [r.code, r]))
    assert.ok(terms.length >= 15)
    assert.deepEqual(
      byCode.get('cuckooing')?.variants,
      ['cuckooed', 'cuckoo'],
      'the term is not its own variant',
    )
    for (const v of ['going ot', 'out there']) assert.ok(byCode.get('going-country')?.variants.includes(v), v)
    assert.ok(byCode.get('trap-house')?.variants.includes('bando'))
    assert.ok(byCode.get('shotting')?.variants.includes('shotter'))
    assert.ok(terms.every((r) => r.retired_at === null && r.version === 1))
  })

  it('on upgrade, every existing partnership gets its copy of the standard glossary (migration 0016)', async (t) => {
    const url = await createEmptyDatabase(t)
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'openmace-street-terms-'))
    t.after(() => fs.rm(dir, { recursive: true, force: true }))
    const files = (await fs.readdir(MIGRATIONS_DIR)).filter((f) => f.endsWith('.sql')).sort()
    for (const file of files.filter((f) => f < '0016'))
      await fs.copyFile(path.join(MIGRATIONS_DIR, file), path.join(dir, file))
    await migrate(url, { dir })
    const [before] = await ownerQuery<{ id: string }>(
      url,
      "INSERT INTO partnership (code, name) VALUES ('upgraded', 'Upgraded Safeguarding Partnership') RETURNING id",
    )
    for (const file of files) await fs.copyFile(path.join(MIGRATIONS_DIR, file), path.join(dir, file))
    await migrate(url, { dir })
    const copied = await ownerQuery<{ code: string; variants: string[] }>(
      url,
      'SELECT code, variants FROM partnership_street_term WHERE partnership_id = $1 ORDER BY sort_order',
      [before!.id],
    )
    const standard = await ownerQuery<{ code: string }>(
      url,
      'SELECT code FROM street_term ORDER BY sort_order',
    )
    assert.deepEqual(
      copied.map((r) => r.code),
      standard.map((r) => r.code),
    )
    assert.ok(copied.find((r) => r.code === 'going-country')?.variants.includes('going ot'))
  })

  it('lists the terms for the administrator; adds one with its variants (audited)', async (t) => {
    const { db, admin, agent } = await setUp(t)
    const list = await agent.get(paths.admin.streetTerms)
    assert.equal(list.statusCode, 200)
    assert.match(list.body, /data-testid="admin-navigation"/)
    const table = /data-testid="street-terms"[\s\S]*?<\/table>/.exec(list.body)?.[0] ?? ''
    assert.match(
      table,
      /Trap house<span class="govuk-visually-hidden">: change<\/span><\/a><\/th>\s*<td[^>]*>trap, trapping, bando/,
    )

    await agent.get(paths.admin.streetTermNew)
    const added = await agent.post(paths.admin.streetTermNew, RUNNER)
    assert.equal(added.statusCode, 303)
    const made = (await termsOf(db, admin.partnershipId)).find((r) => r.term === 'Runner')
    assert.ok(made)
    // Tidied: lower case, spaces and hyphens alike, each once.
    assert.deepEqual(made.variants, ['running packs', 'runners'])
    assert.equal(made.code, 't-runner')
    assert.equal(added.headers.location, `${paths.admin.streetTerms}#t-runner`)
    assert.match((await agent.get(paths.admin.streetTerms)).body, /A young person made to carry drugs/)
    const audit = await changes(db, made.id)
    assert.deepEqual(
      audit.map((r) => [r.details.change, r.details.code]),
      [['created', 't-runner']],
    )
  })

  it('refuses an empty term or meaning and words another term has, with the input kept and nothing written', async (t) => {
    const { db, admin, agent } = await setUp(t)
    const before = (await termsOf(db, admin.partnershipId)).length
    await agent.get(paths.admin.streetTermNew)
    const empty = await agent.post(paths.admin.streetTermNew, {
      term: '  ',
      variants: 'kept words',
      meaning: '',
    })
    assert.equal(empty.statusCode, 400)
    assert.match(errorSummary(empty.body), /Enter the term/)
    assert.equal(fieldError(empty.body, 'meaning'), 'Error: Enter what the term means')
    assert.match(empty.body, />kept words<\/textarea>/)

    const sameTerm = await agent.post(paths.admin.streetTermNew, { ...RUNNER, term: 'trap-House' })
    assert.equal(sameTerm.statusCode, 400)
    assert.match(fieldError(sameTerm.body, 'term'), /already has the term “Trap house”/)
    const termIsVariant = await agent.post(paths.admin.streetTermNew, { ...RUNNER, term: 'Bando' })
    assert.match(fieldError(termIsVariant.body, 'term'), /“Bando” is already a variant of “Trap house”/)
    const sameVariant = await agent.post(paths.admin.streetTermNew, {
      ...RUNNER,
      variants: 'packs\nGoing OT',
    })
    assert.equal(sameVariant.statusCode, 400)
    assert.match(
      fieldError(sameVariant.body, 'variants'),
      /“going ot” is already a variant of “Going country”/,
    )
    assert.match(sameVariant.body, /value="Runner"/)
    assert.equal((await termsOf(db, admin.partnershipId)).length, before)
  })

  it('changes a term at its version, refuses a stale one (409, input kept), retires and reinstates it', async (t) => {
    const { db, admin, agent, services } = await setUp(t)
    const actor = await currentActor({ services }, admin)
    const runner = await services.streetTerms.create(actor, RUNNER, TEST_REQUEST)
    const form = await agent.get(paths.admin.streetTerm(runner.id))
    assert.equal(form.statusCode, 200)
    assert.match(form.body, />running packs\nrunners<\/textarea>/)
    /** The term's form posted: the term as created, changed by `fields`. */
    const post = (fields: Record<string, string>) =>
      agent.post(paths.admin.streetTerm(runner.id), { ...RUNNER, ...fields })
    const saved = await post({ variants: 'running packs\nrunners\nworkers', status: 'current', version: '1' })
    assert.equal(saved.statusCode, 303)
    const stale = await post({ meaning: 'My stale edit', status: 'current', version: '1' })
    assert.equal(stale.statusCode, 409)
    assert.match(errorSummary(stale.body), /Someone else changed this term/)
    assert.match(stale.body, />My stale edit<\/textarea>/)
    assert.match(stale.body, /name="version" value="2"/)
    const badStatus = await post({ version: '2' })
    assert.equal(badStatus.statusCode, 400)
    assert.match(fieldError(badStatus.body, 'status'), /in use or retired/)

    const retired = await post({ status: 'retired', version: '2' })
    assert.equal(retired.statusCode, 303)
    const [row] = (await termsOf(db, admin.partnershipId)).filter((r) => r.id === runner.id)
    assert.ok(row?.retired_at !== null && row?.version === 3)
    assert.match((await agent.get(paths.admin.streetTerms)).body, /Runner<span[\s\S]*?Retired/)
    assert.deepEqual(await services.streetTerms.detect(admin.partnershipId, 'running packs'), [])
    const back = await post({ status: 'current', version: '3' })
    assert.equal(back.statusCode, 303)
    assert.deepEqual(
      (await changes(db, runner.id)).map((r) => [r.details.change, r.details.fields]),
      [
        ['created', undefined],
        ['changed', 'variants'],
        // The retiring form dropped "workers" again; reinstating changed nothing else.
        ['retired', 'variants'],
        ['reinstated', ''],
      ],
    )
  })

  it('is the administrator’s own partnership’s only: another’s term is not found, other roles are refused', async (t) => {
    const { app, db, services, admin, agent, bearer } = await setUp(t)
    const otherAdmin = await createUser(db, services, { roles: ['system-admin'] })
    const [foreign] = await termsOf(db, otherAdmin.partnershipId)
    assert.ok(foreign)
    assert.equal((await agent.get(paths.admin.streetTerm(foreign.id))).statusCode, 404)
    await agent.get(paths.admin.streetTerms)
    const posted = await agent.post(paths.admin.streetTerm(foreign.id), {
      ...RUNNER,
      status: 'current',
      version: '1',
    })
    assert.equal(posted.statusCode, 404)
    const headers = await bearer(admin.email, 'system-admin')
    const patched = await api(app, headers).patch(paths.api.streetTerm(foreign.id), {
      version: 1,
      meaning: 'x',
    })
    assert.equal(patched.statusCode, 404)
    assert.equal((await termsOf(db, otherAdmin.partnershipId)).find((r) => r.id === foreign.id)?.version, 1)

    const worker = await createUser(db, services, { roles: ['social-worker'], partnershipOf: admin })
    const workerAgent = await signIn(app, worker)
    assert.equal((await workerAgent.get(paths.admin.streetTerms)).statusCode, 403)
    assert.equal((await workerAgent.get(paths.admin.streetTermNew)).statusCode, 403)
    const workerApi = api(app, await bearer(worker.email, 'social-worker'))
    assert.equal((await workerApi.get(paths.api.streetTerms())).statusCode, 403)
    assert.equal((await workerApi.post(paths.api.streetTerms(), RUNNER)).statusCode, 403)
    await assert.rejects(
      services.streetTerms.list(await currentActor({ services }, worker)),
      /Forbidden|refused/i,
    )
  })

  it('row-level security: the runtime role sees only the transaction’s partnership’s terms', async (t) => {
    const { db, services, admin } = await setUp(t)
    const other = await createUser(db, services, { roles: ['system-admin'] })
    const seen = await withTransaction(db.database, { partnershipId: admin.partnershipId }, (trx) =>
      sql<{ partnership_id: string }>`SELECT DISTINCT partnership_id FROM partnership_street_term`.execute(
        trx,
      ),
    )
    assert.deepEqual(
      seen.rows.map((r) => r.partnership_id),
      [admin.partnershipId],
    )
    const none = await withTransaction(db.database, {}, (trx) =>
      sql<{ n: string }>`SELECT count(*) AS n FROM partnership_street_term`.execute(trx),
    )
    assert.equal(Number(none.rows[0]?.n), 0)
    await assert.rejects(
      withTransaction(db.database, { partnershipId: admin.partnershipId }, (trx) =>
        sql`INSERT INTO partnership_street_term (partnership_id, code, term, meaning, sort_order)
            VALUES (${other.partnershipId}, 'sneaky', 'Sneaky', 'x', 99)`.execute(trx),
      ),
      /row-level security/,
    )
  })
})

describe('street terms API', () => {
  it('lists, adds (201) and changes (PATCH, only the fields sent) terms; refuses bad input and stale versions', async (t) => {
    const { app, db, admin, bearer } = await setUp(t)
    const caller = api(app, await bearer(admin.email, 'system-admin'))
    const list = await caller.get(paths.api.streetTerms())
    assert.equal(list.statusCode, 200)
    const { streetTerms } = list.json<{
      streetTerms: Array<{ code: string; variants: string[]; retired: boolean }>
    }>()
    assert.ok(streetTerms.find((s) => s.code === 'going-country')?.variants.includes('going ot'))

    const before = (await termsOf(db, admin.partnershipId)).length
    const empty = await caller.post(paths.api.streetTerms(), { term: '', meaning: '' })
    assert.equal(empty.statusCode, 400)
    assert.match(String(empty.headers['content-type']), /problem\+json/)
    assert.deepEqual(errorFields(empty), ['/body/term', '/body/meaning'])
    const taken = await caller.post(paths.api.streetTerms(), { ...RUNNER, variants: ['bando'] })
    assert.equal(taken.statusCode, 400)
    assert.deepEqual(errorFields(taken), ['/body/variants'])
    assert.equal((await termsOf(db, admin.partnershipId)).length, before)

    const created = await caller.post(paths.api.streetTerms(), { ...RUNNER, variants: ['Running packs'] })
    assert.equal(created.statusCode, 201, created.body)
    const term = created.json<{ streetTerm: { id: string; version: number; variants: string[] } }>()
      .streetTerm
    assert.equal(created.headers.location, paths.api.streetTerm(term.id))
    assert.deepEqual(term.variants, ['running packs'])

    const patched = await caller.patch(paths.api.streetTerm(term.id), {
      version: 1,
      variants: ['running packs', 'runners'],
    })
    assert.equal(patched.statusCode, 200, patched.body)
    const after = patched.json<{
      streetTerm: { term: string; meaning: string; version: number; variants: string[] }
    }>()
    assert.deepEqual(
      [after.streetTerm.term, after.streetTerm.meaning, after.streetTerm.version, after.streetTerm.variants],
      ['Runner', RUNNER.meaning, 2, ['running packs', 'runners']],
    )
    const stale = await caller.patch(paths.api.streetTerm(term.id), { version: 1, retired: true })
    assert.equal(stale.statusCode, 409)
    const retired = await caller.patch(paths.api.streetTerm(term.id), { version: 2, retired: true })
    assert.equal(retired.json<{ streetTerm: { retired: boolean } }>().streetTerm.retired, true)
    assert.equal((await changes(db, term.id)).length, 3)
  })
})

describe('street terms in screening', () => {
  const concern = (narrative: string) => ({
    child: { givenName: 'Jordan', familyName: 'Termchild', estimatedAge: 14 },
    immediateDanger: false,
    narrative,
    happenedOn: todayInLondon(),
    consent: 'not-asked',
    familyAware: 'not-safe',
    learningDisability: false,
    indicators: [],
    judgedLevel: 'medium',
    judgementReason: 'Words of concern',
  })

  it('a new concern shows a variant the administrator added; another partnership’s concern does not', async (t) => {
    const { app, db, services, admin, bearer } = await setUp(t)
    const actor = await currentActor({ services }, admin)
    await services.streetTerms.create(actor, RUNNER, TEST_REQUEST)
    const teacher = await createUser(db, services, { roles: ['practitioner'], partnershipOf: admin })
    const words = 'He said he has been Running Packs for older boys and went out there last week.'
    const recorded = await api(app, await bearer(teacher.email, 'practitioner')).post(
      paths.api.concerns(),
      concern(words),
    )
    assert.equal(recorded.statusCode, 201, recorded.body)
    const shown = recorded.json<{
      concern: { streetTerms: Array<{ code: string; found: string[]; meaning: string }> }
    }>().concern.streetTerms
    assert.deepEqual(
      shown.map((s) => [s.code, s.found]),
      [
        ['going-country', ['out there']],
        ['t-runner', ['Running Packs']],
      ],
    )
    assert.equal(shown.find((s) => s.code === 't-runner')?.meaning, RUNNER.meaning)

    const elsewhere = await createUser(db, services, { roles: ['practitioner'] })
    const theirs = await api(app, await bearer(elsewhere.email, 'practitioner')).post(
      paths.api.concerns(),
      concern(words),
    )
    assert.equal(theirs.statusCode, 201, theirs.body)
    assert.deepEqual(
      theirs
        .json<{ concern: { streetTerms: Array<{ code: string }> } }>()
        .concern.streetTerms.map((s) => s.code),
      ['going-country'],
    )
  })

  it('detect() finds the partnership’s current terms and variants in any text, for an actor or a partnership', async (t) => {
    const { db, services, admin } = await setUp(t)
    const actor = await currentActor({ services }, admin)
    await services.streetTerms.create(actor, RUNNER, TEST_REQUEST)
    const found = await services.streetTerms.detect(
      actor,
      'Seen at the bando; said he was shotting and runners came by.',
    )
    assert.deepEqual(
      found.map((f) => [f.code, f.found, f.matches[0]?.start]),
      [
        ['trap-house', ['bando'], 12],
        ['shotting', ['shotting'], 31],
        ['t-runner', ['runners'], 44],
      ],
    )
    const other = await createUser(db, services, { roles: ['system-admin'] })
    assert.deepEqual(
      (await services.streetTerms.detect(other.partnershipId, 'runners')).map((f) => f.code),
      [],
    )
  })
})
