import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ownerQuery } from '../../../test/helpers/database.ts'
import { build } from '../../../test/helpers/build.ts'
import { headingText } from '../../../test/helpers/html.ts'
import { assertPageRefusal, exhaustRateLimit } from '../../../test/helpers/rate-limit.ts'
import { Agent, createUser, csrfFrom, signIn, signInAt } from '../../../test/helpers/sign-in.ts'
import { paths } from '../../platform/paths.ts'
import { RATE_LIMITS } from '../../platform/rate-limits.ts'
import { parseAuditQuery } from './audit-routes.ts'
import { csvCell, csvRow } from './csv.ts'

const errorSummary = (html: string) => /govuk-error-summary[\s\S]*?<\/ul>/.exec(html)?.[0] ?? ''

describe('audit trail page for the data protection officer', () => {
  it('shows sign-in events by name, newest first, and filters by action', async (t) => {
    const { app, db, services } = await build(t)
    const dpo = await createUser(db, services, { roles: ['dpo'] })
    const worker = await createUser(db, services, { roles: ['social-worker'], partnershipOf: dpo })
    await signIn(app, worker)
    const agent = await signIn(app, dpo)
    const home = await agent.get(paths.home)
    assert.match(
      home.body,
      new RegExp(`href="${paths.audit.trail}"`),
      'the DPO finds the audit trail from home',
    )

    const page = await agent.get(paths.audit.trail)
    assert.equal(page.statusCode, 200)
    assert.equal(headingText(page.body), 'Audit trail')
    const table = /data-testid="audit-events"[\s\S]*?<\/table>/.exec(page.body)?.[0] ?? ''
    assert.ok(table.indexOf(dpo.displayName) < table.indexOf(worker.displayName), 'newest first')
    assert.match(table, /auth\.sign-in/)

    const filtered = await agent.get(`${paths.audit.trail}?action=auth.sign-out`)
    assert.equal(filtered.statusCode, 200)
    assert.match(filtered.body, /No events match these filters/)
    const byPerson = await agent.get(`${paths.audit.trail}?actor=${worker.id}`)
    assert.doesNotMatch(
      /data-testid="audit-events"[\s\S]*?<\/table>/.exec(byPerson.body)?.[0] ?? '',
      new RegExp(dpo.displayName),
    )
  })

  it('explains bad filters with a GOV.UK error summary and keeps what was typed', async (t) => {
    const { app, db, services } = await build(t)
    const dpo = await createUser(db, services, { roles: ['dpo'] })
    const agent = await signIn(app, dpo)
    const res = await agent.get(
      `${paths.audit.trail}?from=2026-02-30&to=2026-01-01&recordId=abc&action=nonsense`,
    )
    assert.equal(res.statusCode, 400)
    const summary = errorSummary(res.body)
    assert.match(summary, /Enter a real date for &quot;from&quot;|Enter a real date for "from"/)
    assert.match(summary, /Enter the record type as well as its reference/)
    assert.match(summary, /Choose an action from the list/)
    assert.match(res.body, /name="recordId" type="text" value="abc"|value="abc"/)
    assert.match(res.body, /value="2026-02-30"/)
  })

  it('refuses other roles with a 403 page and audits the denial; sends people who are not signed in to sign in', async (t) => {
    const { app, db, services } = await build(t)
    const worker = await createUser(db, services, { roles: ['social-worker'] })
    const agent = await signIn(app, worker)
    const res = await agent.get(paths.audit.trail)
    assert.equal(res.statusCode, 403)
    assert.equal(headingText(res.body), 'You do not have permission to see this page')
    assert.equal((await agent.get(paths.audit.export)).statusCode, 403)
    const denials = await ownerQuery<{ actor_id: string; reason: string }>(
      db.ownerUrl,
      "SELECT actor_id, reason FROM audit_event WHERE action = 'access.denied' ORDER BY id",
    )
    assert.deepEqual(
      denials.map((d) => [d.actor_id, d.reason]),
      [
        [worker.id, 'missing capability audit:read'],
        [worker.id, 'missing capability audit:export'],
      ],
    )
    const anonymous = await new Agent(app).get(paths.audit.trail)
    assert.equal(anonymous.statusCode, 303)
    assert.equal(anonymous.headers.location, paths.signIn)
  })

  it('exports the filtered events as CSV safe to open in a spreadsheet, and audits the export', async (t) => {
    const { app, db, services } = await build(t)
    const dpo = await createUser(db, services, { roles: ['dpo'] })
    // A failed sign-in whose "email" would run as a formula is not stored; a reason text could be, so inject one.
    await ownerQuery(
      db.ownerUrl,
      "INSERT INTO audit_event (action, outcome, reason) VALUES ('access.denied', 'denied', '=HYPERLINK(\"http://x\")')",
    )
    const { agent, page: confirm } = await signInAt(app, dpo, `${paths.audit.export}?action=access.denied`)
    assert.match(confirm.body, /Confirm it is you to download/)
    assert.match(
      confirm.body,
      /name="action" value="access.denied"/,
      'the filters are carried to the download',
    )
    const res = await agent.post(paths.audit.export, { action: 'access.denied', password: dpo.password })
    assert.equal(res.statusCode, 200)
    assert.match(res.headers['content-type'] as string, /^text\/csv/)
    assert.match(
      res.headers['content-disposition'] as string,
      /^attachment; filename="openmace-audit-\d{4}-\d{2}-\d{2}\.csv"$/,
    )
    const lines = res.body.trim().split('\r\n')
    assert.equal(lines.length, 2, 'header and the one matching event')
    assert.match(lines[0]!, /^"Event","Time \(UTC\)","Who"/)
    assert.match(lines[1]!, /"'=HYPERLINK\(""http:\/\/x""\)"/)
    const [exported] = await ownerQuery<{ actor_id: string; details: { rows: number } }>(
      db.ownerUrl,
      "SELECT actor_id, details FROM audit_event WHERE action = 'export'",
    )
    assert.equal(exported!.actor_id, dpo.id)
    assert.equal(exported!.details.rows, 1)
  })

  it('needs the password again before a download (re-authentication); a wrong one is refused and audited', async (t) => {
    const { app, db, services } = await build(t)
    const dpo = await createUser(db, services, { roles: ['dpo'] })
    const agent = await signIn(app, dpo)
    await agent.get(`${paths.audit.export}?action=auth.sign-in`)
    const empty = await agent.post(paths.audit.export, { action: 'auth.sign-in', password: '' })
    assert.equal(empty.statusCode, 400)
    assert.match(empty.body, /Enter your password/)
    assert.match(empty.body, /name="action" value="auth.sign-in"/, 'the filters are kept')
    const wrong = await agent.post(paths.audit.export, {
      action: 'auth.sign-in',
      password: 'not my password at all',
    })
    assert.equal(wrong.statusCode, 400)
    assert.match(wrong.body, /The password is not right/)
    assert.doesNotMatch(wrong.headers['content-type'] as string, /csv/)
    const rows = await ownerQuery<{ outcome: string }>(
      db.ownerUrl,
      "SELECT outcome FROM audit_event WHERE action = 'export' ORDER BY id",
    )
    assert.deepEqual(
      rows.map((r) => r.outcome),
      ['failed'],
    )
  })
})

describe('audit filters and CSV cells', () => {
  it('parses a valid filter, making "to" include the whole day', () => {
    const { query, errors } = parseAuditQuery({
      from: '2026-11-01',
      to: '2026-11-27',
      outcome: 'denied',
      recordType: 'person',
      recordId: 'x1',
    })
    assert.deepEqual(errors, [])
    assert.equal(query.from?.toISOString(), '2026-11-01T00:00:00.000Z')
    assert.equal(query.to?.toISOString(), '2026-11-28T00:00:00.000Z')
    assert.deepEqual([query.outcome, query.recordType, query.recordId], ['denied', 'person', 'x1'])
  })

  it('refuses impossible and reversed dates and a person who is not an id', () => {
    assert.deepEqual(
      parseAuditQuery({ from: '2026-12-01', to: '2026-11-01', actor: 'Robert' }).errors.map((e) => e.field),
      ['actor', 'to'],
    )
  })

  it('neutralises spreadsheet formulas and quotes every cell', () => {
    for (const danger of ['=1+1', '+1', '-1', '@SUM(A1)', '\tx', '\rx']) assert.equal(csvCell(danger)[1], "'")
    assert.equal(csvCell('plain "quoted"'), '"plain ""quoted"""')
    assert.equal(csvCell(null), '""')
    assert.equal(csvRow(['a', 1]), '"a","1"\r\n')
  })
})

describe('the export rate limit (RATE_LIMITS.export)', () => {
  it('refuses one user’s export confirmations and downloads beyond the limit with the GOV.UK error page, and not another user’s', async (t) => {
    const { app, db, services } = await build(t)
    const dpo = await createUser(db, services, { roles: ['dpo'] })
    const agent = await signIn(app, dpo)
    const url = `${paths.audit.export}?action=auth.sign-in`
    const confirm = await agent.get(url)
    const _csrf = csrfFrom(confirm.body)
    assertPageRefusal(await exhaustRateLimit(RATE_LIMITS.export.max - 1, () => agent.get(url)))
    assertPageRefusal(
      await exhaustRateLimit(RATE_LIMITS.export.max, () =>
        agent.post(paths.audit.export, { _csrf, action: 'auth.sign-in', password: '' }),
      ),
    )
    const other = await createUser(db, services, { roles: ['dpo'], partnershipOf: dpo })
    const theirs = await signIn(app, other)
    assert.equal((await theirs.get(url)).statusCode, 200)
    const download = await theirs.post(paths.audit.export, {
      action: 'auth.sign-in',
      password: other.password,
    })
    assert.equal(download.statusCode, 200)
    assert.match(download.headers['content-type'] as string, /^text\/csv/)
  })
})
