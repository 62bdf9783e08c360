/**
 * The authorisation matrix's route table: every route of the app, what it needs, and for record routes the record
 * kind it is about, which relations let each role in (matrix-tables.ts), and the exact status and audit rows an
 * allowed and a refused request give. A route missing from this table, or declaring different access, fails.
 */
import { addDays, partsOf } from '../../src/features/flags/flag-validation.ts'
import type { Capability } from '../../src/platform/access/roles.ts'
import { todayInLondon } from '../../src/platform/calendar.ts'
import { TEST_PASSWORD } from '../helpers/sign-in.ts'
import {
  ADMIN,
  BREAK_GLASS,
  FLAG_READ,
  INTELLIGENCE_READ,
  // Slice i12-relations.
  PERSON_IDENTITY,
  MERGE_READ,
  MERGE_WRITE,
  NOTIFICATIONS,
  OWN_DRAFT,
  PERSON_READ,
  PERSON_WRITE,
  RECORD_VIEWS,
  REFERRAL_DECIDE,
  REFERRAL_READ,
  REFERRAL_WITHDRAW,
  SHARED_READ,
  STREET_TERMS,
  SUGGESTION_REVIEW,
  // a13: allocation (issue 13)
  ALLOCATION_MANAGE,
  ALLOCATION_READ,
  // t13: the task engine.
  TASK_READ,
  TASK_REASSIGN,
  // i12d.
  INTELLIGENCE_BASIS,
  type AdminKind,
  type Allowed,
  type Kind,
} from './matrix-tables.ts'

/** An audit row a request writes: about its target record, or (with `type`) about another record of that type. */
export interface Row {
  action: string
  outcome: string
  type?: string
}

export interface Outcome {
  status: number
  /** The rows about the target record, exactly; rows with `type` must also appear about other records. */
  audit: readonly Row[]
}

export interface TargetSpec {
  kind: Kind | AdminKind
  allowed: Allowed
  ok: Outcome
  /** A refused or missing record (default: 404 and one access.denied row about it, nothing else). */
  denied?: Outcome
  /** Readers who may see the record but not do this (403): who, and what they get. */
  forbidden?: { allowed: Allowed; outcome: Outcome }
  body?: Record<string, string>
  /** Appended to the URL (e.g. '?version=1'). */
  query?: string
}

/** A route about no one record: the status for a role that has the capability, and what it audits. */
export interface PlainSpec {
  status: number
  /** 'none': no audit row; 'reads': only reads of records shown; or exactly these rows (each with a type). */
  audit: 'none' | 'reads' | readonly Row[]
  body?: Record<string, string>
}

export type RouteSpec =
  | { access: 'public' }
  | { access: 'signed-in' }
  | { capability: Capability; target: TargetSpec }
  | { capability: Capability; plain: PlainSpec }

export const READ: Row = { action: 'record.read', outcome: 'allowed' }
export const DENIED: Row = { action: 'access.denied', outcome: 'denied' }
const UPDATED: Row = { action: 'record.update', outcome: 'succeeded' }
const CREATED_FLAG: Row = { action: 'record.create', outcome: 'succeeded', type: 'flag' }
// t13: a flag set raises its review task.
const RAISED_TASK: Row = { action: 'record.create', outcome: 'succeeded', type: 'task' }
const NOT_FOUND: Outcome = { status: 404, audit: [DENIED] }

const read = (kind: Kind | AdminKind, allowed: Allowed, more: Partial<TargetSpec> = {}): TargetSpec => ({
  kind,
  allowed,
  ok: { status: 200, audit: [READ] },
  ...more,
})
/** A change whose body cannot succeed (so that every role and relation meets the same record): `status`, no row. */
const refusedChange = (
  kind: Kind | AdminKind,
  allowed: Allowed,
  status: number,
  body: Record<string, string>,
  more: Partial<TargetSpec> = {},
): TargetSpec => ({
  kind,
  allowed,
  body,
  ...more,
  ok: { status, audit: more.ok?.audit ?? [] },
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
/** A form shown again after a refused change reads the record again (audited). */
const REREAD: Partial<TargetSpec> = { ok: { status: 0, audit: [READ] } }
/** An API body the schema refuses is refused alike for every record, before any is looked up: nothing read. */
const BODY_FIRST: Partial<TargetSpec> = { denied: { status: 400, audit: [] } }
/** A page of a concern draft: its recorder's own, not a read of a child's record. */
const draftPage = (status: number): TargetSpec => ({
  kind: 'concern',
  allowed: OWN_DRAFT,
  ok: { status, audit: [] },
})

/** An administrator's change that happens (to a record nobody else's test needs): its status and audit row. */
const adminChange = (kind: AdminKind, status: number, action: string): TargetSpec => ({
  kind,
  allowed: ADMIN,
  ok: { status, audit: [{ action, outcome: 'succeeded' }] },
  denied: { status: 404, audit: [] },
  body: {},
})

/** A version no record has: an allowed change is answered as stale (409) and writes nothing. */
const STALE = { version: '999999' }
/** i12d: an intelligence entry's fields as the API takes them (a new version's, refused as stale first). */
const VERSION_JSON = {
  reportedOn: todayInLondon(),
  reportingAgencyId: '00000000-0000-4000-8000-000000000000',
  sanitisedText: 'Matrix test: sanitised',
  fullText: 'Matrix test: full',
  sourceEvaluation: '2',
  intelligenceAssessment: 'B',
  handlingCode: 'P',
}

const plain = (
  status: number,
  audit: PlainSpec['audit'] = 'none',
  body?: Record<string, string>,
): PlainSpec => ({
  status,
  audit,
  ...(body === undefined ? {} : { body }),
})

/** Every route of the app. Adding a route without an entry here fails the matrix. */
export const ROUTES: Readonly<Record<string, RouteSpec>> = {
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
  'GET /account/set-up/:token': { access: 'public' },
  'POST /account/set-up/:token': { access: 'public' },
  'GET /api/v1/me': { access: 'signed-in' },
  'GET /home': { access: 'signed-in' },
  'GET /account': { access: 'signed-in' },

  // Data protection: the audit trail and the break-glass review queue.
  'GET /audit': { capability: 'audit:read', plain: plain(200) },
  'GET /audit/export.csv': { capability: 'audit:export', plain: plain(200) },
  'POST /audit/export.csv': { capability: 'audit:export', plain: plain(400, 'none', { password: '' }) },
  'GET /audit/break-glass': { capability: 'break-glass:review', plain: plain(200) },
  'GET /audit/break-glass/:id': {
    capability: 'break-glass:review',
    target: {
      kind: 'grant',
      allowed: ADMIN,
      ok: { status: 200, audit: [] },
      denied: { status: 404, audit: [] },
    },
  },
  'POST /audit/break-glass/:id': {
    capability: 'break-glass:review',
    target: refusedChange('grant', ADMIN, 400, { version: '1' }, { denied: { status: 404, audit: [] } }),
  },

  // Administration: users, agencies and tokens of the administrator's own partnership.
  'GET /admin/users': { capability: 'user:manage', plain: plain(200) },
  'GET /admin/users/new': { capability: 'user:manage', plain: plain(200) },
  'POST /admin/users/new': { capability: 'user:manage', plain: plain(400, 'none', {}) },
  'GET /admin/users/:id': {
    capability: 'user:manage',
    target: {
      kind: 'user',
      allowed: ADMIN,
      ok: { status: 200, audit: [] },
      denied: { status: 404, audit: [] },
    },
  },
  'POST /admin/users/:id/roles': {
    capability: 'user:manage',
    target: refusedChange('user', ADMIN, 409, {}, { denied: { status: 404, audit: [] } }),
  },
  'POST /admin/users/:id/details': {
    capability: 'user:manage',
    target: refusedChange('user', ADMIN, 400, {}, { denied: { status: 404, audit: [] } }),
  },
  'POST /admin/users/:id/enable': {
    capability: 'user:manage',
    target: refusedChange('user', ADMIN, 303, {}, { denied: { status: 404, audit: [] } }),
  },
  'POST /admin/users/:id/disable': {
    capability: 'user:manage',
    target: adminChange('user', 303, 'admin.user-change'),
  },
  // The link is shown once, never in a URL.
  'POST /admin/users/:id/set-up-link': {
    capability: 'user:manage',
    target: adminChange('user', 200, 'admin.user-change'),
  },
  'GET /admin/agencies': { capability: 'agency:manage', plain: plain(200) },
  'GET /admin/agencies/new': { capability: 'agency:manage', plain: plain(200) },
  'POST /admin/agencies/new': { capability: 'agency:manage', plain: plain(400, 'none', {}) },
  'GET /admin/agencies/:id': {
    capability: 'agency:manage',
    target: {
      kind: 'agency',
      allowed: ADMIN,
      ok: { status: 200, audit: [] },
      denied: { status: 404, audit: [] },
    },
  },
  'POST /admin/agencies/:id/name': {
    capability: 'agency:manage',
    target: refusedChange('agency', ADMIN, 400, {}, { denied: { status: 404, audit: [] } }),
  },
  'POST /admin/agencies/:id/disable': {
    capability: 'agency:manage',
    target: adminChange('agency', 303, 'admin.agency-change'),
  },
  'POST /admin/agencies/:id/enable': {
    capability: 'agency:manage',
    target: refusedChange('agency', ADMIN, 303, {}, { denied: { status: 404, audit: [] } }),
  },
  'POST /admin/agencies/:id/teams': {
    capability: 'agency:manage',
    target: refusedChange('agency', ADMIN, 400, {}, { denied: { status: 404, audit: [] } }),
  },
  'GET /admin/tokens': { capability: 'token:manage', plain: plain(200) },
  'GET /admin/tokens/new': { capability: 'token:manage', plain: plain(200) },
  'POST /admin/tokens/new': { capability: 'token:manage', plain: plain(400, 'none', {}) },
  'GET /admin/tokens/:id/revoke': {
    capability: 'token:manage',
    target: {
      kind: 'token',
      allowed: ADMIN,
      ok: { status: 200, audit: [] },
      denied: { status: 404, audit: [] },
    },
  },
  'POST /admin/tokens/:id/revoke': {
    capability: 'token:manage',
    target: adminChange('token', 303, 'token.revoke'),
  },

  // People: the caseload, the record (and its sections), search, duplicates, merges.
  'GET /people': { capability: 'person:read', plain: plain(200, 'reads') },
  'GET /api/v1/people': { capability: 'person:read', plain: plain(200, 'reads') },
  'GET /people/:id': { capability: 'person:read', target: read('person', PERSON_IDENTITY) },
  'GET /api/v1/people/:id': { capability: 'person:read', target: read('person', PERSON_IDENTITY) },
  'GET /people/:id/links': { capability: 'person:read', target: read('person', PERSON_IDENTITY) },
  'GET /people/:id/chronology': { capability: 'person:read', target: read('person', PERSON_READ) },
  'GET /api/v1/people/:id/chronology': { capability: 'person:read', target: read('person', PERSON_READ) },
  'GET /search': { capability: 'person:search', plain: plain(200) },
  'POST /search': { capability: 'person:search', plain: plain(400, 'none', {}) },
  'GET /api/v1/search': { capability: 'person:search', plain: plain(400) },
  'GET /people/:id/duplicates': { capability: 'person:read', target: read('person', PERSON_READ) },
  'GET /api/v1/people/:id/duplicate-candidates': {
    capability: 'person:read',
    target: read('person', PERSON_READ),
  },
  'POST /api/v1/people/duplicate-candidates': { capability: 'person:write', plain: plain(400, 'none', {}) },
  'GET /people/:id/merge': {
    capability: 'person:merge',
    // Without a record to merge in it only sends the user back to the duplicates: nothing read.
    target: {
      kind: 'person',
      allowed: MERGE_WRITE,
      ok: { status: 303, audit: [] },
      denied: { status: 303, audit: [] },
    },
  },
  'POST /people/:id/merge': {
    capability: 'person:merge',
    // No record named to merge in: the field message, once the record itself may be changed.
    target: refusedChange('person', MERGE_WRITE, 400, { reason: 'Matrix' }),
  },
  'GET /people/:id/merges': { capability: 'person:merge', target: read('person', MERGE_READ) },
  'POST /people/:id/unmerge': {
    capability: 'person:merge',
    target: refusedChange('person', MERGE_WRITE, 400, { reason: 'Matrix' }, REREAD),
  },
  'POST /api/v1/people/:id/merge': {
    capability: 'person:merge',
    target: refusedChange('person', MERGE_WRITE, 400, {}, BODY_FIRST),
  },
  'GET /api/v1/people/:id/merges': { capability: 'person:merge', target: read('person', MERGE_READ) },
  'POST /api/v1/people/:id/unmerge': {
    capability: 'person:merge',
    target: refusedChange('person', MERGE_WRITE, 400, {}, BODY_FIRST),
  },
  'GET /people/:id/views': {
    capability: 'record-views:read',
    target: read('person', RECORD_VIEWS, {
      ok: { status: 200, audit: [{ action: 'record.read-views', outcome: 'allowed' }] },
    }),
  },
  // Adding and changing a person's record.
  'GET /people/new': { capability: 'person:write', plain: plain(200) },
  'POST /people/new': { capability: 'person:write', plain: plain(400, 'none', {}) },
  'POST /api/v1/people': { capability: 'person:write', plain: plain(400, 'none', {}) },
  'GET /people/:id/edit': { capability: 'person:write', target: read('person', PERSON_WRITE) },
  'POST /people/:id/edit': {
    capability: 'person:write',
    target: refusedChange('person', PERSON_WRITE, 400, { version: '1', givenName: '' }, REREAD),
  },
  'GET /people/:id/names': { capability: 'person:write', target: read('person', PERSON_WRITE) },
  'POST /people/:id/names': {
    capability: 'person:write',
    target: refusedChange('person', PERSON_WRITE, 400, { version: '1' }, REREAD),
  },
  'POST /people/:id/names/:aliasId/remove': {
    capability: 'person:write',
    // No such name on a record that may be changed: 404, after the policy allowed it.
    target: refusedChange('person', PERSON_WRITE, 404, { version: '1' }),
  },
  'GET /people/:id/statuses': { capability: 'person:write', target: read('person', PERSON_WRITE) },
  'POST /people/:id/statuses': {
    capability: 'person:write',
    target: refusedChange('person', PERSON_WRITE, 400, { version: '1' }, REREAD),
  },
  'GET /people/:id/statuses/:statusId/end': {
    capability: 'person:write',
    // The person is read (audited) before the status is looked for.
    target: { kind: 'person', allowed: PERSON_WRITE, ok: { status: 404, audit: [READ] } },
  },
  'POST /people/:id/statuses/:statusId/end': {
    capability: 'person:write',
    target: refusedChange('person', PERSON_WRITE, 404, { version: '1' }),
  },
  'PATCH /api/v1/people/:id': {
    capability: 'person:write',
    target: refusedChange('person', PERSON_WRITE, 400, { version: '1', givenName: '' }),
  },
  'POST /api/v1/people/:id/aliases': {
    capability: 'person:write',
    target: refusedChange('person', PERSON_WRITE, 400, { version: '1', kind: 'alias', name: '' }),
  },
  'DELETE /api/v1/people/:id/aliases/:aliasId': {
    capability: 'person:write',
    target: refusedChange('person', PERSON_WRITE, 404, {}, { query: '?version=1' }),
  },
  'POST /api/v1/people/:id/statuses': {
    capability: 'person:write',
    target: refusedChange('person', PERSON_WRITE, 400, { version: '1', status: '', fromDate: '' }),
  },
  'PATCH /api/v1/people/:id/statuses/:statusId': {
    capability: 'person:write',
    target: refusedChange('person', PERSON_WRITE, 404, { version: '1' }),
  },

  // Links: as visible as both ends (here, the child and a place every reader sees).
  'GET /people/:id/links/new': { capability: 'link:write', target: read('person', PERSON_IDENTITY) },
  'POST /people/:id/links/new': {
    capability: 'link:write',
    // Nothing chosen: the form again with field messages (the person read again, audited).
    target: { kind: 'person', allowed: PERSON_IDENTITY, ok: { status: 400, audit: [READ] } },
  },
  'GET /links/:id': { capability: 'person:read', target: read('link', PERSON_IDENTITY) },
  'POST /links/:id/end': {
    capability: 'link:write',
    // No reason given: the link's page again with the field message (the link read again, audited).
    target: {
      kind: 'link',
      allowed: PERSON_IDENTITY,
      ok: { status: 400, audit: [READ] },
      body: { version: '1', endReason: '' },
    },
  },
  'POST /api/v1/links': { capability: 'link:write', plain: plain(400, 'none', {}) },
  'GET /api/v1/links/:id': { capability: 'person:read', target: read('link', PERSON_IDENTITY) },
  'GET /api/v1/people/:id/links': { capability: 'person:read', target: read('person', PERSON_IDENTITY) },
  'POST /api/v1/links/:id/end': {
    capability: 'link:write',
    target: refusedChange('link', PERSON_IDENTITY, 409, { ...STALE, reason: 'Matrix: no longer in contact' }),
  },

  // Places and things: shared records every reader of their partnership may see.
  'GET /locations/new': { capability: 'link:write', plain: plain(200) },
  'POST /locations/new': { capability: 'link:write', plain: plain(400, 'none', {}) },
  'GET /locations/:id': { capability: 'person:read', target: read('location', SHARED_READ) },
  'GET /locations/:id/edit': { capability: 'link:write', target: read('location', SHARED_READ) },
  'POST /locations/:id/edit': {
    capability: 'link:write',
    target: refusedChange('location', SHARED_READ, 409, { ...LOCATION_FORM, ...STALE }, REREAD),
  },
  'POST /api/v1/locations': { capability: 'link:write', plain: plain(400, 'none', {}) },
  'GET /api/v1/locations/:id': { capability: 'person:read', target: read('location', SHARED_READ) },
  'PUT /api/v1/locations/:id': {
    capability: 'link:write',
    target: refusedChange('location', SHARED_READ, 409, { ...LOCATION_FORM, ...STALE }),
  },
  'GET /objects/new': { capability: 'link:write', plain: plain(200) },
  'POST /objects/new': { capability: 'link:write', plain: plain(400, 'none', {}) },
  // Intelligence (issue 12): the handlers' list, a new entry, one entry as the reader may see it.
  'GET /intelligence': { capability: 'intelligence:read', plain: plain(200, 'reads') },
  'GET /intelligence/new': { capability: 'intelligence:write', plain: plain(200) },
  'POST /intelligence/new': { capability: 'intelligence:write', plain: plain(400, 'none', {}) },
  'GET /intelligence/:id': { capability: 'person:read', target: read('intelligence', INTELLIGENCE_READ) },
  'GET /api/v1/intelligence': { capability: 'intelligence:read', plain: plain(200, 'reads') },
  'POST /api/v1/intelligence': { capability: 'intelligence:write', plain: plain(400, 'none', {}) },
  'GET /api/v1/intelligence/:id': {
    capability: 'person:read',
    target: read('intelligence', INTELLIGENCE_READ),
  },
  'GET /objects/:id': { capability: 'person:read', target: read('object', SHARED_READ) },
  'GET /objects/:id/edit': { capability: 'link:write', target: read('object', SHARED_READ) },
  'POST /objects/:id/edit': {
    capability: 'link:write',
    target: refusedChange(
      'object',
      SHARED_READ,
      409,
      { kind: 'phone', phone: '0114 496 0999', ...STALE },
      REREAD,
    ),
  },
  'POST /api/v1/objects': { capability: 'link:write', plain: plain(400, 'none', {}) },
  'GET /api/v1/objects/:id': { capability: 'person:read', target: read('object', SHARED_READ) },
  'PUT /api/v1/objects/:id': {
    capability: 'link:write',
    target: refusedChange('object', SHARED_READ, 409, { value: '0114 496 0998', ...STALE }),
  },

  // Flags: follow their subject.
  'GET /people/:id/flags/new': { capability: 'flag:write', target: read('person', PERSON_READ) },
  'POST /people/:id/flags/new': {
    capability: 'flag:write',
    target: {
      kind: 'person',
      allowed: PERSON_READ,
      ok: { status: 303, audit: [CREATED_FLAG, RAISED_TASK] },
      body: FLAG_FORM,
    },
  },
  'GET /api/v1/people/:id/flags': { capability: 'person:read', target: read('person', PERSON_READ) },
  'POST /api/v1/people/:id/flags': {
    capability: 'flag:write',
    target: {
      kind: 'person',
      allowed: PERSON_READ,
      ok: { status: 201, audit: [CREATED_FLAG, RAISED_TASK] },
      body: FLAG_JSON,
    },
  },
  'GET /locations/:id/flags/new': { capability: 'flag:write', target: read('location', SHARED_READ) },
  'POST /locations/:id/flags/new': {
    capability: 'flag:write',
    target: {
      kind: 'location',
      allowed: SHARED_READ,
      ok: { status: 303, audit: [CREATED_FLAG, RAISED_TASK] },
      body: { ...FLAG_FORM, flagType: 'cuckooed' },
    },
  },
  'GET /api/v1/locations/:id/flags': { capability: 'person:read', target: read('location', SHARED_READ) },
  'POST /api/v1/locations/:id/flags': {
    capability: 'flag:write',
    target: {
      kind: 'location',
      allowed: SHARED_READ,
      ok: { status: 201, audit: [CREATED_FLAG, RAISED_TASK] },
      body: { ...FLAG_JSON, flagType: 'harmful-location' },
    },
  },
  'GET /api/v1/flags/:id': { capability: 'person:read', target: read('flag', FLAG_READ) },
  'GET /flags/:id/review': { capability: 'flag:write', target: read('flag', FLAG_READ) },
  'POST /flags/:id/review': {
    capability: 'flag:write',
    target: refusedChange('flag', FLAG_READ, 409, { ...FLAG_DATE, ...STALE }, REREAD),
  },
  'POST /api/v1/flags/:id/review': {
    capability: 'flag:write',
    target: refusedChange('flag', FLAG_READ, 409, { reviewDate: FLAG_JSON.reviewDate, ...STALE }),
  },
  'GET /flags/:id/remove': { capability: 'flag:write', target: read('flag', FLAG_READ) },
  'POST /flags/:id/remove': {
    capability: 'flag:write',
    target: refusedChange('flag', FLAG_READ, 409, { reason: 'Matrix', ...STALE }, REREAD),
  },
  'POST /api/v1/flags/:id/remove': {
    capability: 'flag:write',
    target: refusedChange('flag', FLAG_READ, 409, { reason: 'Matrix', ...STALE }),
  },
  'GET /tasks': { capability: 'person:read', plain: plain(200, 'reads') },
  'GET /api/v1/tasks/flag-reviews': { capability: 'person:read', plain: plain(200, 'reads') },

  // Concerns: three pages from a draft, which is its recorder's alone; the API records a whole concern at once.
  // The children the practitioner may name are offered, each audited as a read.
  'GET /concerns/new': { capability: 'concern:create', plain: plain(200, 'reads') },
  'POST /concerns/new': { capability: 'concern:create', plain: plain(400, 'reads', {}) },
  // A draft is its recorder's own writing: opening it sends them on to the step it is at, nothing read.
  'GET /concerns/:id': {
    capability: 'concern:create',
    target: { ...draftPage(303), ok: { status: 303, audit: [READ] } },
  },
  'GET /concerns/:id/details': { capability: 'concern:create', target: draftPage(200) },
  'POST /concerns/:id/details': {
    capability: 'concern:create',
    target: refusedChange('concern', OWN_DRAFT, 409, STALE),
  },
  'GET /concerns/:id/danger': { capability: 'concern:create', target: draftPage(200) },
  'POST /concerns/:id/danger': {
    capability: 'concern:create',
    // The answer about immediate danger is checked first.
    target: refusedChange('concern', OWN_DRAFT, 400, STALE),
  },
  // Not yet at the check step: sent back to the details.
  'GET /concerns/:id/check': { capability: 'concern:create', target: draftPage(303) },
  'POST /concerns/:id/check': {
    capability: 'concern:create',
    // The judgement is checked before the version.
    target: refusedChange('concern', OWN_DRAFT, 400, STALE),
  },
  'POST /api/v1/concerns': { capability: 'concern:create', plain: plain(400, 'none', {}) },
  'GET /api/v1/concerns/:id': { capability: 'concern:create', target: read('concern', OWN_DRAFT) },
  'GET /api/v1/screening/guide': { capability: 'concern:create', plain: plain(200) },
  'POST /api/v1/screening/suggest': { capability: 'concern:create', plain: plain(400, 'none', {}) },

  // Referrals: each role meets referrals in every relation; changes carry a stale version, so nothing moves.
  'GET /front-door': { capability: 'referral:queue', plain: plain(200, 'reads') },
  'GET /referrals': { capability: 'referral:read-own', plain: plain(200, 'reads') },
  'GET /referrals/:id': { capability: 'referral:read-own', target: read('referral', REFERRAL_READ) },
  'POST /referrals/:id/review': {
    capability: 'referral:decide',
    target: refusedChange('referral', REFERRAL_DECIDE, 409, STALE, { ok: { status: 409, audit: [READ] } }),
  },
  'GET /referrals/:id/decision': { capability: 'referral:decide', target: read('referral', REFERRAL_DECIDE) },
  'POST /referrals/:id/decision': {
    capability: 'referral:decide',
    target: refusedChange('referral', REFERRAL_DECIDE, 409, STALE, { ok: { status: 409, audit: [READ] } }),
  },
  // Offered only to whoever may withdraw it; another reader has read the referral, and is not offered the page.
  'GET /referrals/:id/withdraw': {
    capability: 'referral:create',
    target: read('referral', REFERRAL_WITHDRAW, {
      forbidden: { allowed: REFERRAL_READ, outcome: { status: 404, audit: [READ] } },
    }),
  },
  'POST /referrals/:id/withdraw': {
    capability: 'referral:create',
    // A reader who is neither the referrer nor the front door is refused (403), and the refusal audited.
    target: refusedChange(
      'referral',
      REFERRAL_WITHDRAW,
      409,
      { ...STALE, reason: 'Matrix' },
      {
        ok: { status: 409, audit: [READ] },
        forbidden: { allowed: REFERRAL_READ, outcome: { status: 403, audit: [DENIED] } },
      },
    ),
  },
  'POST /api/v1/referrals': { capability: 'referral:create', plain: plain(400, 'none', {}) },
  'GET /api/v1/referrals': { capability: 'referral:read-own', plain: plain(200, 'reads') },
  'GET /api/v1/referrals/:id': { capability: 'referral:read-own', target: read('referral', REFERRAL_READ) },
  'POST /api/v1/referrals/:id/review': {
    capability: 'referral:decide',
    target: refusedChange('referral', REFERRAL_DECIDE, 409, { version: '999999' }),
  },
  'POST /api/v1/referrals/:id/decision': {
    capability: 'referral:decide',
    target: refusedChange('referral', REFERRAL_DECIDE, 400, {}, BODY_FIRST),
  },
  'POST /api/v1/referrals/:id/withdraw': {
    capability: 'referral:create',
    target: refusedChange('referral', REFERRAL_WITHDRAW, 400, {}, BODY_FIRST),
  },
  'GET /referrals/:id/notifications/new': {
    capability: 'referral:queue',
    target: read('referral', REFERRAL_DECIDE),
  },
  'POST /referrals/:id/notifications/new': {
    capability: 'referral:queue',
    target: { kind: 'referral', allowed: REFERRAL_DECIDE, ok: { status: 400, audit: [READ] }, body: {} },
  },
  'GET /notifications': { capability: 'referral:queue', plain: plain(200, 'reads') },
  'GET /notifications/:id/acknowledge': {
    capability: 'referral:queue',
    target: read('notification', NOTIFICATIONS),
  },
  'POST /notifications/:id/acknowledge': {
    capability: 'referral:queue',
    target: refusedChange('notification', NOTIFICATIONS, 400, {}, REREAD),
  },
  'POST /api/v1/referrals/:id/notifications': {
    capability: 'referral:queue',
    target: refusedChange('referral', REFERRAL_DECIDE, 400, {}, BODY_FIRST),
  },
  'GET /api/v1/referrals/:id/notifications': {
    capability: 'referral:queue',
    target: read('referral', REFERRAL_DECIDE),
  },
  'GET /api/v1/notifications': { capability: 'referral:queue', plain: plain(200, 'reads') },
  'POST /api/v1/notifications/:id/acknowledge': {
    capability: 'referral:queue',
    target: refusedChange('notification', NOTIFICATIONS, 400, {}, BODY_FIRST),
  },

  // Street terms (issue 12, slice i12-terms): reference data, no reads or denials audited (as agencies).
  'GET /admin/street-terms': { capability: 'reference:manage', plain: plain(200) },
  'GET /admin/street-terms/new': { capability: 'reference:manage', plain: plain(200) },
  'POST /admin/street-terms/new': { capability: 'reference:manage', plain: plain(400, 'none', {}) },
  'GET /admin/street-terms/:id': {
    capability: 'reference:manage',
    target: {
      kind: 'street-term',
      allowed: STREET_TERMS,
      ok: { status: 200, audit: [] },
      denied: { status: 404, audit: [] },
    },
  },
  'POST /admin/street-terms/:id': {
    capability: 'reference:manage',
    target: refusedChange('street-term', STREET_TERMS, 400, {}, { denied: { status: 404, audit: [] } }),
  },
  'GET /api/v1/street-terms': { capability: 'reference:manage', plain: plain(200) },
  'POST /api/v1/street-terms': { capability: 'reference:manage', plain: plain(400, 'none', {}) },
  'PATCH /api/v1/street-terms/:id': {
    capability: 'reference:manage',
    target: refusedChange('street-term', STREET_TERMS, 409, STALE, { denied: { status: 404, audit: [] } }),
  },
  // Suggested links (issue 12, i12-suggest): the queue, one suggestion, accepting and rejecting it. The changes
  // cannot succeed (a stale version, no reason), so every role and relation meets the same pending suggestion.
  'GET /suggestions': { capability: 'link:review', plain: plain(200, 'reads') },
  'GET /suggestions/:id': { capability: 'link:review', target: read('suggestion', SUGGESTION_REVIEW) },
  'POST /suggestions/:id/accept': {
    capability: 'link:review',
    target: refusedChange('suggestion', SUGGESTION_REVIEW, 409, STALE, REREAD),
  },
  'POST /suggestions/:id/reject': {
    capability: 'link:review',
    target: refusedChange('suggestion', SUGGESTION_REVIEW, 400, { version: '1', reason: '' }, REREAD),
  },
  'GET /api/v1/suggestions': { capability: 'link:review', plain: plain(200, 'reads') },
  'GET /api/v1/suggestions/:id': { capability: 'link:review', target: read('suggestion', SUGGESTION_REVIEW) },
  'POST /api/v1/suggestions/:id/accept': {
    capability: 'link:review',
    target: refusedChange('suggestion', SUGGESTION_REVIEW, 409, STALE),
  },
  'POST /api/v1/suggestions/:id/reject': {
    capability: 'link:review',
    target: refusedChange('suggestion', SUGGESTION_REVIEW, 400, { version: '1', reason: '' }),
  },
  // a13: allocation (issue 13): the queue, one allocation, allocating (a stale version: every role and relation
  // meets the same waiting allocation; the form is shown again, reading it), and the worker's own.
  'GET /allocations': { capability: 'allocation:manage', plain: plain(200, 'reads') },
  'GET /allocations/:id': { capability: 'person:read', target: read('allocation', ALLOCATION_READ) },
  'GET /allocations/:id/allocate': {
    capability: 'allocation:manage',
    target: read('allocation', ALLOCATION_MANAGE),
  },
  'POST /allocations/:id/allocate': {
    capability: 'allocation:manage',
    target: refusedChange('allocation', ALLOCATION_MANAGE, 409, STALE, REREAD),
  },
  'GET /api/v1/allocations': { capability: 'allocation:manage', plain: plain(200, 'reads') },
  'GET /api/v1/allocations/mine': { capability: 'person:read', plain: plain(200, 'reads') },
  'GET /api/v1/allocations/:id': { capability: 'person:read', target: read('allocation', ALLOCATION_READ) },
  'POST /api/v1/allocations/:id/allocate': {
    capability: 'allocation:manage',
    target: refusedChange('allocation', ALLOCATION_MANAGE, 409, { ...STALE, workerId: 'matrix' }),
  },

  // t13: the task engine. Lists read (and audit) the subjects of the tasks shown; a task is read with its
  // subject; changes carry a stale version, so nothing moves (the page shown again reads the task again).
  'GET /tasks/mine': { capability: 'person:read', plain: plain(200, 'reads') },
  'GET /tasks/team': { capability: 'person:read', plain: plain(200, 'reads') },
  'GET /tasks/:id/complete': { capability: 'person:read', target: read('task', TASK_READ) },
  'POST /tasks/:id/complete': {
    capability: 'person:read',
    target: refusedChange('task', TASK_READ, 409, { outcome: 'Matrix', ...STALE }, REREAD),
  },
  'GET /tasks/:id/reassign': { capability: 'person:read', target: read('task', TASK_REASSIGN) },
  'POST /tasks/:id/reassign': {
    capability: 'person:read',
    target: refusedChange(
      'task',
      TASK_REASSIGN,
      409,
      { assignee: '00000000-0000-4000-8000-000000000000', ...STALE },
      REREAD,
    ),
  },
  'GET /api/v1/tasks': { capability: 'person:read', plain: plain(200, 'reads') },
  'GET /api/v1/tasks/team': { capability: 'person:read', plain: plain(200, 'reads') },
  'GET /api/v1/tasks/:id': { capability: 'person:read', target: read('task', TASK_READ) },
  'POST /api/v1/tasks/:id/complete': {
    capability: 'person:read',
    target: refusedChange('task', TASK_READ, 409, { outcome: 'Matrix', ...STALE }),
  },
  'POST /api/v1/tasks/:id/reassign': {
    capability: 'person:read',
    target: refusedChange('task', TASK_REASSIGN, 409, {
      assigneeId: '00000000-0000-4000-8000-000000000000',
      ...STALE,
    }),
  },

  // i12d: an entry's new version and a description from it (before break-glass, which changes relations).
  'GET /intelligence/:id/new-version': {
    capability: 'intelligence:write',
    target: read('intelligence', INTELLIGENCE_BASIS),
  },
  'POST /intelligence/:id/new-version': {
    capability: 'intelligence:write',
    target: refusedChange('intelligence', INTELLIGENCE_BASIS, 409, { ...STALE }, REREAD),
  },
  'GET /intelligence/:id/describe': {
    capability: 'intelligence:write',
    target: read('intelligence', INTELLIGENCE_BASIS),
  },
  'POST /intelligence/:id/describe': {
    capability: 'intelligence:write',
    target: refusedChange('intelligence', INTELLIGENCE_BASIS, 400, { subject: '', description: '' }, REREAD),
  },
  'POST /api/v1/intelligence/:id/versions': {
    capability: 'intelligence:write',
    target: refusedChange('intelligence', INTELLIGENCE_BASIS, 409, { ...VERSION_JSON, ...STALE }),
  },
  'POST /api/v1/intelligence/:id/descriptions': {
    capability: 'intelligence:write',
    target: refusedChange('intelligence', INTELLIGENCE_BASIS, 400, {
      subject: 'object:none',
      description: '',
    }),
  },

  // Break-glass last: a grant it gives would change every later route's relation to that record.
  'GET /people/:id/break-glass': {
    capability: 'break-glass:use',
    // The form is shown for any id (no existence leak); nothing is read or written.
    target: {
      kind: 'person',
      allowed: BREAK_GLASS,
      ok: { status: 200, audit: [] },
      denied: { status: 200, audit: [] },
    },
  },
  'POST /people/:id/break-glass': {
    capability: 'break-glass:use',
    target: {
      kind: 'person',
      allowed: BREAK_GLASS,
      ok: { status: 303, audit: [{ action: 'break-glass', outcome: 'allowed' }] },
      denied: { status: 404, audit: [{ action: 'break-glass', outcome: 'denied' }] },
      body: { reason: 'Matrix test: child reported missing', password: TEST_PASSWORD },
    },
  },
}

export const hasCapability = (spec: RouteSpec): spec is Extract<RouteSpec, { capability: Capability }> =>
  'capability' in spec

export const UPDATED_ROW = UPDATED
export { NOT_FOUND }
