import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createTestDatabase, ownerQuery } from '../../../test/helpers/database.ts'
import { createPartnership } from '../../../test/factories/partnership-factory.ts'
import { build } from '../../../test/helpers/build.ts'
import { signIn, signInAt } from '../../../test/helpers/sign-in.ts'
import { passwordProblem } from '../../platform/auth/password-policy.ts'
import { paths } from '../../platform/paths.ts'
import { ROLES } from '../../platform/access/roles.ts'
import { DEMO_AGENCIES } from './demo-data.ts'
import { DemoRefusedError } from './demo-service.ts'

describe('demo seed', () => {
  it('gives the demo accounts fictional children to work with, each seeing only their own', async (t) => {
    const { app, services, db } = await build(t)
    const { users = [], password = '' } = await services.demo.seed()
    const count = async (role: string) => {
      const user = users.find((u) => u.role === role)
      assert.ok(user !== undefined)
      const { page: res } = await signInAt(app, { email: user.email, password }, paths.api.people())
      return res.json<{ people: unknown[] }>().people.length
    }
    assert.equal(await count('social-worker'), 9, 'team caseload (8) and one more on the current MACE agenda')
    assert.equal(await count('dsl'), 4, 'Castlegate Academy pupils')
    assert.equal(
      await count('police-intelligence'),
      7,
      'children on the current MACE agenda, and the two records of a man known by a street name (suggested links)',
    )
    const nhs = await ownerQuery<{ nhs_number: string }>(
      db.ownerUrl,
      'SELECT nhs_number FROM person WHERE nhs_number IS NOT NULL',
    )
    assert.equal(nhs.length, 12)
    for (const row of nhs) assert.match(row.nhs_number, /^999/, 'NHS numbers from the reserved test range')
  })

  it('holds concerns and referrals in every state, made through the services with their rules and dates', async (t) => {
    const { app, services, db } = await build(t)
    const { users = [], password = '' } = await services.demo.seed()
    const url = db.ownerUrl
    const rows = <T extends Record<string, unknown>>(text: string) => ownerQuery<T>(url, text)
    const concerns = await rows<{ status: string; referred: boolean; n: string }>(
      `SELECT c.status, r.id IS NOT NULL AS referred, count(*) AS n FROM concern c
         LEFT JOIN referral r ON r.concern_id = c.id GROUP BY 1, 2 ORDER BY 1, 2`,
    )
    assert.deepEqual(
      concerns.map((c) => `${c.status}${c.referred ? ' and referred' : ''}: ${c.n}`),
      ['draft: 1', 'recorded: 1', 'recorded and referred: 10'],
    )
    const statuses = await rows<{ status: string; n: string }>(
      'SELECT status, count(*) AS n FROM referral GROUP BY status ORDER BY status',
    )
    assert.deepEqual(
      statuses.map((r) => `${r.status}: ${r.n}`),
      ['decided: 5', 'in-review: 1', 'submitted: 2', 'withdrawn: 2'],
    )
    const decisions = await rows<{ decision: string }>(
      'SELECT decision FROM referral WHERE decision IS NOT NULL ORDER BY decision',
    )
    assert.deepEqual(
      decisions.map((d) => d.decision),
      ['already-open', 'cin-assessment', 'early-help', 'no-further-action', 'strategy-meeting'],
    )
    // One overdue: open past its one-working-day deadline; the others are not yet due.
    const open = await rows<{ status: string; overdue: boolean; danger: boolean }>(
      `SELECT r.status, r.decision_due_at < now() AS overdue, c.immediate_danger AS danger
         FROM referral r JOIN concern c ON c.id = r.concern_id
        WHERE r.status IN ('submitted', 'in-review') ORDER BY r.submitted_at`,
    )
    assert.deepEqual(
      open.map((r) => `${r.status}${r.overdue ? ' overdue' : ''}${r.danger ? ' immediate danger' : ''}`),
      ['submitted overdue', 'in-review', 'submitted immediate danger'],
    )
    // Withdrawn by its referrer, and by the front door from review.
    const withdrawn = await rows<{ by_referrer: boolean; from_status: string }>(
      `SELECT r.withdrawn_by = r.referrer_id AS by_referrer, t.from_status FROM referral r
         JOIN referral_transition t ON t.referral_id = r.id AND t.to_status = 'withdrawn'
        WHERE r.status = 'withdrawn' ORDER BY 1`,
    )
    assert.deepEqual(
      withdrawn.map((w) => `${w.by_referrer ? 'referrer' : 'front door'} from ${w.from_status}`),
      ['front door from in-review', 'referrer from submitted'],
    )
    // Dated in the past, in order, each move a transition and an audit event, as the services write them.
    const history = await rows<{ id: string; moves: string; ordered: boolean; audited: string }>(
      `SELECT r.id, string_agg(coalesce(t.from_status, 'new') || '>' || t.to_status, ' ' ORDER BY t.id) AS moves,
              bool_and(t.at >= r.submitted_at AND t.at <= now()) AND r.submitted_at > c.created_at - interval '1 second'
                AS ordered,
              (SELECT count(*) FROM audit_event a WHERE a.record_id = r.id::text AND a.action IN ('record.create', 'record.update'))
                AS audited
         FROM referral r JOIN referral_transition t ON t.referral_id = r.id JOIN concern c ON c.id = r.concern_id
        GROUP BY r.id, c.created_at`,
    )
    assert.equal(history.length, 10)
    for (const h of history) {
      assert.ok(h.ordered, `${h.moves}: dated in order`)
      assert.equal(Number(h.audited), h.moves.split(' ').length, `${h.moves}: one audit event a move`)
    }
    const earliest = await rows<{ days: string }>(
      `SELECT extract(day FROM now() - min(submitted_at))::int AS days FROM referral`,
    )
    assert.ok(Number(earliest[0]?.days) >= 28, 'spread over the last month')
    // Decisions on exploitation grounds set the flags; notifications: one outstanding, one acknowledged.
    const flags = await rows<{ flag_type: string }>(
      `SELECT flag_type FROM flag WHERE reason IS NOT NULL AND intelligence_id IS NULL ORDER BY flag_type`,
    )
    assert.deepEqual(
      flags.map((f) => f.flag_type),
      ['cce', 'cse'],
    )
    // i12d: a flag raised from police intelligence, and the deal-line phone described from the same entry.
    const derived = await rows<{ flag_type: string; described: string }>(
      `SELECT f.flag_type, d.entity_kind AS described FROM flag f
         JOIN intelligence_description d ON d.intelligence_id = f.intelligence_id`,
    )
    assert.deepEqual(derived, [{ flag_type: 'cce', described: 'object' }])
    const notifications = await rows<{ acknowledged: boolean; n: string }>(
      `SELECT acknowledged_at IS NOT NULL AS acknowledged, count(*) AS n FROM cross_authority_notification
        GROUP BY 1 ORDER BY 1`,
    )
    assert.deepEqual(
      notifications.map((n) => `${n.acknowledged ? 'acknowledged' : 'outstanding'}: ${n.n}`),
      ['outstanding: 1', 'acknowledged: 1'],
    )
    const fictional = await rows<{ n: string }>(`SELECT count(*) AS n FROM person WHERE NOT is_demo`)
    assert.equal(Number(fictional[0]?.n), 0, 'the children the concerns made are marked as demo records')

    // What the demo accounts see: the front door's queue (overdue first) and outstanding list, and a referrer's
    // outcomes.
    const agentFor = async (role: string, agency?: string) => {
      const user = users.find((u) => u.role === role && (agency === undefined || u.agency === agency))
      assert.ok(user !== undefined)
      return signIn(app, { email: user.email, password })
    }
    const frontDoor = await agentFor('front-door')
    const queue = await frontDoor.get(`${paths.api.referrals()}?queue=front-door`)
    assert.equal(queue.statusCode, 200)
    const queued = queue.json<{ referrals: Array<{ overdue: boolean; status: string }> }>().referrals
    // a13: immediate danger first (the newest, submitted), then overdue, then the oldest.
    assert.deepEqual(
      queued.map((r) => `${r.status}${r.overdue ? ' overdue' : ''}`),
      ['submitted', 'submitted overdue', 'in-review'],
    )
    // a13: allocation (issue 13): one child waiting, one allocated after a re-allocation with a reason.
    const allocations = await rows<{ status: string; moves: string; reasons: string }>(
      `SELECT a.status, count(h.id)::text AS moves, count(h.reason)::text AS reasons
         FROM allocation a LEFT JOIN allocation_history h ON h.allocation_id = a.id GROUP BY a.id ORDER BY a.status`,
    )
    assert.deepEqual(
      allocations.map((a) => `${a.status} ${a.moves} ${a.reasons}`),
      ['allocated 2 2', 'waiting 0 0'],
    )
    const outstanding = await frontDoor.get(paths.api.notifications())
    assert.equal(outstanding.statusCode, 200, outstanding.body)
    assert.equal(outstanding.json<{ notifications: unknown[] }>().notifications.length, 1)
    const school = await agentFor('dsl')
    const mine = await school.get(paths.api.referrals())
    const outcomes = mine.json<{ referrals: Array<{ status: string; decisionLabel?: string | null }> }>()
      .referrals
    assert.deepEqual(
      outcomes.map((r) => r.decisionLabel ?? r.status),
      [
        'submitted',
        "Children's services assessment (child in need)",
        'Strategy meeting (significant harm)',
        "Already open to children's services",
      ],
    )
  })

  it('creates the fictional partnership and its agencies, marked as demo', async (t) => {
    const { services, db } = await build(t)
    const { users, password, ...result } = await services.demo.seed()
    assert.deepEqual(result, {
      created: true,
      partnershipName: 'Northshire Safeguarding Partnership',
      agencies: DEMO_AGENCIES.length,
      people: 19,
    })
    assert.equal(users?.length, 11)
    assert.match(password ?? '', /^northshire-demo-.{12}$/)
    assert.equal(passwordProblem(password ?? ''), undefined, 'the demo password meets the policy')
    const rows = await ownerQuery<{ name: string; is_demo: boolean; agencies: string; types: string[] }>(
      db.ownerUrl,
      `SELECT p.name, p.is_demo, count(a.id) AS agencies, array_agg(DISTINCT a.agency_type ORDER BY a.agency_type) AS types
         FROM partnership p JOIN agency a ON a.partnership_id = p.id GROUP BY p.id`,
    )
    assert.equal(rows.length, 1)
    assert.equal(rows[0]!.is_demo, true)
    assert.equal(Number(rows[0]!.agencies), DEMO_AGENCIES.length)
    for (const type of ['police', 'health', 'education', 'childrens-services', 'youth-justice']) {
      assert.ok(rows[0]!.types.includes(type), `the demo has a ${type} agency`)
    }
  })

  it('creates one user per role, with .example addresses, who can sign in without a security code', async (t) => {
    const { app, services, db } = await build(t)
    const { users = [], password = '' } = await services.demo.seed()
    const roles = new Set(users.map((u) => u.role))
    for (const role of ROLES) {
      assert.ok(roles.has(role), `a demo ${role}`)
    }
    for (const user of users) assert.match(user.email, /^[a-z.-]+\d*@northshire\.example$/)
    const [row] = await ownerQuery<{ n: string }>(
      db.ownerUrl,
      'SELECT count(*) AS n FROM app_user WHERE is_demo AND totp_enabled_at IS NULL',
    )
    assert.equal(Number(row?.n), users.length)
    const agent = await signIn(app, { email: users[0]!.email, password })
    assert.equal((await agent.get(paths.home)).statusCode, 200)
  })

  it('does nothing when run again', async (t) => {
    const { services, db } = await build(t)
    await services.demo.seed()
    const again = await services.demo.seed()
    assert.equal(again.created, false)
    const [row] = await ownerQuery<{ n: string }>(db.ownerUrl, 'SELECT count(*) AS n FROM agency')
    assert.equal(Number(row?.n), DEMO_AGENCIES.length)
  })

  it('never mixes demo data into a database that holds a real partnership', async (t) => {
    const { services, db } = await build(t)
    await createPartnership(db.database, { isDemo: false })
    await assert.rejects(
      services.demo.seed(),
      (error: unknown) => error instanceof DemoRefusedError && /real records/.test(error.message),
    )
    const [row] = await ownerQuery<{ n: string }>(
      db.ownerUrl,
      'SELECT count(*) AS n FROM partnership WHERE is_demo',
    )
    assert.equal(Number(row?.n), 0, 'nothing written')
  })

  it('is refused in production unless OPENMACE_DEMO=true', async (t) => {
    const db = await createTestDatabase(t)
    const production = {
      NODE_ENV: 'production',
      OPENMACE_ALLOW_EMBEDDED: 'true',
      OPENMACE_SESSION_SECRET: 's'.repeat(40),
    }
    const off = await build(t, { db, env: production })
    await assert.rejects(off.services.demo.seed(), /Demo data is off in production/)
    const on = await build(t, { db, env: { ...production, OPENMACE_DEMO: 'true' } })
    assert.equal((await on.services.demo.seed()).created, true)
  })

  it('seeds once when two instances start together', async (t) => {
    const first = await build(t)
    const second = await build(t, { db: first.db })
    const results = await Promise.all([first.services.demo.seed(), second.services.demo.seed()])
    assert.deepEqual(results.map((r) => r.created).sort(), [false, true])
  })
})
