/**
 * The authorisation matrix (SECURITY.md, proof 1; ASVS 8.1.1): every route (matrix-routes.ts) × every role ×
 * every relation to the record it is about (matrix-tables.ts), asserting the exact status and exactly the audit
 * rows that request wrote. A route missing from the table, or declaring different access, fails.
 */
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import pg from 'pg'
import type { LightMyRequestResponse } from 'fastify'
import { ROLE_CAPABILITIES, ROLES, type Role } from '../../src/platform/access/roles.ts'
import { API_PREFIX } from '../../src/platform/paths.ts'
import {
  createBreakGlassGrant,
  createMeeting,
  createPerson,
  createTeam,
  joinTeam,
} from '../factories/person-factory.ts'
import { createPartnership } from '../factories/partnership-factory.ts'
import { createFlag, createObject } from '../factories/pole-factory.ts'
import { actorFor, createConcern, CTX } from '../factories/referral-factory.ts'
import { build } from '../helpers/build.ts'
import { ownerQuery } from '../helpers/database.ts'
import { Agent, createUser, signIn, type TestUser } from '../helpers/sign-in.ts'
import { personToken } from '../helpers/tokens.ts'
import { RELATIONS_OF, type AdminKind, type Kind } from './matrix-tables.ts'
import {
  DENIED,
  hasCapability,
  ROUTES,
  type Outcome,
  type PlainSpec,
  type Row,
  type TargetSpec,
} from './matrix-routes.ts'

/** The generated test is split into this many files (authorisation-matrix.test.ts and -2 … -N). */
export const MATRIX_SHARDS = 6

const isApiPath = (url: string) => url.startsWith(`${API_PREFIX}/`)

type Ids = Record<string, string>

interface Fixture {
  agents: Map<Role, Agent>
  /** For state-changing API routes (a session may only read the API): a token with all of the role's scopes. */
  tokens: Map<Role, string>
  users: Map<Role, TestUser>
  /** For each role and kind of record, a record of that kind in each relation to the role's user. */
  targets: Map<Role, Record<Kind | AdminKind, Ids>>
}

async function fixture(t: Parameters<typeof build>[0]) {
  const built = await build(t)
  const { db, services } = built
  const database = db.database
  const first = await createUser(db, services, { roles: ['practitioner'] })
  const partnershipId = first.partnershipId
  const agencies = await ownerQuery<{ id: string }>(
    db.ownerUrl,
    'SELECT id FROM agency WHERE partnership_id = $1 ORDER BY name',
    [partnershipId],
  )
  const ownAgency = first.agencyId
  const otherAgency = agencies.map((a) => a.id).find((id) => id !== ownAgency)
  assert.ok(otherAgency !== undefined)
  const elsewhere = await createPartnership(database)
  const stranger = await createUser(db, services, { roles: ['social-worker'] })
  await ownerQuery(db.ownerUrl, 'UPDATE app_user SET partnership_id = $2 WHERE id = $1', [
    stranger.id,
    elsewhere.id,
  ])
  const farAgency = (
    await ownerQuery<{ id: string }>(db.ownerUrl, 'SELECT id FROM agency WHERE partnership_id = $1 LIMIT 1', [
      elsewhere.id,
    ])
  )[0]!.id
  await ownerQuery(db.ownerUrl, 'UPDATE app_user SET agency_id = $2 WHERE id = $1', [stranger.id, farAgency])
  const farUser: TestUser = { ...stranger, partnershipId: elsewhere.id, agencyId: farAgency }
  // Someone in another agency of the partnership, and a colleague in the users' own agency.
  const outsider = await createUser(db, services, { roles: ['social-worker'], partnershipOf: first })
  await ownerQuery(db.ownerUrl, 'UPDATE app_user SET agency_id = $2 WHERE id = $1', [
    outsider.id,
    otherAgency,
  ])
  const outsiderUser: TestUser = { ...outsider, agencyId: otherAgency }
  const colleague = await createUser(db, services, { roles: ['practitioner'], partnershipOf: first })
  const otherTeam = await createTeam(database, { partnershipId, agencyId: otherAgency })

  const insert = async (sql: string, values: unknown[]) =>
    (await ownerQuery<{ id: string }>(db.ownerUrl, sql, values))[0]!.id
  const place = (partnership: string) =>
    insert(
      "INSERT INTO location (partnership_id, kind, name) VALUES ($1, 'public-place', 'Matrix park') RETURNING id",
      [partnership],
    )
  const places = { here: await place(partnershipId), away: await place(elsewhere.id) }
  // Slice i12-relations: places and things recorded by the users' agency, and by another agency linked to nobody.
  const recordedBy = async (table: 'location' | 'object', by: string) =>
    table === 'location'
      ? insert(
          "INSERT INTO location (partnership_id, kind, name, created_by) VALUES ($1, 'public-place', 'Matrix square', $2) RETURNING id",
          [partnershipId, by],
        )
      : (await createObject(database, partnershipId, { createdBy: by })).id
  const things = {
    location: {
      own: await recordedBy('location', first.id),
      unlinked: await recordedBy('location', outsider.id),
    },
    object: { own: await recordedBy('object', first.id), unlinked: await recordedBy('object', outsider.id) },
  }
  const linkTo = (partnership: string, personId: string, placeId: string) =>
    insert(
      `INSERT INTO link (partnership_id, link_type, from_kind, from_id, to_kind, to_id, source, confidence)
       VALUES ($1, 'frequents', 'person', $2, 'location', $3, 'Matrix', 'confirmed') RETURNING id`,
      [partnership, personId, placeId],
    )
  /** A referral by `by` (with these roles) about a child, submitted through the service. */
  const refer = async (by: TestUser, roles: Role[], personId: string) => {
    const concernId = await createConcern(database, by, personId)
    return (await services.referrals.submit(actorFor(by, roles), { concernId }, CTX)).id
  }
  const notify = (partnership: string, personId: string, referralId: string, by: string) =>
    insert(
      `INSERT INTO cross_authority_notification (partnership_id, person_id, referral_id, reason,
               local_authority, police_force, content, sent_by)
       VALUES ($1, $2, $3, 'moved-to', 'Matrix council', 'Matrix police', 'Matrix', $4) RETURNING id`,
      [partnership, personId, referralId, by],
    )
  /** An intelligence entry about a person, by `by`: handling P, or C refusing `deniedAgency`. */
  const intelligence = async (partnership: string, personId: string, by: string, deniedAgency?: string) => {
    const id = await insert(
      `INSERT INTO intelligence (partnership_id, reported_on, reporting_agency_id, sanitised_text, full_text,
                                 source_evaluation, intelligence_assessment, handling_code, recorded_by)
       VALUES ($1, current_date, (SELECT id FROM agency WHERE partnership_id = $1 ORDER BY name LIMIT 1),
               'Matrix sanitised', 'Matrix full', '2', 'B', $3, $2) RETURNING id`,
      [partnership, by, deniedAgency === undefined ? 'P' : 'C'],
    )
    await ownerQuery(
      db.ownerUrl,
      `INSERT INTO intelligence_subject (intelligence_id, partnership_id, entity_kind, entity_id)
       VALUES ($1, $2, 'person', $3)`,
      [id, partnership, personId],
    )
    if (deniedAgency !== undefined) {
      await ownerQuery(
        db.ownerUrl,
        `INSERT INTO intelligence_condition (intelligence_id, partnership_id, effect, agency_id)
         VALUES ($1, $2, 'deny', $3)`,
        [id, partnership, deniedAgency],
      )
    }
    return id
  }
  const draft = (partnership: string, personId: string, by: string) =>
    insert(
      `INSERT INTO concern (partnership_id, person_id, recorded_by, immediate_danger)
       VALUES ($1, $2, $3, false) RETURNING id`,
      [partnership, personId, by],
    )
  const freshChild = (partnership = partnershipId) =>
    createPerson(database, partnership, {
      allocatedTeamId: partnership === partnershipId ? otherTeam : null,
    }).then((p) => p.id)

  // Records of the other partnership, and shared ones of this partnership.
  const farChild = (await createPerson(database, elsewhere.id)).id
  const far = {
    referral: await refer(farUser, ['social-worker'], farChild),
    concern: await draft(elsewhere.id, farChild, farUser.id),
    location: places.away,
    object: (await createObject(database, elsewhere.id)).id,
    flag: await createFlag(database, db.ownerUrl, {
      partnershipId: elsewhere.id,
      subjectKind: 'location',
      subjectId: places.away,
      setBy: farUser.id,
    }),
    user: farUser.id,
    agency: farAgency,
    intelligence: await intelligence(elsewhere.id, farChild, farUser.id),
  }
  const farToken = await personToken(
    db,
    (await createUser(db, services, { roles: ['social-worker'] })).email,
    ['person:read'],
  )
  const farGrant = await createBreakGlassGrant(database, db.ownerUrl, {
    partnershipId: elsewhere.id,
    userId: farUser.id,
    personId: farChild,
  })
  const farNotification = await notify(elsewhere.id, farChild, far.referral, farUser.id)
  const hiddenChild = await freshChild()
  const shared = {
    object: (await createObject(database, partnershipId)).id,
    flagOnPlace: await createFlag(database, db.ownerUrl, {
      partnershipId,
      subjectKind: 'location',
      subjectId: places.here,
      setBy: first.id,
    }),
    flagOnChild: await createFlag(database, db.ownerUrl, {
      partnershipId,
      subjectKind: 'person',
      subjectId: hiddenChild,
      setBy: outsider.id,
    }),
  }
  // Suggested links (issue 12, i12-suggest): pending suggestions between two things of the partnership, two
  // children nobody here works with, and two things of the other partnership.
  const suggest = (partnership: string, kind: string, one: string, two: string) => {
    const [a, b] = one < two ? [one, two] : [two, one]
    return insert(
      `INSERT INTO link_suggestion (partnership_id, kind, a_id, b_id, a_version, b_version, score, explanation,
               fingerprint)
       VALUES ($1, $2, $3, $4, 1, 1, 6.9, '[]', $5) RETURNING id`,
      [partnership, kind, a, b, 'a'.repeat(64)],
    )
  }
  const suggestions = {
    // Two things the roles' own agency recorded, so each reviewer may read both.
    'between-things': await suggest(
      partnershipId,
      'object',
      (await createObject(database, partnershipId, { createdBy: first.id })).id,
      (await createObject(database, partnershipId, { createdBy: first.id })).id,
    ),
    'hidden-ends': await suggest(partnershipId, 'person', hiddenChild, await freshChild()),
    'other-partnership': await suggest(
      elsewhere.id,
      'object',
      far.object,
      (await createObject(database, elsewhere.id)).id,
    ),
  }
  const target = await createUser(db, services, { roles: ['practitioner'], partnershipOf: first })
  const spareAgency = await insert(
    "INSERT INTO agency (partnership_id, name, agency_type) VALUES ($1, 'Matrix spare agency', 'housing') RETURNING id",
    [partnershipId],
  )
  const hereToken = await personToken(db, target.email, ['referral:create'])
  // Street terms (issue 12, slice i12-terms): a term of each partnership's glossary (seeded with it).
  const termOf = async (partnership: string) =>
    (
      await ownerQuery<{ id: string }>(
        db.ownerUrl,
        "SELECT id FROM partnership_street_term WHERE partnership_id = $1 AND code = 'cuckooing'",
        [partnership],
      )
    )[0]!.id
  const streetTerms = { here: await termOf(partnershipId), far: await termOf(elsewhere.id) }
  const hereGrant = await createBreakGlassGrant(database, db.ownerUrl, {
    partnershipId,
    userId: outsider.id,
    personId: hiddenChild,
  })
  // a13: allocation (issue 13): allocations of a team of the users' agency, another agency's and another partnership's.
  const allocate = (
    partnership: string,
    teamId: string,
    personId: string,
    by: string,
    workerId: string | null = null,
  ) =>
    insert(
      `INSERT INTO allocation (partnership_id, person_id, team_id, queued_by, status, worker_id, allocated_at)
       VALUES ($1, $2, $3, $4, CASE WHEN $5::uuid IS NULL THEN 'waiting' ELSE 'allocated' END, $5::uuid,
               CASE WHEN $5::uuid IS NULL THEN NULL ELSE now() END) RETURNING id`,
      [partnership, personId, teamId, by, workerId],
    )
  const spareTeam = await createTeam(database, {
    partnershipId,
    agencyId: ownAgency,
    name: 'Matrix spare team',
  })
  const farTeam = await createTeam(database, { partnershipId: elsewhere.id, agencyId: farAgency })
  const sharedAllocations = {
    'other-team': await allocate(partnershipId, spareTeam, await freshChild(), first.id),
    'other-agency': await allocate(partnershipId, otherTeam, await freshChild(), first.id),
    'other-partnership': await allocate(elsewhere.id, farTeam, farChild, farUser.id),
  }
  const otherReferral = await refer(outsiderUser, ['social-worker'], await freshChild())
  const otherNotification = await notify(partnershipId, hiddenChild, otherReferral, outsider.id)

  const users = new Map<Role, TestUser>()
  const agents = new Map<Role, Agent>()
  const tokens = new Map<Role, string>()
  const targets = new Map<Role, Record<Kind | AdminKind, Ids>>()
  const missing = () => randomUUID()
  for (const role of ROLES) {
    const user = await createUser(db, services, { roles: [role], partnershipOf: first })
    const teamId = await createTeam(database, {
      partnershipId,
      agencyId: ownAgency,
      name: `Team of the ${role}`,
    })
    await joinTeam(db.ownerUrl, user.id, teamId)
    const person = (overrides: Parameters<typeof createPerson>[2]) =>
      createPerson(database, partnershipId, overrides).then((p) => p.id)
    const own = await person({ allocatedWorkerId: user.id })
    const mace = await person({ involvedAgencyIds: [otherAgency] })
    await createMeeting(database, partnershipId, { memberIds: [user.id], personIds: [mace] })
    const glass = await person({ involvedAgencyIds: [otherAgency] })
    await createBreakGlassGrant(database, db.ownerUrl, { partnershipId, userId: user.id, personId: glass })
    const openReferral = await person({ allocatedTeamId: otherTeam, allocatedWorkerId: outsider.id })
    await refer(outsiderUser, ['social-worker'], openReferral)
    const people: Ids = {
      own,
      team: await person({ allocatedTeamId: teamId, allocatedWorkerId: outsider.id }),
      'own-agency': await person({ involvedAgencyIds: [ownAgency] }),
      'other-agency': await person({
        allocatedTeamId: otherTeam,
        allocatedWorkerId: outsider.id,
        involvedAgencyIds: [otherAgency],
      }),
      mace,
      'break-glass': glass,
      'open-referral': openReferral,
      'other-partnership': (await createPerson(database, elsewhere.id)).id,
      missing: missing(),
    }
    // The shared phone is linked to each user's own child (a place or thing they may see through the link).
    await insert(
      `INSERT INTO link (partnership_id, link_type, from_kind, from_id, to_kind, to_id, source, confidence)
       VALUES ($1, 'uses-phone', 'person', $2, 'object', $3, 'Matrix', 'confirmed') RETURNING id`,
      [partnershipId, own, shared.object],
    )
    const links: Ids = {}
    for (const [relation, personId] of Object.entries(people)) {
      links[relation] =
        relation === 'missing'
          ? missing()
          : relation === 'other-partnership'
            ? await linkTo(elsewhere.id, personId, places.away)
            : await linkTo(partnershipId, personId, places.here)
    }
    const refers = ROLE_CAPABILITIES[role].includes('referral:create')
    const ownReferral = refers ? await refer(user, [role], own) : otherReferral
    const referrals: Ids = {
      own: ownReferral,
      allocated: await refer(outsiderUser, ['social-worker'], own),
      agency: await refer(colleague, ['practitioner'], await freshChild()),
      other: otherReferral,
      'other-partnership': far.referral,
      missing: missing(),
    }
    const concerns: Ids = {
      'own-draft': ROLE_CAPABILITIES[role].includes('concern:create')
        ? await draft(partnershipId, own, user.id)
        : await draft(partnershipId, own, colleague.id),
      'other-draft': await draft(partnershipId, own, colleague.id),
      'other-partnership': far.concern,
      missing: missing(),
    }
    const entry = (about: string, by: string, conditions: 'P' | 'not-my-agency' = 'P') =>
      intelligence(partnershipId, about, by, conditions === 'P' ? undefined : ownAgency)
    const intelligenceEntries: Ids = {
      own: await entry(own, user.id),
      mace: await entry(mace, outsider.id),
      'mace-excluded': await entry(mace, outsider.id, 'not-my-agency'),
      other: await entry(hiddenChild, outsider.id),
      'other-partnership': far.intelligence,
      missing: missing(),
    }
    const notifications: Ids = {
      own: await notify(partnershipId, own, ownReferral, user.id),
      other: otherNotification,
      'other-partnership': farNotification,
      missing: missing(),
    }
    // t13: tasks in each relation to the user (inserted as the owner: the service's raise is tested on its own).
    const task = (partnership: string, personId: string, user: string | null, team: string | null) =>
      insert(
        `INSERT INTO task (partnership_id, kind, subject_kind, subject_id, assigned_user_id, assigned_team_id,
                           reason, due_at, dedup_key)
         VALUES ($1, 'flag-review', 'person', $2, $3, $4, 'Matrix task', now() + interval '1 day', gen_random_uuid())
         RETURNING id`,
        [partnership, personId, user, team],
      )
    const tasks: Ids = {
      own: await task(partnershipId, own, user.id, teamId),
      team: await task(partnershipId, people.team ?? '', null, teamId),
      'hidden-child': await task(partnershipId, hiddenChild, user.id, teamId),
      'other-user': await task(partnershipId, own, outsider.id, otherTeam),
      'other-partnership': await task(elsewhere.id, farChild, farUser.id, null),
      missing: missing(),
    }
    targets.set(role, {
      // t13: the task engine.
      task: tasks,
      person: people,
      link: links,
      referral: referrals,
      concern: concerns,
      notification: notifications,
      intelligence: intelligenceEntries,
      location: {
        linked: places.here,
        'own-agency': things.location.own,
        unlinked: things.location.unlinked,
        'other-partnership': far.location,
        missing: missing(),
      },
      object: {
        linked: shared.object,
        'own-agency': things.object.own,
        unlinked: things.object.unlinked,
        'other-partnership': far.object,
        missing: missing(),
      },
      flag: {
        'on-place': shared.flagOnPlace,
        'on-hidden-child': shared.flagOnChild,
        'other-partnership': far.flag,
        missing: missing(),
      },
      user: { here: target.id, 'other-partnership': far.user, missing: missing() },
      agency: { here: spareAgency, 'other-partnership': far.agency, missing: missing() },
      token: { here: hereToken.id, 'other-partnership': farToken.id, missing: missing() },
      grant: { here: hereGrant, 'other-partnership': farGrant, missing: missing() },
      // Street terms (issue 12, slice i12-terms)
      'street-term': { here: streetTerms.here, 'other-partnership': streetTerms.far, missing: missing() },
      // Suggested links (i12-suggest).
      suggestion: { ...suggestions, missing: missing() },
      // a13: allocation (issue 13)
      allocation: {
        'own-team': await allocate(partnershipId, teamId, await freshChild(), first.id),
        allocated: await allocate(partnershipId, otherTeam, await freshChild(), first.id, user.id),
        ...sharedAllocations,
        missing: missing(),
      },
    })
    users.set(role, user)
    agents.set(role, await signIn(built.app, user))
    const roleToken = await personToken(db, user.email, [...ROLE_CAPABILITIES[role]])
    tokens.set(role, roleToken.token)
  }
  const fx: Fixture = { agents, tokens, users, targets }
  return { ...built, fx }
}

/** A page of this session with a form, so that a state-changing request can carry its CSRF token. */
const hasCsrf = (html: string) => html.includes('name="_csrf"')

async function call(
  agent: Agent,
  method: string,
  url: string,
  body: Record<string, string> = {},
  token?: string,
) {
  if (method === 'GET') return agent.get(url)
  // The API takes changes only with a bearer token (no session, so no CSRF exposure), as JSON.
  if (isApiPath(url) && token !== undefined) {
    return agent.app.inject({ method, url, payload: body, headers: { authorization: `Bearer ${token}` } })
  }
  // A state-changing form needs the CSRF token of a page the agent loaded (any page of the session has one).
  // a13: the account page, not home: home lists (and audits) children waiting for allocation and allocated.
  if (!hasCsrf(agent.lastPage)) await agent.get('/account')
  return agent.post(url, body)
}

interface Written {
  action: string
  outcome: string
  record_type: string | null
  record_id: string | null
  reason: string | null
}

/** The audit trail as the owner sees it, on one connection kept for the shard (thousands of reads). */
function auditReader(ownerUrl: string) {
  const pool = new pg.Pool({ connectionString: ownerUrl, max: 1 })
  // The test database is dropped after the test, which ends this connection if it is still open.
  pool.on('error', () => undefined)
  return {
    end: () => pool.end(),
    lastId: async () =>
      (await pool.query<{ id: string }>('SELECT coalesce(max(id), 0)::text AS id FROM audit_event')).rows[0]!
        .id,
    writtenSince: async (after: string) =>
      (
        await pool.query<Written>(
          'SELECT action, outcome, record_type, record_id, reason FROM audit_event WHERE id > $1 ORDER BY id',
          [after],
        )
      ).rows,
  }
}

/** A page's title or a problem's detail: enough to tell why a status came. */
const titleOf = (body: string) =>
  (/<title>([^<]*)<\/title>/.exec(body)?.[1] ?? body.slice(0, 160)).replace(/\s+/g, ' ')

const rowKey = (r: { action: string; outcome: string }) => `${r.action}/${r.outcome}`

/**
 * The rows a request wrote, against what the matrix expects: exactly `expected` about the target (untyped rows),
 * each typed row about some other record of that type, and otherwise only reads of other records shown
 * (`otherReads`), or nothing else at all.
 */
function checkRows(
  label: string,
  rows: Written[],
  targetId: string | null,
  expected: readonly Row[],
  otherReads: boolean,
) {
  const about = rows.filter((r) => targetId !== null && r.record_id === targetId)
  assert.deepEqual(
    about.map(rowKey).sort(),
    expected
      .filter((r) => r.type === undefined)
      .map(rowKey)
      .sort(),
    `${label}: audit rows about the record`,
  )
  const others = rows.filter((r) => !(targetId !== null && r.record_id === targetId))
  const typed = expected.filter((r) => r.type !== undefined)
  const unmatched = [...others]
  for (const want of typed) {
    const at = unmatched.findIndex((r) => r.record_type === want.type && rowKey(r) === rowKey(want))
    assert.ok(at >= 0, `${label}: an audit row ${rowKey(want)} about a ${want.type ?? ''}`)
    unmatched.splice(at, 1)
  }
  const unexpected = unmatched.filter((r) => !(otherReads && rowKey(r) === 'record.read/allowed'))
  assert.deepEqual(
    unexpected.map((r) => `${rowKey(r)} ${r.record_type ?? ''}`),
    [],
    `${label}: other audit rows`,
  )
}

/** One line for a failed check: what it was about, what came and what the matrix says. */
function disagreement(error: unknown): string {
  if (!(error instanceof assert.AssertionError)) return String(error)
  const first = error.message.split('\n')[0] ?? ''
  return `${first.slice(0, 120)} | got ${JSON.stringify(error.actual)} | want ${JSON.stringify(error.expected)}`
}

/** Every route is in the matrix with the access it declares, and the matrix names no route that is gone. */
export async function checkTableAgrees(t: Parameters<typeof build>[0]) {
  const { app } = await build(t)
  await app.ready()
  const declared = new Map(
    app
      .routeTable()
      .filter((r) => r.method !== 'HEAD')
      .map((r) => [`${r.method} ${r.url}`, r.access]),
  )
  const missing = [...declared.keys()].filter((key) => !(key in ROUTES))
  assert.deepEqual(missing, [], 'routes missing from the authorisation matrix')
  const stale = Object.keys(ROUTES).filter((key) => !declared.has(key))
  assert.deepEqual(stale, [], 'matrix entries for routes that no longer exist')
  for (const [key, spec] of Object.entries(ROUTES)) {
    const access = declared.get(key)
    const expected = hasCapability(spec) ? { capability: spec.capability } : spec.access
    assert.deepEqual(access, expected, `${key} declares different access from the matrix`)
  }
}

/**
 * Every guarded route of shard `shard` (of `shards`, by position in ROUTES) × every role × every relation: the
 * status and the audit rows the matrix says. Split so that each test file stays within the runner's time limit
 * and the shards run side by side.
 */
export async function checkGuardedRoutes(t: Parameters<typeof build>[0], shard: number, shards: number) {
  const { db, fx } = await fixture(t)
  const audit = auditReader(db.ownerUrl)
  try {
    await checkShard(db, fx, audit, shard, shards)
  } finally {
    await audit.end()
  }
}

async function checkShard(
  db: Awaited<ReturnType<typeof fixture>>['db'],
  fx: Fixture,
  audit: ReturnType<typeof auditReader>,
  shard: number,
  shards: number,
) {
  const checked = { refused: 0, record: 0, plain: 0 }
  const failures: string[] = []
  for (const [key, spec] of Object.entries(ROUTES).filter((_, i) => i % shards === shard - 1)) {
    if (!hasCapability(spec)) continue
    const [method = 'GET', pattern = '/'] = key.split(' ')
    for (const role of ROLES) {
      const agent = fx.agents.get(role)
      const user = fx.users.get(role)
      const targets = fx.targets.get(role)
      assert.ok(agent !== undefined && user !== undefined && targets !== undefined)
      const hasIt = ROLE_CAPABILITIES[role].includes(spec.capability)
      const record = 'target' in spec ? spec.target : undefined
      const relations: ReadonlyArray<string | null> =
        record === undefined ? [null] : RELATIONS_OF[record.kind]
      for (const relation of relations) {
        const id = record === undefined || relation === null ? null : (targets[record.kind][relation] ?? '')
        const url =
          (id === null ? pattern : pattern.replace(':id', id).replace(/:[A-Za-z]+Id/, randomUUID())) +
          (record?.query ?? '')
        const label = `${key} as ${role}${relation === null ? '' : ` (${relation})`}`
        const before = await audit.lastId()
        const body = record?.body ?? ('plain' in spec ? spec.plain.body : undefined)
        const res: LightMyRequestResponse = await call(agent, method, url, body, fx.tokens.get(role))
        try {
          const rows = (await audit.writtenSince(before)).filter(
            // Loading /home for a form's CSRF token reads nothing; sign-in and session rows are not this request's.
            (r) => !r.action.startsWith('auth.'),
          )
          if (!hasIt) {
            assert.equal(res.statusCode, 403, label)
            if (isApiPath(url)) assert.match(String(res.headers['content-type']), /problem\+json/, label)
            assert.deepEqual(
              rows.map((r) => [r.action, r.reason, r.record_id]),
              [['access.denied', `missing capability ${spec.capability}`, null]],
              `${label}: audit rows`,
            )
            checked.refused++
            continue
          }
          if (record === undefined || relation === null) {
            const plainSpec: PlainSpec = 'plain' in spec ? spec.plain : { status: 200, audit: 'none' }
            assert.equal(res.statusCode, plainSpec.status, `${label}: ${titleOf(res.body)}`)
            if (plainSpec.audit === 'none') checkRows(label, rows, null, [], false)
            else if (plainSpec.audit === 'reads') checkRows(label, rows, null, [], true)
            else checkRows(label, rows, null, plainSpec.audit, false)
            checked.plain++
            continue
          }
          checked.record++
          const allowed = record.allowed[role].includes(relation)
          const visible: TargetSpec['forbidden'] = record.forbidden
          if (!allowed && visible !== undefined && visible.allowed[role].includes(relation)) {
            const refused: Outcome = visible.outcome
            assert.equal(res.statusCode, refused.status, `${label}: ${titleOf(res.body)}`)
            checkRows(label, rows, id, refused.audit, false)
          } else if (allowed) {
            const ok: Outcome = record.ok
            assert.equal(res.statusCode, ok.status, `${label}: ${titleOf(res.body)}`)
            checkRows(label, rows, id, ok.audit, true)
          } else {
            const denied: Outcome = record.denied ?? { status: 404, audit: [DENIED] }
            assert.equal(res.statusCode, denied.status, `${label}: ${titleOf(res.body)}`)
            checkRows(label, rows, id, denied.audit, false)
            // A refused record's page or answer never shows it: its id appears only in the URL.
            if (res.statusCode === 404)
              assert.doesNotMatch(res.body, new RegExp(`Matrix park|${id ?? ''}/edit`), label)
          }
        } catch (error) {
          // Collected, so that one run lists every disagreement.
          failures.push(disagreement(error))
        }
      }
    }
  }
  assert.deepEqual(failures, [], `${String(failures.length)} disagreements with the matrix`)
  assert.ok(checked.refused > 50 / shards && checked.record > 300 / shards, JSON.stringify(checked))
}

/** API routes refuse anonymous callers with 401 problem+json; pages send them to sign in. */
export async function checkAnonymous(t: Parameters<typeof build>[0]) {
  const { app } = await build(t)
  const anonymous = new Agent(app)
  for (const [key, spec] of Object.entries(ROUTES)) {
    if (!('capability' in spec) && spec.access === 'public') continue
    const [method = 'GET', pattern = '/'] = key.split(' ')
    if (method !== 'GET') continue
    const url = pattern.replace(/:[A-Za-z]+/g, randomUUID())
    const res = await anonymous.get(url)
    if (url.startsWith(API_PREFIX)) {
      assert.equal(res.statusCode, 401, key)
      assert.match(String(res.headers['content-type']), /problem\+json/, key)
    } else {
      assert.equal(res.statusCode, 303, key)
    }
  }
}
