/**
 * Roles and the capabilities they grant (PRODUCT.md, "Who uses it"). This table is the written access rule per
 * function (ASVS 8.1.1): the policy reads it, the authorisation matrix test is generated from it, and nothing
 * else decides what a role may do.
 */

export const ROLES = [
  'practitioner',
  'dsl',
  'front-door',
  'social-worker',
  'team-manager',
  'mace-chair',
  'police-intelligence',
  'strategic-leader',
  'dpo',
  'system-admin',
] as const
export type Role = (typeof ROLES)[number]

export const CAPABILITIES = [
  // Front door (C4)
  'concern:create',
  'referral:create',
  'referral:read-own',
  'referral:queue',
  'referral:decide',
  // People, places and things (C3)
  'person:search',
  'person:read',
  'person:write',
  'person:merge',
  'link:write',
  'flag:write',
  // Assessment and planning (C5, C6, C8)
  'assessment:write',
  'assessment:sign-off',
  'mace:manage',
  'mace:attend',
  'action:write',
  // Intelligence (C7)
  'intelligence:read',
  'intelligence:write',
  'network:analyse',
  // Oversight (C9)
  'insight:aggregate',
  'export:csv',
  // Data protection (C2, C10)
  'audit:read',
  'audit:export',
  'record-views:read',
  'break-glass:review',
  'subject-access:export',
  // Administration (C2)
  'user:manage',
  'agency:manage',
  'token:manage',
  // Exceptional access outside a relationship (C2)
  'break-glass:use',
  // Partnership reference data: the street-terms glossary (issue 12, slice i12-terms)
  'reference:manage',
  // Suggested links (issue 12, i12-suggest): reviewing the links proposed between records of several sources.
  'link:review',
  // a13: allocation (issue 13): a team manager's queue of children waiting for a worker, and allocating them.
  'allocation:manage',
] as const
export type Capability = (typeof CAPABILITIES)[number]

const FRONT_LINE: Capability[] = ['concern:create', 'referral:create', 'referral:read-own', 'person:search']
/** Keeping a child's record: its details, links and flags. */
const CASE_WORK: Capability[] = ['person:read', 'person:write', 'link:write', 'flag:write']
/** A social worker's case work: assessments, actions, the MACE, who has viewed a record, break-glass. */
const SOCIAL_WORK: Capability[] = [
  ...CASE_WORK,
  'assessment:write',
  'action:write',
  'mace:attend',
  'record-views:read',
  'break-glass:use',
]

/** What each role may do. Record-level visibility is decided separately, from relationships (policy.ts). */
export const ROLE_CAPABILITIES: Readonly<Record<Role, readonly Capability[]>> = {
  // Policy: "anyone can refer" — every practitioner records concerns and refers, and sees their own referrals.
  practitioner: FRONT_LINE,
  dsl: [...FRONT_LINE, 'person:read'],
  'front-door': [
    ...FRONT_LINE,
    ...CASE_WORK,
    'referral:queue',
    'referral:decide',
    'break-glass:use',
    // Suggested links (i12-suggest): the front door, team managers and police intelligence review them.
    'link:review',
  ],
  'social-worker': [...FRONT_LINE, ...SOCIAL_WORK],
  // A social worker's capabilities, and the front door's decisions, merging duplicates, sign-off and exports.
  'team-manager': [
    ...FRONT_LINE,
    ...SOCIAL_WORK,
    'referral:queue',
    'referral:decide',
    'person:merge',
    'assessment:sign-off',
    'export:csv',
    // Suggested links (i12-suggest).
    'link:review',
    // a13: allocation (issue 13).
    'allocation:manage',
  ],
  'mace-chair': [
    ...FRONT_LINE,
    'person:read',
    'link:write',
    'flag:write',
    'mace:manage',
    'mace:attend',
    'action:write',
    'network:analyse',
    'export:csv',
    'break-glass:use',
  ],
  'police-intelligence': [
    ...FRONT_LINE,
    ...CASE_WORK,
    'intelligence:read',
    'intelligence:write',
    'network:analyse',
    'mace:attend',
    'break-glass:use',
    // Suggested links (i12-suggest).
    'link:review',
  ],
  // Aggregates only, never an identifiable child.
  'strategic-leader': ['insight:aggregate'],
  dpo: ['audit:read', 'audit:export', 'record-views:read', 'break-glass:review', 'subject-access:export'],
  // Users and agencies, and no case data.
  'system-admin': ['user:manage', 'agency:manage', 'token:manage', 'reference:manage'],
}

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value)
}
