/**
 * The authorisation matrix (SECURITY.md, proof 1; ASVS 8.1.1): one declarative table of every route, what it
 * needs, and for record routes which relations let each role in. The test is generated from the table: every
 * route × every role (× every relation to a record, for record routes), asserting the status and the audit row.
 * A route missing from the table, or declaring different access from the table, fails the test.
 */
import assert from 'node:assert/strict'
import type { LightMyRequestResponse } from 'fastify'
import { ROLE_CAPABILITIES, ROLES, type Capability, type Role } from '../../src/platform/access/roles.ts'
import { API_PREFIX, isApiPath } from '../../src/platform/paths.ts'
import {
  createBreakGlassGrant,
  createMeeting,
  createPerson,
  createTeam,
  joinTeam,
} from '../factories/person-factory.ts'
import { createPartnership } from '../factories/partnership-factory.ts'
import { createFlag, createLocation, createObject } from '../factories/pole-factory.ts'
import { actorFor, createConcern, CTX } from '../factories/referral-factory.ts'
import { addDays, partsOf } from '../../src/features/flags/flag-validation.ts'
import { todayInLondon } from '../../src/features/people/age.ts'
import { build } from '../helpers/build.ts'
import { ownerQuery } from '../helpers/database.ts'
import { Agent, createUser, signIn, TEST_PASSWORD, type TestUser } from '../helpers/sign-in.ts'
import { personToken } from '../helpers/tokens.ts'

/** The generated test is split into this many files (authorisation-matrix.test.ts and -2 … -N). */
export const MATRIX_SHARDS = 4

/** How a user stands to a child's record. */
const RELATIONS = [
  'own', // the allocated worker
  'team', // the allocated team is theirs (a team manager manages it)
  'own-agency', // their agency holds information on the child
  'other-agency', // allocated to and held by another agency only
  'mace', // on the agenda of a current meeting they attend
  'break-glass', // they hold an unexpired break-glass grant
  'other-partnership', // a child in another partnership
] as const
type Relation = (typeof RELATIONS)[number]

/** Who may read a person's record: for each role, the relations that let them in. Written out, not computed. */
const PERSON_READ: Readonly<Record<Role, readonly Relation[]>> = {
  practitioner: [], // no person:read: the route refuses (403)
  dsl: ['own', 'team', 'own-agency'],
  'front-door': ['own', 'team', 'break-glass'],
  'social-worker': ['own', 'team', 'mace', 'break-glass'],
  'team-manager': ['own', 'team', 'mace', 'break-glass'],
  'mace-chair': ['own', 'team', 'mace', 'break-glass'],
  'police-intelligence': ['own', 'team', 'mace', 'break-glass'],
  'strategic-leader': [],
  dpo: [],
  'system-admin': [],
}

/** Who may see "who has viewed this record": a reader with record-views:read, and the DPO for any record. */
const RECORD_VIEWS: Readonly<Record<Role, readonly Relation[]>> = {
  practitioner: [],
  dsl: [],
  'front-door': [],
  'social-worker': ['own', 'team', 'mace', 'break-glass'],
  'team-manager': ['own', 'team', 'mace', 'break-glass'],
  'mace-chair': [],
  'police-intelligence': [],
  'strategic-leader': [],
  dpo: ['own', 'team', 'own-agency', 'other-agency', 'mace', 'break-glass'],
  'system-admin': [],
}

/** Who may open a record by break-glass (given a reason and their password): any record in their partnership. */
const ANY_IN_PARTNERSHIP: readonly Relation[] = [
  'own',
  'team',
  'own-agency',
  'other-agency',
  'mace',
  'break-glass',
]
const BREAK_GLASS: Readonly<Record<Role, readonly Relation[]>> = {
  practitioner: [],
  dsl: [],
  'front-door': ANY_IN_PARTNERSHIP,
  'social-worker': ANY_IN_PARTNERSHIP,
  'team-manager': ANY_IN_PARTNERSHIP,
  'mace-chair': ANY_IN_PARTNERSHIP,
  'police-intelligence': ANY_IN_PARTNERSHIP,
  'strategic-leader': [],
  dpo: [],
  'system-admin': [],
}

/** Who may change a person's record: person:write, and an allocation to them or their team, or break-glass. */
const PERSON_WRITE: Readonly<Record<Role, readonly Relation[]>> = {
  practitioner: [],
  dsl: [],
  'front-door': ['own', 'team', 'break-glass'],
  'social-worker': ['own', 'team', 'break-glass'],
  'team-manager': ['own', 'team', 'break-glass'],
  'mace-chair': [],
  'police-intelligence': ['own', 'team', 'break-glass'],
  'strategic-leader': [],
  dpo: [],
  'system-admin': [],
}
/** Merging: only a team manager has person:merge; reading merges needs sight of the record, changing it more. */
const NOBODY: readonly Relation[] = []
const MERGE_READ: Readonly<Record<Role, readonly Relation[]>> = {
  practitioner: NOBODY,
  dsl: NOBODY,
  'front-door': NOBODY,
  'social-worker': NOBODY,
  'team-manager': ['own', 'team', 'mace', 'break-glass'],
  'mace-chair': NOBODY,
  'police-intelligence': NOBODY,
  'strategic-leader': NOBODY,
  dpo: NOBODY,
  'system-admin': NOBODY,
}
const MERGE_WRITE: Readonly<Record<Role, readonly Relation[]>> = {
  ...MERGE_READ,
  'team-manager': ['own', 'team', 'break-glass'],
}

interface RecordRoute {
  /** Relations that let each role in (when the role also has the route's capability). */
  allowed: Readonly<Record<Role, readonly Relation[]>>
  ok: number
  /** The audit row an allowed request writes about the record. */
  /** `anyRecord`: the row is about a record the request made (a flag), not the target itself. */
  audit: { action: string; outcome: string; anyRecord?: boolean } | null
  /** A denied or missing record: the status, and the audit row about the record. */
  denied: { status: number; action: string; outcome: string }
  body?: Record<string, string>
  /** Appended to the URL (e.g. '?version=1'). */
  query?: string
  /** 'link': the id is a link from the person in that relation to a place, so it is exactly as visible. */
  via?: 'link'
}

type RouteSpec =
  | { access: 'public' }
  | { access: 'signed-in' }
  | {
      capability: Capability
      person?: RecordRoute
      /** 'own-concern': a draft concern the role's user recorded (someone else's answers 404, as missing). */
      /** 'own-referral': a referral the role's user made (front-door roles: about their own child); 'own-notification': one sent on it. */
      target?:
        | 'user'
        | 'grant'
        | 'agency'
        | 'token'
        | 'location'
        | 'object'
        | 'flag'
        | 'own-concern'
        | 'own-referral'
        | 'own-notification'
      body?: Record<string, string>
    }

const READ_AUDIT = { action: 'record.read', outcome: 'allowed' }
const READ_DENIED = { status: 404, action: 'access.denied', outcome: 'denied' }

/** Showing an edit form is an audited read; a change with nothing valid in it is a 400 once allowed. */
const EDIT_READ: RecordRoute = { allowed: PERSON_WRITE, ok: 200, audit: READ_AUDIT, denied: READ_DENIED }
const EDIT_INVALID = (body: Record<string, string>): RecordRoute => ({
  allowed: PERSON_WRITE,
  ok: 400,
  audit: null,
  denied: READ_DENIED,
  body,
})
/** A sub-record (alias, status) that does not exist on an allowed person: 404, after the policy allowed it. */
const EDIT_NO_SUBRECORD = (body: Record<string, string>, query?: string): RecordRoute => ({
  allowed: PERSON_WRITE,
  ok: 404,
  audit: null,
  denied: READ_DENIED,
  body,
  ...(query === undefined ? {} : { query }),
})

const LOCATION_FORM = { kind: 'premises', name: 'Matrix takeaway', postcode: 'NS1 4AB' }
const FLAG_REVIEW_DATE = addDays(todayInLondon(), 30)
const FLAG_DATE = {
  'reviewDate-day': partsOf(FLAG_REVIEW_DATE).day ?? '',
  'reviewDate-month': partsOf(FLAG_REVIEW_DATE).month ?? '',
  'reviewDate-year': partsOf(FLAG_REVIEW_DATE).year ?? '',
}
const FLAG_FORM = { flagType: 'cce', reason: 'Matrix test: seen with older males', ...FLAG_DATE }
const FLAG_JSON = {
  flagType: 'cse',
  reason: 'Matrix test: gifts from an adult',
  reviewDate: FLAG_REVIEW_DATE,
}
const FLAG_SET = { action: 'record.create', outcome: 'succeeded', anyRecord: true }

/** Every route of the app. Adding a route without an entry here fails this test. */
const ROUTES: Readonly<Record<string, RouteSpec>> = {
  'GET /': { access: 'public' },
  'GET /accessibility': { access: 'public' },
  'GET /health': { access: 'public' },
  'GET /health/ready': { access: 'public' },
  'GET /assets/*': { access: 'public' },
  'GET /assets/govuk/*': { access: 'public' },
  'GET /assets/moj/*': { access: 'public' },
  'GET /assets/openmace/*': { access: 'public' },
  'GET /api/v1/openapi.json': { access: 'public' },
  'GET /api/v1/service': { access: 'public' },
  'GET /sign-in': { access: 'public' },
  'POST /sign-in': { access: 'public' },
  'GET /sign-in/security-code': { access: 'public' },
  'POST /sign-in/security-code': { access: 'public' },
  'GET /sign-in/oidc': { access: 'public' },
  'GET /sign-in/oidc/callback': { access: 'public' },
  'POST /sign-out': { access: 'public' },
  'GET /account/security-code/set-up': { access: 'public' },
  'POST /account/security-code/set-up': { access: 'public' },
  'GET /api/v1/me': { access: 'signed-in' },
  'GET /home': { access: 'signed-in' },
  'GET /account': { access: 'signed-in' },
  'GET /audit': { capability: 'audit:read' },
  'GET /audit/export.csv': { capability: 'audit:export' },
  'POST /audit/export.csv': { capability: 'audit:export' },
  'GET /audit/break-glass': { capability: 'break-glass:review' },
  'GET /audit/break-glass/:id': { capability: 'break-glass:review', target: 'grant' },
  'POST /audit/break-glass/:id': { capability: 'break-glass:review', target: 'grant' },
  'GET /admin/users': { capability: 'user:manage' },
  'GET /admin/users/new': { capability: 'user:manage' },
  'POST /admin/users/new': { capability: 'user:manage' },
  'GET /admin/users/:id': { capability: 'user:manage', target: 'user' },
  'POST /admin/users/:id/roles': { capability: 'user:manage', target: 'user' },
  'POST /admin/users/:id/details': { capability: 'user:manage', target: 'user' },
  'POST /admin/users/:id/enable': { capability: 'user:manage', target: 'user' },
  'POST /admin/users/:id/disable': { capability: 'user:manage', target: 'user' },
  'POST /admin/users/:id/set-up-link': { capability: 'user:manage', target: 'user' },
  'GET /account/set-up/:token': { access: 'public' },
  'POST /account/set-up/:token': { access: 'public' },
  'GET /admin/agencies': { capability: 'agency:manage' },
  'GET /admin/agencies/new': { capability: 'agency:manage' },
  'POST /admin/agencies/new': { capability: 'agency:manage' },
  'GET /admin/agencies/:id': { capability: 'agency:manage', target: 'agency' },
  'POST /admin/agencies/:id/name': { capability: 'agency:manage', target: 'agency' },
  'POST /admin/agencies/:id/disable': { capability: 'agency:manage', target: 'agency' },
  'POST /admin/agencies/:id/enable': { capability: 'agency:manage', target: 'agency' },
  'POST /admin/agencies/:id/teams': { capability: 'agency:manage', target: 'agency' },
  'GET /admin/tokens': { capability: 'token:manage' },
  'GET /admin/tokens/new': { capability: 'token:manage' },
  'POST /admin/tokens/new': { capability: 'token:manage' },
  'GET /admin/tokens/:id/revoke': { capability: 'token:manage', target: 'token' },
  'POST /admin/tokens/:id/revoke': { capability: 'token:manage', target: 'token' },
  'GET /people': { capability: 'person:read' },
  'GET /api/v1/people': { capability: 'person:read' },
  'GET /people/:id': {
    capability: 'person:read',
    person: { allowed: PERSON_READ, ok: 200, audit: READ_AUDIT, denied: READ_DENIED },
  },
  'GET /api/v1/people/:id': {
    capability: 'person:read',
    person: { allowed: PERSON_READ, ok: 200, audit: READ_AUDIT, denied: READ_DENIED },
  },
  'GET /people/:id/chronology': {
    capability: 'person:read',
    person: { allowed: PERSON_READ, ok: 200, audit: READ_AUDIT, denied: READ_DENIED },
  },
  'GET /api/v1/people/:id/chronology': {
    capability: 'person:read',
    person: { allowed: PERSON_READ, ok: 200, audit: READ_AUDIT, denied: READ_DENIED },
  },
  'GET /search': { capability: 'person:search' },
  'POST /search': { capability: 'person:search' },
  'GET /api/v1/search': { capability: 'person:search' },
  'GET /people/:id/duplicates': {
    capability: 'person:read',
    person: { allowed: PERSON_READ, ok: 200, audit: READ_AUDIT, denied: READ_DENIED },
  },
  'GET /api/v1/people/:id/duplicate-candidates': {
    capability: 'person:read',
    person: { allowed: PERSON_READ, ok: 200, audit: READ_AUDIT, denied: READ_DENIED },
  },
  'POST /api/v1/people/duplicate-candidates': { capability: 'person:write' },
  'GET /people/:id/merge': {
    capability: 'person:merge',
    // Without a record to merge in it only sends the user back to the duplicates: nothing read.
    person: { allowed: MERGE_WRITE, ok: 303, audit: null, denied: { status: 303, action: '', outcome: '' } },
  },
  'POST /people/:id/merge': {
    capability: 'person:merge',
    // No record named to merge in: the field message, once the record itself may be changed.
    person: { allowed: MERGE_WRITE, ok: 400, audit: null, denied: READ_DENIED, body: { reason: 'Matrix' } },
  },
  'GET /people/:id/merges': {
    capability: 'person:merge',
    person: { allowed: MERGE_READ, ok: 200, audit: READ_AUDIT, denied: READ_DENIED },
  },
  'POST /people/:id/unmerge': {
    capability: 'person:merge',
    person: { allowed: MERGE_WRITE, ok: 400, audit: null, denied: READ_DENIED, body: { reason: 'Matrix' } },
  },
  'POST /api/v1/people/:id/merge': { capability: 'person:merge' },
  'GET /api/v1/people/:id/merges': {
    capability: 'person:merge',
    person: { allowed: MERGE_READ, ok: 200, audit: READ_AUDIT, denied: READ_DENIED },
  },
  'POST /api/v1/people/:id/unmerge': { capability: 'person:merge' },
  'GET /people/:id/links/new': {
    capability: 'link:write',
    person: { allowed: PERSON_READ, ok: 200, audit: READ_AUDIT, denied: READ_DENIED },
  },
  'POST /people/:id/links/new': {
    capability: 'link:write',
    // Nothing chosen: the form again with field messages (the person read again, audited).
    person: { allowed: PERSON_READ, ok: 400, audit: READ_AUDIT, denied: READ_DENIED },
  },
  'GET /links/:id': {
    capability: 'person:read',
    person: { allowed: PERSON_READ, ok: 200, audit: READ_AUDIT, denied: READ_DENIED, via: 'link' },
  },
  'POST /links/:id/end': {
    capability: 'link:write',
    // No reason given: the link's page again with the field message (the link read again, audited).
    person: {
      allowed: PERSON_READ,
      ok: 400,
      audit: READ_AUDIT,
      denied: READ_DENIED,
      via: 'link',
      body: { version: '1', endReason: '' },
    },
  },
  'POST /api/v1/links': { capability: 'link:write' },
  'GET /api/v1/links/:id': {
    capability: 'person:read',
    person: { allowed: PERSON_READ, ok: 200, audit: READ_AUDIT, denied: READ_DENIED, via: 'link' },
  },
  'GET /api/v1/people/:id/links': {
    capability: 'person:read',
    person: { allowed: PERSON_READ, ok: 200, audit: READ_AUDIT, denied: READ_DENIED },
  },
  'POST /api/v1/links/:id/end': {
    capability: 'link:write',
    person: {
      allowed: PERSON_READ,
      ok: 200,
      audit: { action: 'record.update', outcome: 'succeeded' },
      denied: READ_DENIED,
      via: 'link',
      body: { version: '1', reason: 'Matrix: no longer in contact' },
    },
  },
  // Locations, objects and flags: shared POLE records every reader may see; flags follow their subject.
  'GET /locations/new': { capability: 'link:write' },
  'POST /locations/new': { capability: 'link:write', body: LOCATION_FORM },
  'GET /locations/:id': { capability: 'person:read', target: 'location' },
  'GET /locations/:id/edit': { capability: 'link:write', target: 'location' },
  'POST /locations/:id/edit': {
    capability: 'link:write',
    target: 'location',
    body: { ...LOCATION_FORM, version: '1' },
  },
  'POST /api/v1/locations': { capability: 'link:write', body: LOCATION_FORM },
  'GET /api/v1/locations/:id': { capability: 'person:read', target: 'location' },
  'PUT /api/v1/locations/:id': {
    capability: 'link:write',
    target: 'location',
    body: { ...LOCATION_FORM, version: '2' },
  },
  'GET /objects/new': { capability: 'link:write' },
  'POST /objects/new': { capability: 'link:write', body: { kind: 'vehicle', registration: 'MX65 ABC' } },
  'GET /objects/:id': { capability: 'person:read', target: 'object' },
  'GET /objects/:id/edit': { capability: 'link:write', target: 'object' },
  'POST /objects/:id/edit': {
    capability: 'link:write',
    target: 'object',
    body: { kind: 'phone', phone: '0114 496 0999', version: '1' },
  },
  'POST /api/v1/objects': { capability: 'link:write', body: { kind: 'vehicle', value: 'MX65 ABD' } },
  'GET /api/v1/objects/:id': { capability: 'person:read', target: 'object' },
  'PUT /api/v1/objects/:id': {
    capability: 'link:write',
    target: 'object',
    body: { value: '0114 496 0998', version: '2' },
  },
  'GET /people/:id/flags/new': {
    capability: 'flag:write',
    person: { allowed: PERSON_READ, ok: 200, audit: READ_AUDIT, denied: READ_DENIED },
  },
  'POST /people/:id/flags/new': {
    capability: 'flag:write',
    person: { allowed: PERSON_READ, ok: 303, audit: FLAG_SET, denied: READ_DENIED, body: FLAG_FORM },
  },
  'GET /api/v1/people/:id/flags': {
    capability: 'person:read',
    person: { allowed: PERSON_READ, ok: 200, audit: READ_AUDIT, denied: READ_DENIED },
  },
  'POST /api/v1/people/:id/flags': {
    capability: 'flag:write',
    person: { allowed: PERSON_READ, ok: 201, audit: FLAG_SET, denied: READ_DENIED, body: FLAG_JSON },
  },
  'GET /locations/:id/flags/new': { capability: 'flag:write', target: 'location' },
  'POST /locations/:id/flags/new': {
    capability: 'flag:write',
    target: 'location',
    body: { ...FLAG_FORM, flagType: 'cuckooed' },
  },
  'GET /api/v1/locations/:id/flags': { capability: 'person:read', target: 'location' },
  'POST /api/v1/locations/:id/flags': {
    capability: 'flag:write',
    target: 'location',
    body: { ...FLAG_JSON, flagType: 'harmful-location' },
  },
  'GET /api/v1/flags/:id': { capability: 'person:read', target: 'flag' },
  'GET /flags/:id/review': { capability: 'flag:write', target: 'flag' },
  'POST /flags/:id/review': {
    capability: 'flag:write',
    target: 'flag',
    body: { ...FLAG_DATE, version: '1' },
  },
  'POST /api/v1/flags/:id/review': {
    capability: 'flag:write',
    target: 'flag',
    body: { reviewDate: FLAG_JSON.reviewDate, version: '2' },
  },
  'GET /flags/:id/remove': { capability: 'flag:write', target: 'flag' },
  'POST /flags/:id/remove': {
    capability: 'flag:write',
    target: 'flag',
    body: { reason: 'Matrix', version: '3' },
  },
  'POST /api/v1/flags/:id/remove': {
    capability: 'flag:write',
    target: 'flag',
    body: { reason: 'Matrix', version: '4' },
  },
  'GET /tasks': { capability: 'person:read' },
  'GET /api/v1/tasks/flag-reviews': { capability: 'person:read' },
  // Adding and changing a person's record (person-edit-routes.ts).
  'GET /people/new': { capability: 'person:write' },
  'POST /people/new': { capability: 'person:write' },
  'POST /api/v1/people': { capability: 'person:write' },
  'GET /people/:id/edit': { capability: 'person:write', person: EDIT_READ },
  'POST /people/:id/edit': {
    capability: 'person:write',
    person: EDIT_INVALID({ version: '1', givenName: '' }),
  },
  'GET /people/:id/names': { capability: 'person:write', person: EDIT_READ },
  'POST /people/:id/names': { capability: 'person:write', person: EDIT_INVALID({ version: '1' }) },
  'POST /people/:id/names/:aliasId/remove': {
    capability: 'person:write',
    person: EDIT_NO_SUBRECORD({ version: '1' }),
  },
  'GET /people/:id/statuses': { capability: 'person:write', person: EDIT_READ },
  'POST /people/:id/statuses': { capability: 'person:write', person: EDIT_INVALID({ version: '1' }) },
  'GET /people/:id/statuses/:statusId/end': {
    capability: 'person:write',
    // The person is read (audited) before the status is looked for.
    person: { allowed: PERSON_WRITE, ok: 404, audit: READ_AUDIT, denied: READ_DENIED },
  },
  'POST /people/:id/statuses/:statusId/end': {
    capability: 'person:write',
    person: EDIT_NO_SUBRECORD({ version: '1' }),
  },
  'PATCH /api/v1/people/:id': {
    capability: 'person:write',
    person: EDIT_INVALID({ version: '1', givenName: '' }),
  },
  'POST /api/v1/people/:id/aliases': {
    capability: 'person:write',
    person: EDIT_INVALID({ version: '1', kind: 'alias', name: '' }),
  },
  'DELETE /api/v1/people/:id/aliases/:aliasId': {
    capability: 'person:write',
    person: EDIT_NO_SUBRECORD({}, '?version=1'),
  },
  'POST /api/v1/people/:id/statuses': {
    capability: 'person:write',
    person: EDIT_INVALID({ version: '1', status: '', fromDate: '' }),
  },
  'PATCH /api/v1/people/:id/statuses/:statusId': {
    capability: 'person:write',
    person: EDIT_NO_SUBRECORD({ version: '1' }),
  },
  'GET /people/:id/views': {
    capability: 'record-views:read',
    person: {
      allowed: RECORD_VIEWS,
      ok: 200,
      audit: { action: 'record.read-views', outcome: 'allowed' },
      denied: READ_DENIED,
    },
  },
  // Concerns (issue 5): three pages from a draft; the API records a whole concern in one body.
  'GET /concerns/new': { capability: 'concern:create' },
  'POST /concerns/new': { capability: 'concern:create', body: {} },
  'GET /concerns/:id': { capability: 'concern:create', target: 'own-concern' },
  'GET /concerns/:id/details': { capability: 'concern:create', target: 'own-concern' },
  'POST /concerns/:id/details': {
    capability: 'concern:create',
    target: 'own-concern',
    body: { version: '1' },
  },
  'GET /concerns/:id/danger': { capability: 'concern:create', target: 'own-concern' },
  'POST /concerns/:id/danger': {
    capability: 'concern:create',
    target: 'own-concern',
    body: { version: '1' },
  },
  'GET /concerns/:id/check': { capability: 'concern:create', target: 'own-concern' },
  'POST /concerns/:id/check': { capability: 'concern:create', target: 'own-concern', body: { version: '1' } },
  'POST /api/v1/concerns': { capability: 'concern:create', body: {} },
  'GET /api/v1/concerns/:id': { capability: 'concern:create', target: 'own-concern' },
  'GET /api/v1/screening/guide': { capability: 'concern:create' },
  'POST /api/v1/screening/suggest': { capability: 'concern:create', body: {} },
  // Referrals (issue 5): each role's user's own referral (the front door's relation to every referral comes from
  // referral:queue). Changes with nothing in them answer 400 (or 409 once the state has moved on).
  'GET /front-door': { capability: 'referral:queue' },
  'GET /referrals': { capability: 'referral:read-own' },
  'GET /referrals/:id': { capability: 'referral:read-own', target: 'own-referral' },
  'POST /referrals/:id/review': {
    capability: 'referral:decide',
    target: 'own-referral',
    body: { version: '1' },
  },
  'GET /referrals/:id/decision': { capability: 'referral:decide', target: 'own-referral' },
  'POST /referrals/:id/decision': { capability: 'referral:decide', target: 'own-referral', body: {} },
  'GET /referrals/:id/withdraw': { capability: 'referral:create', target: 'own-referral' },
  'POST /referrals/:id/withdraw': { capability: 'referral:create', target: 'own-referral', body: {} },
  'POST /api/v1/referrals': { capability: 'referral:create', body: {} },
  'GET /api/v1/referrals': { capability: 'referral:read-own' },
  'GET /api/v1/referrals/:id': { capability: 'referral:read-own', target: 'own-referral' },
  'POST /api/v1/referrals/:id/review': { capability: 'referral:decide', target: 'own-referral', body: {} },
  'POST /api/v1/referrals/:id/decision': { capability: 'referral:decide', target: 'own-referral', body: {} },
  'POST /api/v1/referrals/:id/withdraw': { capability: 'referral:create', target: 'own-referral', body: {} },
  'GET /referrals/:id/notifications/new': { capability: 'referral:queue', target: 'own-referral' },
  'POST /referrals/:id/notifications/new': { capability: 'referral:queue', target: 'own-referral', body: {} },
  'GET /notifications': { capability: 'referral:queue' },
  'GET /notifications/:id/acknowledge': { capability: 'referral:queue', target: 'own-notification' },
  'POST /notifications/:id/acknowledge': {
    capability: 'referral:queue',
    target: 'own-notification',
    body: {},
  },
  'POST /api/v1/referrals/:id/notifications': {
    capability: 'referral:queue',
    target: 'own-referral',
    body: {},
  },
  'GET /api/v1/referrals/:id/notifications': { capability: 'referral:queue', target: 'own-referral' },
  'GET /api/v1/notifications': { capability: 'referral:queue' },
  'POST /api/v1/notifications/:id/acknowledge': {
    capability: 'referral:queue',
    target: 'own-notification',
    body: {},
  },
  'GET /people/:id/break-glass': {
    capability: 'break-glass:use',
    // The form is shown for any id (no existence leak); nothing is read or written.
    person: { allowed: BREAK_GLASS, ok: 200, audit: null, denied: { status: 200, action: '', outcome: '' } },
  },
  'POST /people/:id/break-glass': {
    capability: 'break-glass:use',
    person: {
      allowed: BREAK_GLASS,
      ok: 303,
      audit: { action: 'break-glass', outcome: 'allowed' },
      denied: { status: 404, action: 'break-glass', outcome: 'denied' },
      body: { reason: 'Matrix test: child reported missing', password: TEST_PASSWORD },
    },
  },
}

const hasCapability = (spec: RouteSpec): spec is Extract<RouteSpec, { capability: Capability }> =>
  'capability' in spec

interface Fixture {
  agents: Map<Role, Agent>
  /** For state-changing API routes (a session may only read the API): a token with all of the role's scopes. */
  tokens: Map<Role, string>
  users: Map<Role, TestUser>
  /** For each role, a child in each relation to that role's user. */
  records: Map<Role, Record<Relation, string>>
  /** For each role, a link from each of those children to a place (as visible as the child). */
  links: Map<Role, Record<Relation, string>>
  targetUserId: string
  grantId: string
  /** An agency nobody works in, and an API token, for the administrator's pages. */
  agencyId: string
  tokenId: string
  /** A location, a phone and a flag on the location (every reader may see them). */
  locationId: string
  objectId: string
  flagId: string
  /** For each role that may record concerns, a draft concern of theirs. */
  concerns: Map<Role, string>
  /** For each role that may refer, a referral of theirs; for the front door's roles, a notification on it. */
  referrals: Map<Role, string>
  notifications: Map<Role, string>
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
  const outsider = await createUser(db, services, { roles: ['social-worker'], partnershipOf: first })
  await ownerQuery(db.ownerUrl, 'UPDATE app_user SET agency_id = $2 WHERE id = $1', [
    outsider.id,
    otherAgency,
  ])
  const otherTeam = await createTeam(database, { partnershipId, agencyId: otherAgency })

  const users = new Map<Role, TestUser>()
  const agents = new Map<Role, Agent>()
  const tokens = new Map<Role, string>()
  const records = new Map<Role, Record<Relation, string>>()
  const links = new Map<Role, Record<Relation, string>>()
  const concerns = new Map<Role, string>()
  const referrals = new Map<Role, string>()
  const notifications = new Map<Role, string>()
  const matrixPlace = async (partnership: string) =>
    (
      await ownerQuery<{ id: string }>(
        db.ownerUrl,
        "INSERT INTO location (partnership_id, kind, name) VALUES ($1, 'public-place', 'Matrix park') RETURNING id",
        [partnership],
      )
    )[0]!.id
  const linkPlaces = { here: await matrixPlace(partnershipId), away: await matrixPlace(elsewhere.id) }
  const linkTo = async (partnership: string, personId: string, placeId: string) =>
    (
      await ownerQuery<{ id: string }>(
        db.ownerUrl,
        `INSERT INTO link (partnership_id, link_type, from_kind, from_id, to_kind, to_id, source, confidence)
         VALUES ($1, 'frequents', 'person', $2, 'location', $3, 'Matrix', 'confirmed') RETURNING id`,
        [partnership, personId, placeId],
      )
    )[0]!.id
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
    const team = await person({ allocatedTeamId: teamId, allocatedWorkerId: outsider.id })
    const agency = await person({ involvedAgencyIds: [ownAgency] })
    const other = await person({
      allocatedTeamId: otherTeam,
      allocatedWorkerId: outsider.id,
      involvedAgencyIds: [otherAgency],
    })
    const mace = await person({ involvedAgencyIds: [otherAgency] })
    await createMeeting(database, partnershipId, { memberIds: [user.id], personIds: [mace] })
    const glass = await person({ involvedAgencyIds: [otherAgency] })
    await createBreakGlassGrant(database, db.ownerUrl, { partnershipId, userId: user.id, personId: glass })
    const away = (await createPerson(database, elsewhere.id)).id
    records.set(role, {
      own,
      team,
      'own-agency': agency,
      'other-agency': other,
      mace,
      'break-glass': glass,
      'other-partnership': away,
    })
    const linked = {} as Record<Relation, string>
    for (const [relation, personId] of Object.entries(records.get(role) ?? {}) as Array<[Relation, string]>) {
      linked[relation] =
        relation === 'other-partnership'
          ? await linkTo(elsewhere.id, personId, linkPlaces.away)
          : await linkTo(partnershipId, personId, linkPlaces.here)
    }
    links.set(role, linked)
    if (ROLE_CAPABILITIES[role].includes('concern:create')) {
      const [draft] = await ownerQuery<{ id: string }>(
        db.ownerUrl,
        `INSERT INTO concern (partnership_id, person_id, recorded_by, immediate_danger)
         VALUES ($1, $2, $3, false) RETURNING id`,
        [partnershipId, own, user.id],
      )
      concerns.set(role, draft!.id)
    }
    if (ROLE_CAPABILITIES[role].includes('referral:create')) {
      const concernId = await createConcern(database, user, own)
      const referral = await services.referrals.submit(actorFor(user, [role]), { concernId }, CTX)
      referrals.set(role, referral.id)
      if (ROLE_CAPABILITIES[role].includes('referral:queue')) {
        const [sent] = await ownerQuery<{ id: string }>(
          db.ownerUrl,
          `INSERT INTO cross_authority_notification (partnership_id, person_id, referral_id, reason,
                   local_authority, police_force, content, sent_by)
           VALUES ($1, $2, $3, 'moved-to', 'Matrix council', 'Matrix police', 'Matrix', $4) RETURNING id`,
          [partnershipId, own, referral.id, user.id],
        )
        notifications.set(role, sent!.id)
      }
    }
    users.set(role, user)
    agents.set(role, await signIn(built.app, user))
    const roleToken = await personToken(db, user.email, [...ROLE_CAPABILITIES[role]])
    tokens.set(role, roleToken.token)
  }
  const target = await createUser(db, services, { roles: ['practitioner'], partnershipOf: first })
  const someChild = records.get('social-worker')?.own
  assert.ok(someChild !== undefined)
  const grantId = await createBreakGlassGrant(database, db.ownerUrl, {
    partnershipId,
    userId: outsider.id,
    personId: someChild,
  })
  const [spare] = await ownerQuery<{ id: string }>(
    db.ownerUrl,
    "INSERT INTO agency (partnership_id, name, agency_type) VALUES ($1, 'Matrix spare agency', 'housing') RETURNING id",
    [partnershipId],
  )
  const token = await personToken(db, target.email, ['referral:create'])
  const place = await createLocation(database, partnershipId)
  const fx: Fixture = {
    agents,
    tokens,
    users,
    records,
    links,
    targetUserId: target.id,
    grantId,
    agencyId: spare!.id,
    tokenId: token.id,
    locationId: place.id,
    objectId: (await createObject(database, partnershipId)).id,
    concerns,
    referrals,
    notifications,
    flagId: await createFlag(database, db.ownerUrl, {
      partnershipId,
      subjectKind: 'location',
      subjectId: place.id,
      setBy: first.id,
    }),
  }
  return { ...built, fx }
}

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
  // A state-changing form needs the CSRF token of a page the agent loaded.
  await agent.get('/home')
  return agent.post(url, body)
}

const lastAudit = async (ownerUrl: string, actorId: string) =>
  (
    await ownerQuery<{ action: string; outcome: string; record_id: string | null; reason: string | null }>(
      ownerUrl,
      'SELECT action, outcome, record_id, reason FROM audit_event WHERE actor_id = $1 ORDER BY id DESC LIMIT 1',
      [actorId],
    )
  ).at(0)

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
 * status and the audit row the matrix says. Split so that each test file stays within the runner's time limit
 * and the shards run side by side.
 */
export async function checkGuardedRoutes(t: Parameters<typeof build>[0], shard: number, shards: number) {
  const { db, fx } = await fixture(t)
  const checked = { refused: 0, record: 0 }
  for (const [key, spec] of Object.entries(ROUTES).filter((_, i) => i % shards === shard - 1)) {
    if (!hasCapability(spec)) continue
    const [method = 'GET', pattern = '/'] = key.split(' ')
    for (const role of ROLES) {
      const agent = fx.agents.get(role)
      const user = fx.users.get(role)
      const records = spec.person?.via === 'link' ? fx.links.get(role) : fx.records.get(role)
      assert.ok(agent !== undefined && user !== undefined && records !== undefined)
      const hasIt = ROLE_CAPABILITIES[role].includes(spec.capability)
      const relations: ReadonlyArray<Relation | null> = spec.person === undefined ? [null] : RELATIONS
      for (const relation of relations) {
        const id: string =
          relation !== null
            ? records[relation]
            : spec.target === 'user'
              ? fx.targetUserId
              : spec.target === 'grant'
                ? fx.grantId
                : spec.target === 'agency'
                  ? fx.agencyId
                  : spec.target === 'token'
                    ? fx.tokenId
                    : spec.target === 'location'
                      ? fx.locationId
                      : spec.target === 'object'
                        ? fx.objectId
                        : spec.target === 'flag'
                          ? fx.flagId
                          : spec.target === 'own-concern'
                            ? (fx.concerns.get(role) ?? '')
                            : spec.target === 'own-referral'
                              ? (fx.referrals.get(role) ?? fx.referrals.get('practitioner') ?? '')
                              : spec.target === 'own-notification'
                                ? (fx.notifications.get(role) ?? fx.notifications.get('front-door') ?? '')
                                : ''
        const url = pattern.replace(':id', id) + (spec.person?.query ?? '')
        const label = `${key} as ${role}${relation === null ? '' : ` (${relation})`}`
        const res: LightMyRequestResponse = await call(
          agent,
          method,
          url,
          spec.person?.body ?? spec.body,
          fx.tokens.get(role),
        )
        const audit = await lastAudit(db.ownerUrl, user.id)
        if (!hasIt) {
          assert.equal(res.statusCode, 403, label)
          if (isApiPath(url)) assert.match(String(res.headers['content-type']), /problem\+json/, label)
          assert.equal(audit?.action, 'access.denied', `${label}: audit action`)
          assert.equal(audit.reason, `missing capability ${spec.capability}`, `${label}: audit reason`)
          checked.refused++
          continue
        }
        if (spec.person === undefined || relation === null) {
          assert.ok(
            [200, 201, 303, 400, 409].includes(res.statusCode),
            `${label}: got ${String(res.statusCode)}`,
          )
          continue
        }
        const allowed = spec.person.allowed[role].includes(relation)
        checked.record++
        if (allowed) {
          assert.equal(res.statusCode, spec.person.ok, label)
          if (spec.person.audit !== null) {
            assert.equal(audit?.action, spec.person.audit.action, `${label}: audit action`)
            assert.equal(audit.outcome, spec.person.audit.outcome, `${label}: audit outcome`)
            if (spec.person.audit.anyRecord !== true) {
              assert.equal(audit.record_id, id, `${label}: audited record`)
            }
          }
        } else {
          assert.equal(res.statusCode, spec.person.denied.status, label)
          if (spec.person.denied.action !== '') {
            assert.equal(audit?.action, spec.person.denied.action, `${label}: audit action`)
            assert.equal(audit.outcome, spec.person.denied.outcome, `${label}: audit outcome`)
            assert.equal(audit.record_id, id, `${label}: audited record`)
          }
        }
      }
    }
  }
  assert.ok(checked.refused > 50 / shards && checked.record > 100 / shards, JSON.stringify(checked))
}

/** API routes refuse anonymous callers with 401 problem+json; pages send them to sign in. */
export async function checkAnonymous(t: Parameters<typeof build>[0]) {
  const { app, fx } = await fixture(t)
  const anonymous = new Agent(app)
  for (const [key, spec] of Object.entries(ROUTES)) {
    if (!('capability' in spec) && spec.access === 'public') continue
    const [method = 'GET', pattern = '/'] = key.split(' ')
    if (method !== 'GET') continue
    const url = pattern.replace(':id', fx.records.get('social-worker')?.own ?? '')
    const res = await anonymous.get(url)
    if (url.startsWith(API_PREFIX)) {
      assert.equal(res.statusCode, 401, key)
      assert.match(String(res.headers['content-type']), /problem\+json/, key)
    } else {
      assert.equal(res.statusCode, 303, key)
    }
  }
}
