/**
 * The authorisation matrix's tables (SECURITY.md, proof 1; ASVS 8.1.1): for each kind of record, the ways a user
 * can stand to one, and for each role which of those let them in. Written out by hand from the policy's rules,
 * never computed from policy.ts, so that the test checks the code against what the policy says.
 */
import { ROLES, type Role } from '../../src/platform/access/roles.ts'

export const RELATIONS = {
  /** How a user stands to a child's record. */
  person: [
    'own', // the allocated worker
    'team', // allocated to their team (a team manager manages it)
    'own-agency', // their agency holds information on the child
    'other-agency', // allocated to and held by another agency only
    'mace', // on the agenda of a current meeting they attend
    'break-glass', // they hold an unexpired break-glass grant
    'open-referral', // someone else's referral about the child is open at the front door
    'other-partnership', // a child in another partnership
    'missing', // no such record
  ],
  /** A referral. */
  referral: [
    'own', // they made it (about their own child)
    'allocated', // someone else's, about a child allocated to them
    'agency', // made by a colleague in their agency, about a child they do not know
    'other', // made by someone in another agency, about a child they do not know
    'other-partnership',
    'missing',
  ],
  /** A concern. */
  concern: ['own-draft', 'other-draft', 'other-partnership', 'missing'],
  /** A notification to another authority. */
  notification: ['own', 'other', 'other-partnership', 'missing'],
  /** Shared records of the partnership (places, things, administration). */
  shared: ['here', 'other-partnership', 'missing'],
  /**
   * A place or thing (slice i12-relations): linked to a child the user works with, recorded by their agency,
   * recorded by another agency and linked to nobody they may see.
   */
  thing: ['linked', 'own-agency', 'unlinked', 'other-partnership', 'missing'],
  /** A flag: on a place every reader sees, on a child nobody here works with. */
  flag: ['on-place', 'on-hidden-child', 'other-partnership', 'missing'],
  /** An intelligence entry (issue 12). */
  intelligence: [
    'own', // they recorded it
    'mace', // handling P, about a child on the agenda of a current meeting they attend
    'mace-excluded', // handling C whose conditions refuse their agency, about that child
    'other', // handling P, about a child nobody here works with
    'other-partnership',
    'missing',
  ],
  // Suggested links (issue 12, i12-suggest): between two things every reader sees, or two hidden children.
  suggestion: ['between-things', 'hidden-ends', 'other-partnership', 'missing'],
  // a13: allocation (issue 13): waiting in the user's own team, allocated to the user (in another agency's team),
  // waiting in another team of their agency, in another agency's team, in another partnership.
  allocation: ['own-team', 'allocated', 'other-team', 'other-agency', 'other-partnership', 'missing'],
  // t13: a task assigned to the user (about their own child), to their team (about the team's child), to the user
  // about a child nobody here works with, to someone in another team (about the user's own child).
  task: ['own', 'team', 'hidden-child', 'other-user', 'other-partnership', 'missing'],
} as const

export type Kind =
  | 'person'
  | 'link'
  | 'referral'
  | 'concern'
  | 'notification'
  | 'location'
  | 'object'
  | 'flag'
  | 'intelligence'
  // Suggested links (i12-suggest).
  | 'suggestion'
  // a13: allocation (issue 13)
  | 'allocation'
  // t13: the task engine.
  | 'task'
export type AdminKind = 'user' | 'agency' | 'token' | 'grant' | 'street-term'

export const RELATIONS_OF: Readonly<Record<Kind | AdminKind, readonly string[]>> = {
  person: RELATIONS.person,
  link: RELATIONS.person,
  referral: RELATIONS.referral,
  concern: RELATIONS.concern,
  notification: RELATIONS.notification,
  location: RELATIONS.thing,
  object: RELATIONS.thing,
  flag: RELATIONS.flag,
  intelligence: RELATIONS.intelligence,
  // Suggested links (i12-suggest).
  suggestion: RELATIONS.suggestion,
  user: RELATIONS.shared,
  agency: RELATIONS.shared,
  token: RELATIONS.shared,
  grant: RELATIONS.shared,
  // Street terms (issue 12, slice i12-terms)
  'street-term': RELATIONS.shared,
  // a13: allocation (issue 13)
  allocation: RELATIONS.allocation,
  // t13: the task engine.
  task: RELATIONS.task,
}

export type Allowed = Readonly<Record<Role, readonly string[]>>

const nobody = (): Allowed => Object.fromEntries(ROLES.map((r) => [r, []])) as unknown as Allowed
export const NOBODY: Allowed = nobody()
const only = (roles: readonly Role[], relations: readonly string[]): Allowed =>
  Object.fromEntries(ROLES.map((r) => [r, roles.includes(r) ? relations : []])) as unknown as Allowed

/** Who may read a child's record: for each role, the relations that let them in. */
export const PERSON_READ: Allowed = {
  practitioner: [], // no person:read: the route refuses (403)
  dsl: ['own', 'team', 'own-agency'],
  'front-door': ['own', 'team', 'break-glass', 'open-referral'],
  'social-worker': ['own', 'team', 'mace', 'break-glass'],
  'team-manager': ['own', 'team', 'mace', 'break-glass', 'open-referral'],
  'mace-chair': ['own', 'team', 'mace', 'break-glass'],
  'police-intelligence': ['own', 'team', 'mace', 'break-glass'],
  'strategic-leader': [],
  dpo: [],
  'system-admin': [],
}

/**
 * Slice i12-relations: who may see who a child is and attach links to them — PERSON_READ, and the police
 * intelligence unit anyone of its partnership (identity only, no break-glass). Their chronology, duplicates and
 * flags stay PERSON_READ's.
 */
export const PERSON_IDENTITY: Allowed = {
  ...PERSON_READ,
  'police-intelligence': [
    ...PERSON_READ['police-intelligence'],
    'own-agency',
    'other-agency',
    'open-referral',
  ],
}

/** Who may change a person's record: person:write, and an allocation to them or their team, or break-glass. */
export const PERSON_WRITE: Allowed = {
  ...nobody(),
  'front-door': ['own', 'team', 'break-glass'],
  'social-worker': ['own', 'team', 'break-glass'],
  'team-manager': ['own', 'team', 'break-glass'],
  'police-intelligence': ['own', 'team', 'break-glass'],
}

/** Who may see "who has viewed this record": a reader with record-views:read, and the DPO for any record. */
export const RECORD_VIEWS: Allowed = {
  ...nobody(),
  'social-worker': ['own', 'team', 'mace', 'break-glass'],
  'team-manager': ['own', 'team', 'mace', 'break-glass', 'open-referral'],
  dpo: ['own', 'team', 'own-agency', 'other-agency', 'mace', 'break-glass', 'open-referral'],
}

/** Any child of their partnership. */
const ANY_IN_PARTNERSHIP = [
  'own',
  'team',
  'own-agency',
  'other-agency',
  'mace',
  'break-glass',
  'open-referral',
]

/** Who may open a record by break-glass (with a reason and their password): any record in their partnership. */
export const BREAK_GLASS: Allowed = only(
  ['front-door', 'social-worker', 'team-manager', 'mace-chair', 'police-intelligence'],
  ANY_IN_PARTNERSHIP,
)

/** Merging: only a team manager has person:merge; reading merges needs sight of the record, changing it more. */
export const MERGE_READ: Allowed = only(
  ['team-manager'],
  ['own', 'team', 'mace', 'break-glass', 'open-referral'],
)
export const MERGE_WRITE: Allowed = only(['team-manager'], ['own', 'team', 'break-glass'])

/**
 * Who may read a referral: its referrer; the child's case workers; a DSL their agency's referrals; the front door
 * (and its managers) every referral of the partnership.
 */
export const REFERRAL_READ: Allowed = {
  practitioner: ['own', 'allocated'],
  dsl: ['own', 'allocated', 'agency'],
  'front-door': ['own', 'allocated', 'agency', 'other'],
  'social-worker': ['own', 'allocated'],
  'team-manager': ['own', 'allocated', 'agency', 'other'],
  'mace-chair': ['own', 'allocated'],
  'police-intelligence': ['own', 'allocated'],
  'strategic-leader': [],
  dpo: [],
  'system-admin': [],
}

/** Who may review and decide one: the front door and its managers, on any referral of their partnership. */
export const REFERRAL_DECIDE: Allowed = only(
  ['front-door', 'team-manager'],
  ['own', 'allocated', 'agency', 'other'],
)

/** Who may withdraw a referral: the front door any of its partnership's, its referrer their own. */
export const REFERRAL_WITHDRAW: Allowed = {
  ...REFERRAL_DECIDE,
  practitioner: ['own'],
  dsl: ['own'],
  'social-worker': ['own'],
  'mace-chair': ['own'],
  'police-intelligence': ['own'],
}

/** A concern draft is its recorder's alone. */
export const OWN_DRAFT: Allowed = only(
  ['practitioner', 'dsl', 'front-door', 'social-worker', 'team-manager', 'mace-chair', 'police-intelligence'],
  ['own-draft'],
)

/** Notifications: the front door, on referrals of their partnership. */
export const NOTIFICATIONS: Allowed = only(['front-door', 'team-manager'], ['own', 'other'])

/**
 * Places and things (slice i12-relations): a reader of people sees one linked to a child they may read, or one
 * their agency recorded; the police intelligence unit every one of its partnership.
 */
export const SHARED_READ: Allowed = {
  ...only(['dsl', 'front-door', 'social-worker', 'team-manager', 'mace-chair'], ['linked', 'own-agency']),
  'police-intelligence': ['linked', 'own-agency', 'unlinked'],
}

/** A flag follows its subject: the place is every reader's; the hidden child nobody's. */
export const FLAG_READ: Allowed = only(
  ['dsl', 'front-door', 'social-worker', 'team-manager', 'mace-chair', 'police-intelligence'],
  ['on-place'],
)

/** Administration: their own partnership's users, agencies, tokens; the DPO's break-glass grants. */
export const ADMIN: Allowed = only(['system-admin', 'dpo'], ['here'])

/**
 * Who may read an intelligence entry: its author (any role that reads records), a MACE member for a child on
 * their agenda unless the conditions refuse their agency, and police intelligence (its handlers) every one here.
 */
export const INTELLIGENCE_READ: Allowed = {
  practitioner: [], // no person:read: the route refuses (403)
  dsl: ['own'],
  'front-door': ['own'],
  'social-worker': ['own', 'mace'],
  'team-manager': ['own', 'mace'],
  'mace-chair': ['own', 'mace'],
  'police-intelligence': ['own', 'mace', 'mace-excluded', 'other'],
  'strategic-leader': [],
  dpo: [],
  'system-admin': [],
}

// Street terms (issue 12, slice i12-terms)
/** The street-terms glossary: the system administrator (reference:manage), their own partnership's terms. */
export const STREET_TERMS: Allowed = only(['system-admin'], ['here'])

// Suggested links (issue 12, i12-suggest).
/** Reviewers (link:review): the front door, team managers and police intelligence, when they may see both ends. */
export const SUGGESTION_REVIEW: Allowed = only(
  ['front-door', 'team-manager', 'police-intelligence'],
  ['between-things'],
)

// a13: allocation (issue 13)
/** A team's allocation queue and allocating its children: the team's manager (allocation:manage), their own team's. */
export const ALLOCATION_MANAGE: Allowed = only(['team-manager'], ['own-team'])
/** Reading an allocation: its team's manager, and the worker it is allocated to (any role that reads records). */
export const ALLOCATION_READ: Allowed = {
  ...only(['dsl', 'front-door', 'social-worker', 'mace-chair', 'police-intelligence'], ['allocated']),
  'team-manager': ['own-team', 'allocated'],
}
// t13: the task engine.
/** A task: its assignee, their team and the team's manager, when they may see its subject (never break-glass). */
export const TASK_READ: Allowed = only(
  ['dsl', 'front-door', 'social-worker', 'team-manager', 'mace-chair', 'police-intelligence'],
  ['own', 'team'],
)
/** Reassigning one: the manager of its team only. */
export const TASK_REASSIGN: Allowed = only(['team-manager'], ['own', 'team'])
// i12d: building on an intelligence entry (a new version, a description from it).
/** Its handlers (police intelligence, who hold `intelligence:write`) on any entry they read in full. */
export const INTELLIGENCE_BASIS: Allowed = only(
  ['police-intelligence'],
  ['own', 'mace', 'mace-excluded', 'other'],
)
