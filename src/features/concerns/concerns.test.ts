import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createPerson, countRows } from '../../../test/factories/person-factory.ts'
import { build } from '../../../test/helpers/build.ts'
import { ownerQuery } from '../../../test/helpers/database.ts'
import { createUser, signIn, type Agent, type TestUser } from '../../../test/helpers/sign-in.ts'
import { paths } from '../../platform/paths.ts'
import { todayInLondon } from '../people/age.ts'

type Built = Awaited<ReturnType<typeof build>>

const TODAY = todayInLondon()
const [YEAR = '', MONTH = '', DAY = ''] = TODAY.split('-')
const today = (prefix: string) => ({
  [`${prefix}-day`]: String(Number(DAY)),
  [`${prefix}-month`]: String(Number(MONTH)),
  [`${prefix}-year`]: YEAR,
})

const PAGE1_NEW_CHILD = {
  immediateDanger: 'no',
  child: 'new',
  givenName: 'Kacey',
  familyName: 'Testchild',
  'dateOfBirth-day': '4',
  'dateOfBirth-month': '5',
  'dateOfBirth-year': String(Number(YEAR) - 14),
}

const PAGE2 = {
  narrative: 'Kacey said she is going country with the elders this weekend and has a new phone.',
  ...today('happenedOn'),
  happenedAt: 'School gates',
  noticedBy: 'Me',
  childWords: 'I owe them',
  consent: 'not-asked',
  familyAware: 'no',
  learningDisability: 'no',
  tick: 'unexplained-money',
  'evidence-unexplained-money': 'Two new phones and expensive trainers',
  'recency-unexplained-money': 'current',
  'basis-unexplained-money': 'evidenced',
}

const PAGE3 = {
  judgedLevel: 'medium',
  judgementReason: 'Going country: I think this is more than the score says',
}

async function setUp(t: Parameters<typeof build>[0]) {
  const built = await build(t)
  const teacher = await createUser(built.db, built.services, { roles: ['practitioner'] })
  const agent = await signIn(built.app, teacher)
  return { ...built, teacher, agent }
}

const idFrom = (location: unknown) => /\/concerns\/([0-9a-f-]{36})/.exec(String(location))?.[1] ?? ''
const version = (html: string) => /name="version" value="(\d+)"/.exec(html)?.[1] ?? ''

async function pageOne(agent: Agent, fields: Record<string, string>) {
  return agent.submit(paths.concerns.new, fields)
}

/** All three pages: returns the concern id and the number of form pages posted. */
async function wholeFlow(agent: Agent, page1 = PAGE1_NEW_CHILD) {
  let pages = 0
  const one = await pageOne(agent, page1)
  pages++
  assert.equal(one.statusCode, 303, one.body)
  const id = idFrom(one.headers.location)
  const detailsForm = await agent.get(paths.concerns.details(id))
  assert.equal(detailsForm.statusCode, 200)
  const two = await agent.post(paths.concerns.details(id), { ...PAGE2, version: version(detailsForm.body) })
  pages++
  assert.equal(two.statusCode, 303, two.body)
  assert.equal(two.headers.location, paths.concerns.check(id))
  const check = await agent.get(paths.concerns.check(id))
  assert.equal(check.statusCode, 200, check.body)
  const three = await agent.post(paths.concerns.check(id), { ...PAGE3, version: version(check.body) })
  pages++
  assert.equal(three.statusCode, 303, three.body)
  return { id, pages, check: check.body, done: three }
}

describe('concern pages', () => {
  it('a practitioner records a concern about a new child in three pages; the child record is made for them', async (t) => {
    const { agent, db, teacher } = await setUp(t)
    const form = await agent.get(paths.concerns.new)
    assert.equal(form.statusCode, 200)
    assert.match(form.body, /Is the child in immediate danger\?/)
    const { id, pages, check, done } = await wholeFlow(agent)
    assert.ok(pages <= 3)
    // Page 3 shows the suggestion with its reasons, and the street terms found, highlighted with their meaning.
    assert.match(check, /Suggested level: Low|Suggested level: No significant risk|Suggested level: Medium/)
    assert.match(check, /Going country/)
    assert.match(check, /<mark[^>]*>going country<\/mark>/)
    assert.match(check, /Elders/)
    const shown = await agent.get(String(done.headers.location))
    assert.equal(shown.statusCode, 200)
    assert.match(shown.body, /Concern recorded and referred/)
    assert.equal(await countRows(db.ownerUrl, 'referral', 'concern_id = $1', [id]), 1)
    const [row] = await ownerQuery<{ status: string; judged_level: string; person_id: string }>(
      db.ownerUrl,
      'SELECT status, judged_level, person_id FROM concern WHERE id = $1',
      [id],
    )
    assert.equal(row?.status, 'recorded')
    assert.equal(row.judged_level, 'medium')
    assert.equal(await countRows(db.ownerUrl, 'concern_indicator', 'concern_id = $1', [id]), 1)
    // The child's record: made by the concern, the practitioner's agency involved, audited.
    assert.equal(
      await countRows(db.ownerUrl, 'person_agency', 'person_id = $1 AND agency_id = $2', [
        row.person_id,
        teacher.agencyId,
      ]),
      1,
    )
    assert.equal(
      await countRows(
        db.ownerUrl,
        'audit_event',
        "action = 'record.create' AND record_type = 'person' AND record_id = $1",
        [row.person_id],
      ),
      1,
    )
    assert.equal(
      await countRows(
        db.ownerUrl,
        'audit_event',
        "action = 'record.create' AND record_type = 'concern' AND record_id = $1 AND details->>'status' = 'recorded'",
        [id],
      ),
      1,
    )
    // The practitioner can now pick the same child for a new concern (identity only).
    const again = await agent.get(paths.concerns.new)
    assert.match(again.body, /Kacey Testchild/)
  })
})

export { type Built, type TestUser, createPerson }
