import { ROLE_CAPABILITIES, type Capability, type Role } from './roles.ts'

/**
 * The one access policy. Services ask it before they read or change a record; routes declare the capability
 * they need. It decides from facts only (who the actor is, what the record is and how the two are related),
 * so it is pure, fast and exhaustively testable; repositories gather the facts, row-level security repeats the
 * partnership and handling rules in the database.
 *
 * A denial never says whether the record exists: callers answer 404 for every denial of a record.
 */

export interface Actor {
  userId: string
  partnershipId: string
  agencyId: string
  /** Teams the actor works in, and teams they manage. */
  teamIds: readonly string[]
  managedTeamIds: readonly string[]
  roles: readonly Role[]
  /** An API token's scopes narrow what its user's roles allow; undefined for people signed in. */
  scopes?: readonly Capability[]
}

export type RecordKind = 'person' | 'location' | 'object' | 'referral' | 'intelligence'
export type HandlingCode = 'P' | 'C'

/** What the repository knows about a record and the people around it. */
export interface RecordFacts {
  kind: RecordKind
  partnershipId: string
  allocatedWorkerId?: string | null
  allocatedTeamId?: string | null
  /** Users who referred this child (person) or made this referral (referral). */
  referrerIds?: readonly string[]
  /** Agencies that hold or supplied information on the record (a DSL sees their organisation's). */
  involvedAgencyIds?: readonly string[]
  /** Members of the MACE meeting whose current agenda has this child. */
  currentMaceMemberIds?: readonly string[]
  /** Intelligence only: 3x5x2 handling code, and for C the agencies its conditions allow. */
  handlingCode?: HandlingCode
  handlingAgencyIds?: readonly string[]
  /** Users with an unexpired break-glass grant on this record. */
  breakGlassUserIds?: readonly string[]
}

export type Relationship =
  | 'allocated-worker'
  | 'allocated-team'
  | 'team-manager'
  | 'own-agency'
  | 'referrer'
  | 'front-door'
  | 'mace-member'
  | 'intelligence-handler'
  | 'break-glass'

/** Groups of fields a decision may reveal; each record type maps its fields onto these. */
export type FieldGroup =
  'identity' | 'details' | 'sensitive' | 'referral-outcome' | 'intelligence-sanitised' | 'intelligence-full'

export type Denial = 'partnership' | 'capability' | 'relationship' | 'handling'

export interface Decision {
  allowed: boolean
  relationships: Relationship[]
  fields: FieldGroup[]
  /** Allowed only through break-glass: the audit row is marked and the DPO reviews it. */
  breakGlass: boolean
  denial?: Denial
}

export type RecordAction = 'read' | 'write'

// An actor lives for one request and is read-only, so its capabilities are worked out once (a queue page asks for
// every row).
const capabilityCache = new WeakMap<Actor, ReadonlySet<Capability>>()

export function capabilitiesOf(actor: Actor): ReadonlySet<Capability> {
  const cached = capabilityCache.get(actor)
  if (cached !== undefined) return cached
  const granted = new Set(actor.roles.flatMap((role) => ROLE_CAPABILITIES[role]))
  const result =
    actor.scopes === undefined ? granted : new Set(actor.scopes.filter((scope) => granted.has(scope)))
  capabilityCache.set(actor, result)
  return result
}

export function can(actor: Actor, capability: Capability): boolean {
  return capabilitiesOf(actor).has(capability)
}

const FULL: FieldGroup[] = ['identity', 'details', 'sensitive']

/** The relationships between an actor and a record that the actor's capabilities let count. */
export function relationshipsOf(actor: Actor, record: RecordFacts): Relationship[] {
  const caps = capabilitiesOf(actor)
  const found: Relationship[] = []
  const allocatedTeam = record.allocatedTeamId ?? undefined
  if (record.allocatedWorkerId === actor.userId) found.push('allocated-worker')
  if (allocatedTeam !== undefined && actor.teamIds.includes(allocatedTeam)) found.push('allocated-team')
  if (allocatedTeam !== undefined && actor.managedTeamIds.includes(allocatedTeam)) found.push('team-manager')
  if (actor.roles.includes('dsl') && record.involvedAgencyIds?.includes(actor.agencyId) === true) {
    found.push('own-agency')
  }
  if (caps.has('referral:read-own') && record.referrerIds?.includes(actor.userId) === true)
    found.push('referrer')
  if (record.kind === 'referral' && caps.has('referral:queue')) found.push('front-door')
  if (caps.has('mace:attend') || caps.has('mace:manage')) {
    if (record.currentMaceMemberIds?.includes(actor.userId) === true) found.push('mace-member')
  }
  if (record.kind === 'intelligence' && caps.has('intelligence:read')) found.push('intelligence-handler')
  if (caps.has('break-glass:use') && record.breakGlassUserIds?.includes(actor.userId) === true) {
    found.push('break-glass')
  }
  return found
}

function deny(denial: Denial, relationships: Relationship[] = []): Decision {
  return { allowed: false, relationships, fields: [], breakGlass: false, denial }
}

function allow(relationships: Relationship[], fields: FieldGroup[], breakGlass = false): Decision {
  return { allowed: true, relationships, fields, breakGlass }
}

const CASE_RELATIONSHIPS: Relationship[] = ['allocated-worker', 'allocated-team', 'team-manager']

function decidePerson(actor: Actor, action: RecordAction, rel: Relationship[]): Decision {
  const caps = capabilitiesOf(actor)
  const has = (r: Relationship) => rel.includes(r)
  if (action === 'write') {
    if (!caps.has('person:write')) return deny('capability', rel)
    if (CASE_RELATIONSHIPS.some(has)) return allow(rel, FULL)
    if (has('break-glass')) return allow(rel, FULL, true)
    return deny('relationship', rel)
  }
  if (!caps.has('person:read')) return deny('capability', rel)
  if (CASE_RELATIONSHIPS.some(has) || has('mace-member')) return allow(rel, FULL)
  if (has('own-agency')) return allow(rel, ['identity', 'details'])
  if (has('break-glass')) return allow(rel, FULL, true)
  return deny('relationship', rel)
}

function decideReferral(actor: Actor, action: RecordAction, rel: Relationship[]): Decision {
  const caps = capabilitiesOf(actor)
  const has = (r: Relationship) => rel.includes(r)
  if (action === 'write') {
    // Deciding a referral is the front door's (and its managers') job.
    return caps.has('referral:decide') && has('front-door') ? allow(rel, FULL) : deny('capability', rel)
  }
  if (!caps.has('referral:read-own') && !caps.has('referral:queue')) return deny('capability', rel)
  if (has('front-door') || CASE_RELATIONSHIPS.some(has) || has('mace-member')) return allow(rel, FULL)
  // Policy: the referrer (and a DSL, for their organisation's referrals) learns what happened to the referral,
  // and nothing else about the child.
  if (has('referrer') || has('own-agency')) return allow(rel, ['identity', 'referral-outcome'])
  if (has('break-glass')) return allow(rel, FULL, true)
  return deny('relationship', rel)
}

function decideIntelligence(
  actor: Actor,
  action: RecordAction,
  rel: Relationship[],
  record: RecordFacts,
): Decision {
  const caps = capabilitiesOf(actor)
  const handler = rel.includes('intelligence-handler')
  // Handling code C: only agencies its conditions name (and police intelligence, who set them).
  const handlingAllows =
    record.handlingCode !== 'C' || handler || record.handlingAgencyIds?.includes(actor.agencyId) === true
  if (action === 'write') {
    return caps.has('intelligence:write') ? allow(rel, ['intelligence-full']) : deny('capability', rel)
  }
  if (!handlingAllows) return deny('handling', rel)
  if (handler) return allow(rel, ['intelligence-full'])
  // Shared at MACE: the sanitised text (no source-identifying detail). Never through break-glass.
  if (rel.includes('mace-member')) return allow(rel, ['intelligence-sanitised'])
  return deny('relationship', rel)
}

/**
 * Locations (addresses, premises, places) and objects (phones, vehicles, handles) are shared POLE entities of the
 * partnership, not a child's record: anyone who may read people may read them; those who record people or links
 * may record them. What connects them to a child is a link, which is only visible with the child (decideLink).
 */
function decidePlaceOrThing(actor: Actor, action: RecordAction, rel: Relationship[]): Decision {
  const caps = capabilitiesOf(actor)
  if (action === 'write') {
    return caps.has('person:write') || caps.has('link:write') ? allow(rel, FULL) : deny('capability', rel)
  }
  return caps.has('person:read') ? allow(rel, FULL) : deny('capability', rel)
}

/** May this actor do this to this record, and which field groups may they see? */
export function decide(actor: Actor, action: RecordAction, record: RecordFacts): Decision {
  if (actor.partnershipId !== record.partnershipId) return deny('partnership')
  const rel = relationshipsOf(actor, record)
  switch (record.kind) {
    case 'location':
    case 'object':
      return decidePlaceOrThing(actor, action, rel)
    case 'person':
      return decidePerson(actor, action, rel)
    case 'referral':
      return decideReferral(actor, action, rel)
    case 'intelligence':
      return decideIntelligence(actor, action, rel, record)
  }
}

/**
 * A link between two entities reveals something about both ends, so it is visible only when the actor may read
 * both; recording (or ending) one needs `link:write` too. `ends` are the actor's read decisions on the two ends.
 * A denial names no end: callers answer as for a record that does not exist.
 */
export function decideLink(
  actor: Actor,
  action: RecordAction,
  ends: readonly [Decision, Decision],
): Decision {
  const visible = ends.every((end) => end.allowed)
  const breakGlass = ends.some((end) => end.breakGlass)
  if (!visible) return deny('relationship')
  if (action === 'write' && !can(actor, 'link:write')) return deny('capability')
  return allow([], FULL, breakGlass)
}

/** A flag is read with its subject; setting, reviewing or removing one needs `flag:write` and sight of it. */
export function decideFlag(actor: Actor, action: RecordAction, subject: Decision): Decision {
  if (!subject.allowed) return deny('relationship')
  if (action === 'write' && !can(actor, 'flag:write')) return deny('capability')
  return allow(subject.relationships, FULL, subject.breakGlass)
}

/** What the policy needs to know about a concern: who recorded it and whether it is still a draft. */
export interface ConcernFacts {
  partnershipId: string
  recordedBy: string
  status: 'draft' | 'recorded'
}

/**
 * A concern is readable by the practitioner who recorded it and, once recorded, by anyone the policy lets read
 * the child (`child` is the actor's read decision on the child). A draft is the recorder's alone: only they may
 * read it or change it (with `concern:create`). A denial answers as for a concern that does not exist.
 */
export function decideConcern(
  actor: Actor,
  action: RecordAction,
  concern: ConcernFacts,
  child: Decision,
): Decision {
  if (actor.partnershipId !== concern.partnershipId) return deny('partnership')
  const recorder = concern.recordedBy === actor.userId
  if (action === 'write') {
    if (!recorder || concern.status !== 'draft') return deny('relationship')
    return can(actor, 'concern:create') ? allow([], FULL) : deny('capability')
  }
  if (recorder) return allow(child.relationships, FULL)
  if (concern.status === 'recorded' && child.allowed) {
    return allow(child.relationships, FULL, child.breakGlass)
  }
  return deny('relationship', child.relationships)
}

/**
 * A person found by search (or offered as a possible duplicate): shown with what the actor may read of them.
 * Search needs `person:search`; a match the actor may read shows its read decision's fields. Someone who may
 * search but not read records (a practitioner) sees only children they referred, and only who they are, so that
 * they can tell the front door which child they mean; everyone else is left out of the results, as if absent.
 */
export function decideSearchMatch(actor: Actor, record: RecordFacts): Decision {
  if (actor.partnershipId !== record.partnershipId) return deny('partnership')
  if (!can(actor, 'person:search') || record.kind !== 'person') return deny('capability')
  const read = decide(actor, 'read', record)
  if (read.allowed) return read
  const rel = relationshipsOf(actor, record)
  if (rel.includes('referrer')) return allow(rel, ['identity'])
  return read
}

/**
 * May this actor ask for break-glass access to this record (outside their relationships, with a reason)?
 * Only roles that could be involved with a child, only in their partnership, never for intelligence.
 */
export function canBreakGlass(actor: Actor, record: RecordFacts): boolean {
  return (
    actor.partnershipId === record.partnershipId &&
    record.kind !== 'intelligence' &&
    can(actor, 'break-glass:use')
  )
}

/**
 * Returns only the fields the decision allows: `groups` maps each field of the record to its field group;
 * a field with no group is never returned (deny by default, ASVS 15.3.1).
 */
export function visibleFields<T extends Record<string, unknown>>(
  decision: Decision,
  value: T,
  groups: Partial<Record<keyof T, FieldGroup>>,
): Partial<T> {
  if (!decision.allowed) return {}
  const visible: Partial<T> = {}
  for (const key of Object.keys(value) as Array<keyof T>) {
    const group = groups[key]
    if (group !== undefined && decision.fields.includes(group)) visible[key] = value[key]
  }
  return visible
}
