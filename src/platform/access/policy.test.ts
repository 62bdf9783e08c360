import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import {
  can,
  canBreakGlass,
  decide,
  decideConcern,
  decideFlag,
  decideLink,
  decideThing,
  visibleFields,
  type FieldGroup,
  type RecordFacts,
  type RecordKind,
} from './policy.ts'
import { CAPABILITIES, ROLE_CAPABILITIES, ROLES, type Role } from './roles.ts'
import { actor, ME, MY_AGENCY, P1, P2 } from './policy-fixtures.ts'
import { RELATIONS, type Relation } from '../../../test/helpers/policy.ts'

const COLUMNS = Object.keys(RELATIONS) as Relation[]

/**
 * The declarative matrix: one letter per relation column above.
 *   F full record · P identity and details · O identity and referral outcome · B full, through break-glass ·
 *   I identity only · - denied
 * Team column: a team manager manages the allocated team, everyone else works in it.
 */
const READ_MATRIX: Record<'person' | 'referral', Record<Role, string>> = {
  // Columns, in order: none, worker, team, mace, referrer, own-agency, break-glass, other-partnership.
  person: {
    practitioner: '--------',
    dsl: '-FF--P--',
    'front-door': '-FF---B-',
    'social-worker': '-FFF--B-',
    'team-manager': '-FFF--B-',
    'mace-chair': '-FFF--B-',
    // The intelligence unit sees who anyone of its partnership is (policy-relations.test.ts).
    'police-intelligence': 'IFFFIIB-',
    'strategic-leader': '--------',
    dpo: '--------',
    'system-admin': '--------',
  },
  referral: {
    practitioner: '-FF-O---',
    dsl: '-FF-OO--',
    'front-door': 'FFFFFFF-',
    'social-worker': '-FFFO-B-',
    'team-manager': 'FFFFFFF-',
    'mace-chair': '-FFFO-B-',
    'police-intelligence': '-FFFO-B-',
    'strategic-leader': '--------',
    dpo: '--------',
    'system-admin': '--------',
  },
}

const EXPECT: Record<string, { allowed: boolean; fields: FieldGroup[]; breakGlass: boolean }> = {
  F: { allowed: true, fields: ['identity', 'details', 'sensitive'], breakGlass: false },
  P: { allowed: true, fields: ['identity', 'details'], breakGlass: false },
  O: { allowed: true, fields: ['identity', 'referral-outcome'], breakGlass: false },
  I: { allowed: true, fields: ['identity'], breakGlass: false },
  B: { allowed: true, fields: ['identity', 'details', 'sensitive'], breakGlass: true },
  '-': { allowed: false, fields: [], breakGlass: false },
}

describe('access policy: read matrix', () => {
  for (const kind of ['person', 'referral'] as const) {
    for (const role of ROLES) {
      const row = READ_MATRIX[kind][role]
      it(`${role} reading a ${kind}: ${row}`, () => {
        assert.equal(row.length, COLUMNS.length, 'one letter per relation')
        COLUMNS.forEach((relation, i) => {
          const record: RecordFacts = { kind, partnershipId: P1, ...RELATIONS[relation] }
          const decision = decide(actor(role), 'read', record)
          const expected = EXPECT[row[i] ?? '?']
          assert.ok(expected, `bad letter in the ${role} row`)
          assert.deepEqual(
            { allowed: decision.allowed, fields: decision.fields, breakGlass: decision.breakGlass },
            expected,
            `${role} × ${relation} on a ${kind}`,
          )
        })
      })
    }
  }
})

describe('access policy: writes', () => {
  it('changes a person only with person:write and a case relationship (or break-glass)', () => {
    const person = (facts: Partial<RecordFacts>): RecordFacts => ({
      kind: 'person',
      partnershipId: P1,
      ...facts,
    })
    assert.equal(decide(actor('social-worker'), 'write', person({ allocatedWorkerId: ME })).allowed, true)
    assert.equal(
      decide(actor('social-worker'), 'write', person({ currentMaceMemberIds: [ME] })).allowed,
      false,
    )
    const viaGlass = decide(actor('front-door'), 'write', person({ breakGlassUserIds: [ME] }))
    assert.deepEqual([viaGlass.allowed, viaGlass.breakGlass], [true, true])
    assert.equal(decide(actor('mace-chair'), 'write', person({ allocatedWorkerId: ME })).denial, 'capability')
    assert.equal(decide(actor('dsl'), 'write', person({ involvedAgencyIds: [MY_AGENCY] })).allowed, false)
  })

  it('only the front door and its managers decide referrals', () => {
    const referral: RecordFacts = { kind: 'referral', partnershipId: P1, referrerIds: [ME] }
    assert.equal(decide(actor('front-door'), 'write', referral).allowed, true)
    assert.equal(decide(actor('team-manager'), 'write', referral).allowed, true)
    for (const role of ['practitioner', 'dsl', 'social-worker', 'mace-chair', 'system-admin'] as const) {
      assert.equal(decide(actor(role), 'write', referral).allowed, false, role)
    }
  })
})

describe('access policy: intelligence and handling codes', () => {
  const intel = (facts: Partial<RecordFacts>): RecordFacts => ({
    kind: 'intelligence',
    partnershipId: P1,
    handlingCode: 'P',
    ...facts,
  })

  it('police intelligence read both handling codes in full', () => {
    for (const handlingCode of ['P', 'C'] as const) {
      const d = decide(actor('police-intelligence'), 'read', intel({ handlingCode }))
      assert.deepEqual([d.allowed, d.fields], [true, ['intelligence-full']])
    }
  })

  it('MACE members see sanitised P intelligence; C only when its conditions name their agency', () => {
    const chair = actor('mace-chair')
    assert.deepEqual(decide(chair, 'read', intel({ currentMaceMemberIds: [ME] })).fields, [
      'intelligence-sanitised',
    ])
    const conditioned = intel({ handlingCode: 'C', currentMaceMemberIds: [ME] })
    assert.equal(decide(chair, 'read', conditioned).denial, 'handling')
    const named = { ...conditioned, handlingAgencyIds: [MY_AGENCY] }
    assert.deepEqual(decide(chair, 'read', named).fields, ['intelligence-sanitised'])
  })

  it('break-glass never opens intelligence', () => {
    const record = intel({ breakGlassUserIds: [ME] })
    assert.equal(decide(actor('social-worker'), 'read', record).allowed, false)
    assert.equal(canBreakGlass(actor('social-worker'), record), false)
  })
})

describe('access policy: capabilities', () => {
  it('the administrator manages users and sees no case data', () => {
    const admin = actor('system-admin')
    assert.equal(can(admin, 'user:manage'), true)
    const caseCapabilities = CAPABILITIES.filter(
      (c) => !['user:manage', 'agency:manage', 'token:manage', 'reference:manage'].includes(c),
    )
    assert.deepEqual(
      caseCapabilities.filter((c) => can(admin, c)),
      [],
    )
  })

  it('anyone who works with children can record a concern and refer (policy: anyone can refer)', () => {
    for (const role of ROLES.filter((r) => !['strategic-leader', 'dpo', 'system-admin'].includes(r))) {
      assert.ok(can(actor(role), 'concern:create') && can(actor(role), 'referral:create'), role)
    }
  })

  it('an API token only narrows what its user may do', () => {
    const token = actor('social-worker', { scopes: ['person:read', 'user:manage'] })
    assert.equal(can(token, 'person:read'), true)
    assert.equal(can(token, 'user:manage'), false, 'a scope the role lacks grants nothing')
    assert.equal(can(token, 'person:write'), false, 'a role capability outside the scopes is withheld')
  })

  it('break-glass is for roles that could be involved with a child, in their own partnership', () => {
    const person: RecordFacts = { kind: 'person', partnershipId: P1 }
    const eligible = ROLES.filter((role) => canBreakGlass(actor(role), person))
    assert.deepEqual(eligible, [
      'front-door',
      'social-worker',
      'team-manager',
      'mace-chair',
      'police-intelligence',
    ])
    assert.equal(canBreakGlass(actor('social-worker'), { ...person, partnershipId: P2 }), false)
  })

  it('every role grants only known capabilities', () => {
    for (const role of ROLES) {
      for (const capability of ROLE_CAPABILITIES[role])
        assert.ok(CAPABILITIES.includes(capability), capability)
    }
  })
})

describe('access policy: locations, objects, links and flags', () => {
  const worker = { kind: 'person', partnershipId: P1, allocatedWorkerId: ME } as const
  const stranger = { kind: 'person', partnershipId: P1 } as const
  // A place recorded by the actor's agency (decideThing: own agency's records; policy-relations.test.ts).
  const place = { kind: 'location', partnershipId: P1, createdByAgencyId: MY_AGENCY } as const

  it('places and things: their own agency’s read with person:read, recorded by those who record people or links, never across partnerships', () => {
    for (const role of ROLES) {
      const a = actor(role)
      const caps = ROLE_CAPABILITIES[role]
      assert.equal(
        decideThing(a, 'read', place).allowed,
        caps.includes('person:read'),
        `${role} reads a place`,
      )
      assert.equal(
        decideThing(a, 'write', { ...place, kind: 'object' }).allowed,
        caps.includes('person:read') && (caps.includes('person:write') || caps.includes('link:write')),
        `${role} records a thing`,
      )
      assert.equal(decideThing(a, 'read', { ...place, partnershipId: P2 }).allowed, false)
    }
  })

  it('a link shows only when both ends do, and needs link:write to record', () => {
    const sw = actor('social-worker')
    const seen = decide(sw, 'read', worker)
    const hidden = decide(sw, 'read', stranger)
    const where = decideThing(sw, 'read', place)
    assert.equal(decideLink(sw, 'read', [seen, where]).allowed, true)
    assert.equal(decideLink(sw, 'read', [seen, hidden]).allowed, false, 'an associate the worker may not see')
    assert.equal(decideLink(sw, 'write', [seen, hidden]).allowed, false, 'no link to a record you cannot see')
    assert.equal(decideLink(sw, 'write', [seen, where]).allowed, true)
    const dsl = actor('dsl')
    const pupil = decide(dsl, 'read', { ...worker, allocatedWorkerId: null, involvedAgencyIds: [MY_AGENCY] })
    assert.equal(pupil.allowed, true)
    assert.equal(
      decideLink(dsl, 'write', [pupil, decideThing(dsl, 'read', place)]).allowed,
      false,
      'no link:write',
    )
    const glass = decide(sw, 'read', { ...stranger, breakGlassUserIds: [ME] })
    assert.equal(
      decideLink(sw, 'read', [glass, where]).breakGlass,
      true,
      'seen through break-glass is marked',
    )
  })

  it('a flag is read with its subject; set with flag:write', () => {
    const sw = actor('social-worker')
    assert.equal(decideFlag(sw, 'write', decide(sw, 'read', worker)).allowed, true)
    assert.equal(decideFlag(sw, 'read', decide(sw, 'read', stranger)).allowed, false)
    const dsl = actor('dsl')
    assert.equal(decideFlag(dsl, 'write', decide(dsl, 'read', worker)).allowed, false)
    assert.equal(decideFlag(dsl, 'read', decide(dsl, 'read', worker)).allowed, true)
  })
})

describe('access policy: properties', () => {
  const arbitraryActor = fc.record({
    userId: fc.constantFrom('u1', 'u2', 'u3'),
    partnershipId: fc.constantFrom(P1, P2),
    agencyId: fc.constantFrom('a1', 'a2'),
    teamIds: fc.subarray(['t1', 't2']),
    managedTeamIds: fc.subarray(['t1', 't2']),
    roles: fc.subarray([...ROLES], { minLength: 1 }),
    scopes: fc.option(fc.subarray([...CAPABILITIES]), { nil: undefined }),
  })
  const arbitraryRecord = fc.record({
    kind: fc.constantFrom<RecordKind>('person', 'location', 'object', 'referral', 'intelligence'),
    partnershipId: fc.constantFrom(P1, P2),
    allocatedWorkerId: fc.option(fc.constantFrom('u1', 'u2', 'u3'), { nil: undefined }),
    allocatedTeamId: fc.option(fc.constantFrom('t1', 't2'), { nil: undefined }),
    referrerIds: fc.subarray(['u1', 'u2', 'u3']),
    involvedAgencyIds: fc.subarray(['a1', 'a2']),
    currentMaceMemberIds: fc.subarray(['u1', 'u2', 'u3']),
    handlingCode: fc.constantFrom<'P' | 'C'>('P', 'C'),
    handlingAgencyIds: fc.subarray(['a1', 'a2']),
    breakGlassUserIds: fc.subarray(['u1', 'u2', 'u3']),
  })

  it('never allows across partnerships, never shows fields on a denial, never lets admins or leaders see a record', () => {
    fc.assert(
      fc.property(arbitraryActor, arbitraryRecord, fc.constantFrom('read', 'write'), (a, r, action) => {
        const d = decide(a, action, r)
        if (a.partnershipId !== r.partnershipId) assert.equal(d.allowed, false)
        if (!d.allowed) assert.deepEqual(d.fields, [])
        const onlyNonCaseRoles = a.roles.every((role) =>
          ['system-admin', 'strategic-leader', 'dpo'].includes(role),
        )
        if (onlyNonCaseRoles) assert.equal(d.allowed, false)
        if (d.breakGlass) assert.ok(r.breakGlassUserIds.includes(a.userId) && r.kind !== 'intelligence')
      }),
      { numRuns: 2000 },
    )
  })

  it('visibleFields returns nothing a decision does not allow', () => {
    const groups = {
      name: 'identity',
      dateOfBirth: 'identity',
      school: 'details',
      risk: 'sensitive',
      outcome: 'referral-outcome',
    } as const
    fc.assert(
      fc.property(arbitraryActor, arbitraryRecord, (a, r) => {
        const d = decide(a, 'read', r)
        const shown = visibleFields(
          d,
          { name: 'n', dateOfBirth: 'd', school: 's', risk: 'r', outcome: 'o', secret: 'x' },
          groups,
        )
        for (const key of Object.keys(shown)) {
          assert.ok(d.fields.includes(groups[key as keyof typeof groups]), `${key} shown without its group`)
        }
        assert.equal('secret' in shown, false, 'unmapped fields are never shown')
      }),
      { numRuns: 1000 },
    )
  })
})

describe('access policy: concerns', () => {
  const child = (role: Role, facts: Partial<RecordFacts> = {}) =>
    decide(actor(role), 'read', { kind: 'person', partnershipId: P1, ...facts })
  const mine = { partnershipId: P1, recordedBy: ME, status: 'draft' as const }
  const theirs = { partnershipId: P1, recordedBy: 'someone-else', status: 'recorded' as const }

  it('the recorder reads their concern, draft or recorded, without any sight of the child', () => {
    const denied = child('practitioner')
    assert.equal(denied.allowed, false)
    assert.equal(decideConcern(actor('practitioner'), 'read', mine, denied).allowed, true)
    assert.equal(
      decideConcern(actor('practitioner'), 'read', { ...mine, status: 'recorded' }, denied).allowed,
      true,
    )
  })

  it('others read a recorded concern only when the policy lets them read the child; never a draft', () => {
    const worker = child('social-worker', { allocatedWorkerId: ME })
    assert.equal(decideConcern(actor('social-worker'), 'read', theirs, worker).allowed, true)
    assert.equal(
      decideConcern(actor('social-worker'), 'read', { ...theirs, status: 'draft' }, worker).allowed,
      false,
    )
    const stranger = child('social-worker')
    assert.equal(decideConcern(actor('social-worker'), 'read', theirs, stranger).allowed, false)
    assert.equal(
      decideConcern(actor('social-worker', { partnershipId: P2 }), 'read', theirs, worker).allowed,
      false,
    )
  })

  it('only the recorder changes a draft, with concern:create; a recorded concern is final', () => {
    const none = child('practitioner')
    assert.equal(decideConcern(actor('practitioner'), 'write', mine, none).allowed, true)
    assert.equal(
      decideConcern(actor('practitioner'), 'write', { ...mine, status: 'recorded' }, none).allowed,
      false,
    )
    const worker = child('social-worker', { allocatedWorkerId: ME })
    assert.equal(
      decideConcern(actor('social-worker'), 'write', { ...mine, recordedBy: 'someone-else' }, worker).allowed,
      false,
    )
    assert.equal(decideConcern(actor('dpo'), 'write', mine, none).allowed, false)
  })
})
