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
  /** Intelligence only: who recorded the entry (they may read it back in full). */
  recordedById?: string | null
  /** Users with an unexpired break-glass grant on this record. */
  breakGlassUserIds?: readonly string[]
  /** Person only: a referral about this child is open at the front door (submitted or in review). */
  openReferral?: boolean
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
  | 'intelligence-author'
  | 'break-glass'
  // Slice i12-relations: working relationships and places and things.
  | 'intelligence-unit'
  | 'linked-record'

/** Groups of fields a decision may reveal; each record type maps its fields onto these. */
export type FieldGroup =
  'identity' | 'details' | 'sensitive' | 'referral-outcome' | 'intelligence-sanitised' | 'intelligence-full'

export type Denial = 'partnership' | 'capability' | 'relationship' | 'handling'

declare const DECIDED: unique symbol

/**
 * What the policy decided. Only this module makes one: the type is branded (no object literal elsewhere
 * type-checks as a Decision), and every decision is remembered with the actor it was made for, so that the
 * record-access kit refuses a forged decision or one replayed for somebody else (`isDecisionFor`).
 */
export interface Decision {
  readonly allowed: boolean
  readonly relationships: readonly Relationship[]
  readonly fields: readonly FieldGroup[]
  /** Allowed only through break-glass: the audit row is marked and the DPO reviews it. */
  readonly breakGlass: boolean
  readonly denial?: Denial
  readonly [DECIDED]: true
}

/** Decisions made here, each with the actor it was made for (null: a missing record, for nobody in particular). */
const made = new WeakMap<object, { actor: Actor | null; about: string | undefined }>()

function decision(
  actor: Actor | null,
  allowed: boolean,
  relationships: readonly Relationship[],
  fields: readonly FieldGroup[],
  breakGlass: boolean,
  denial?: Denial,
  about?: string,
): Decision {
  const result = Object.freeze({
    allowed,
    relationships: Object.freeze([...relationships]),
    fields: Object.freeze([...fields]),
    breakGlass,
    ...(denial === undefined ? {} : { denial }),
  }) as unknown as Decision
  made.set(result, { actor, about })
  return result
}

/** Was `value` made by this module, for `actor` (or for nobody in particular)? */
export function isDecisionFor(value: unknown, actor: Actor): value is Decision {
  if (typeof value !== 'object' || value === null || !made.has(value)) return false
  const owner = made.get(value)?.actor
  return owner === null || owner?.userId === actor.userId
}

/** Was `value` made here for `actor` about this one record (`kind:id`), and does it allow? */
export function allowsAbout(value: unknown, actor: Actor, about: string): boolean {
  return isDecisionFor(value, actor) && made.get(value)?.about === about && value.allowed
}

function deny(actor: Actor, denial: Denial, relationships: readonly Relationship[] = []): Decision {
  return decision(actor, false, relationships, [], false, denial)
}

function allow(
  actor: Actor,
  relationships: readonly Relationship[],
  fields: readonly FieldGroup[],
  breakGlass = false,
): Decision {
  return decision(actor, true, relationships, fields, breakGlass)
}

/** The answer about a record that is not there: the same as any denial, so a caller cannot tell the two apart. */
export function missingRecord(): Decision {
  return decision(null, false, [], [], false, 'relationship')
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
  // Policy: the front door decides on a referral with the child's record in front of it, while it is open.
  if (caps.has('referral:queue') && (record.kind === 'referral' || record.openReferral === true)) {
    found.push('front-door')
  }
  if (caps.has('mace:attend') || caps.has('mace:manage')) {
    if (record.currentMaceMemberIds?.includes(actor.userId) === true) found.push('mace-member')
  }
  if (record.kind === 'intelligence' && caps.has('intelligence:read')) found.push('intelligence-handler')
  if (record.kind === 'intelligence' && record.recordedById === actor.userId)
    found.push('intelligence-author')
  if (caps.has('break-glass:use') && record.breakGlassUserIds?.includes(actor.userId) === true) {
    found.push('break-glass')
  }
  return found
}

const CASE_RELATIONSHIPS: Relationship[] = ['allocated-worker', 'allocated-team', 'team-manager']

// --- Slice i12-relations: working relationships the policy lacked ---

/**
 * The front door's child (relationship 'front-door'): a front-door worker (`referral:queue`) reads the child of a
 * referral in their queue while it is open (submitted or in review): who the child is, their details and their
 * identifiers, and the flags on them (decideFlag follows this decision) — never intelligence (no intelligence
 * field group). Once the referral is decided or withdrawn the relationship ends with it.
 */
export const FRONT_DOOR_CHILD: readonly FieldGroup[] = ['identity', 'details', 'sensitive']

/**
 * The police intelligence unit's relationship ('intelligence-unit'): a police intelligence role
 * (`intelligence:write`) finds a person of their partnership by identifiers and attaches what they know to them
 * (links, through decideLink) without break-glass; they see who the person is and nothing more (no details, no
 * flags), and every read is audited as any other.
 */
export const INTELLIGENCE_UNIT_PERSON: readonly FieldGroup[] = ['identity']

/**
 * A record's case detail beyond who the person is (its chronology, its possible duplicates): whoever's read decision
 * (`read`, made for this actor) shows the record's details. The intelligence unit's sight of who someone is
 * (INTELLIGENCE_UNIT_PERSON) shows none of it; a denial answers as for a record that does not exist.
 */
export function decidePersonDetail(actor: Actor, read: Decision): Decision {
  if (!read.allowed || !isDecisionFor(read, actor) || !read.fields.includes('details')) {
    return deny(actor, 'relationship', read.relationships)
  }
  return allow(actor, read.relationships, read.fields, read.breakGlass)
}

/** Is this actor one of the police intelligence unit (who handle and record intelligence)? */
export function isIntelligenceUnit(actor: Actor): boolean {
  return can(actor, 'intelligence:write') && can(actor, 'intelligence:read')
}

function decidePerson(actor: Actor, action: RecordAction, rel: Relationship[]): Decision {
  const caps = capabilitiesOf(actor)
  const has = (r: Relationship) => rel.includes(r)
  if (action === 'write') {
    if (!caps.has('person:write')) return deny(actor, 'capability', rel)
    if (CASE_RELATIONSHIPS.some(has)) return allow(actor, rel, FULL)
    if (has('break-glass')) return allow(actor, rel, FULL, true)
    return deny(actor, 'relationship', rel)
  }
  if (!caps.has('person:read')) return deny(actor, 'capability', rel)
  if (CASE_RELATIONSHIPS.some(has) || has('mace-member')) return allow(actor, rel, FULL)
  if (has('front-door')) return allow(actor, rel, FRONT_DOOR_CHILD)
  if (has('own-agency')) return allow(actor, rel, ['identity', 'details'])
  if (has('break-glass')) return allow(actor, rel, FULL, true)
  if (isIntelligenceUnit(actor)) return allow(actor, [...rel, 'intelligence-unit'], INTELLIGENCE_UNIT_PERSON)
  return deny(actor, 'relationship', rel)
}

function decideReferral(actor: Actor, action: RecordAction, rel: Relationship[]): Decision {
  const caps = capabilitiesOf(actor)
  const has = (r: Relationship) => rel.includes(r)
  if (action === 'write') {
    // Deciding a referral is the front door's (and its managers') job.
    return caps.has('referral:decide') && has('front-door')
      ? allow(actor, rel, FULL)
      : deny(actor, 'capability', rel)
  }
  if (!caps.has('referral:read-own') && !caps.has('referral:queue')) return deny(actor, 'capability', rel)
  if (has('front-door') || CASE_RELATIONSHIPS.some(has) || has('mace-member')) return allow(actor, rel, FULL)
  // Policy: the referrer (and a DSL, for their organisation's referrals) learns what happened to the referral,
  // and nothing else about the child.
  if (has('referrer') || has('own-agency')) return allow(actor, rel, ['identity', 'referral-outcome'])
  if (has('break-glass')) return allow(actor, rel, FULL, true)
  return deny(actor, 'relationship', rel)
}

/**
 * Withdrawing a referral: the front door (who may decide it), or its referrer while they may still refer. A
 * reader who is neither is refused (403); someone who may not see the referral never gets this far (404).
 */
export function decideReferralWithdraw(actor: Actor, record: RecordFacts): Decision {
  const frontDoor = decide(actor, 'write', record)
  if (frontDoor.allowed) return frontDoor
  const rel = relationshipsOf(actor, record)
  if (record.referrerIds?.includes(actor.userId) === true && can(actor, 'referral:create')) {
    return allow(actor, rel, ['identity', 'referral-outcome'])
  }
  return deny(actor, 'relationship', rel)
}

/**
 * Deciding a referral on exploitation grounds (CCE, CSE) flags its child: whoever may decide the referral may set
 * that flag, through the flag service, whatever their sight of the child's record. The decision is bound to that
 * one child (`allowsAbout(decision, actor, 'person:<id>')`), so it cannot flag anyone else.
 */
export function decideReferralFlag(actor: Actor, referral: RecordFacts, childId: string): Decision {
  const write = decide(actor, 'write', referral)
  return decision(
    actor,
    write.allowed,
    write.relationships,
    write.allowed ? FULL : [],
    false,
    write.denial,
    `person:${childId}`,
  )
}

/** What the policy needs to know about the concern a referral is made from. */
export interface ReferralSourceFacts {
  partnershipId: string
  recordedBy: string
}

/**
 * Referring a concern: only your own (anyone else's answers as one that does not exist), with `referral:create`.
 * Policy: anyone can refer, without anyone's approval.
 */
export function decideReferralSubmit(actor: Actor, concern: ReferralSourceFacts): Decision {
  if (actor.partnershipId !== concern.partnershipId) return deny(actor, 'partnership')
  if (!can(actor, 'referral:create')) return deny(actor, 'capability')
  if (concern.recordedBy !== actor.userId) return deny(actor, 'relationship')
  return allow(actor, ['referrer'], FULL)
}

/**
 * An intelligence entry (3x5x2). Its handlers (police intelligence) and its author read it in full; a member of a
 * current MACE agenda with a child the entry concerns reads its sanitised form, unless handling code C's
 * conditions leave their agency out; nobody else, never through break-glass. Recording one needs
 * `intelligence:write`; an entry is never changed once recorded (a correction is a new entry).
 */
function decideIntelligence(
  actor: Actor,
  action: RecordAction,
  rel: Relationship[],
  record: RecordFacts,
): Decision {
  const caps = capabilitiesOf(actor)
  const handler = rel.includes('intelligence-handler') || rel.includes('intelligence-author')
  if (action === 'write') {
    return caps.has('intelligence:write')
      ? allow(actor, rel, ['intelligence-full'])
      : deny(actor, 'capability', rel)
  }
  if (handler) return allow(actor, rel, ['intelligence-full'])
  // Handling code C: only agencies its conditions allow.
  const handlingAllows =
    record.handlingCode !== 'C' || record.handlingAgencyIds?.includes(actor.agencyId) === true
  if (!handlingAllows) return deny(actor, 'handling', rel)
  // Shared at MACE: the sanitised text (no source-identifying detail).
  if (rel.includes('mace-member')) return allow(actor, rel, ['intelligence-sanitised'])
  return deny(actor, 'relationship', rel)
}

/**
 * Something derived from an intelligence entry (a link, a flag): shown only with the entry, and only as far as the
 * entry is (in full, or its sanitised form). `entry` is the actor's read decision on the entry; `item` the decision
 * the item would have without it. Anyone the entry is denied to is told nothing: as for a record that is not there.
 */
export function decideDerived(actor: Actor, item: Decision, entry: Decision): Decision {
  if (!item.allowed || !isDecisionFor(item, actor)) return deny(actor, 'relationship')
  if (!entry.allowed || !isDecisionFor(entry, actor)) return deny(actor, 'handling')
  return allow(actor, item.relationships, [...item.fields, ...entry.fields], item.breakGlass)
}

/**
 * A link recorded with a 3x5x2 grading is intelligence: recording it records its entry (handling P, about both
 * ends), whose author is whoever the policy lets record the link (`link`: decideLink's write decision). From then
 * on the link is seen only with its entry.
 */
export function decideLinkIntelligence(actor: Actor, link: Decision): Decision {
  if (!link.allowed || !isDecisionFor(link, actor)) return deny(actor, 'relationship')
  return allow(actor, ['intelligence-author'], ['intelligence-full'])
}

/**
 * Attaching an intelligence entry to a person, location or object: whoever may record intelligence may attach it
 * to any record of their partnership that they can find, seeing only its identity (policy: police intelligence
 * needs no break-glass to attach what they know). The reach is audited as any other.
 */
export function decideIntelligenceSubject(actor: Actor, subject: RecordFacts): Decision {
  if (actor.partnershipId !== subject.partnershipId) return deny(actor, 'partnership')
  if (!can(actor, 'intelligence:write')) return deny(actor, 'capability')
  return allow(actor, ['intelligence-handler'], ['identity'])
}

/** May this actor do this to this record, and which field groups may they see? */
export function decide(actor: Actor, action: RecordAction, record: RecordFacts): Decision {
  if (actor.partnershipId !== record.partnershipId) return deny(actor, 'partnership')
  const rel = relationshipsOf(actor, record)
  switch (record.kind) {
    case 'location':
    case 'object':
      // Facts of a place or thing beyond its partnership are ThingFacts: decided by decideThing.
      return decideThing(actor, action, { kind: record.kind, partnershipId: record.partnershipId })
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
  // Decisions on the ends must be this module's, made for this actor: a forged or borrowed one shows nothing.
  const visible = ends.every((end) => end.allowed && isDecisionFor(end, actor))
  const breakGlass = ends.some((end) => end.breakGlass)
  if (!visible) return deny(actor, 'relationship')
  if (action === 'write' && !can(actor, 'link:write')) return deny(actor, 'capability')
  return allow(actor, [], FULL, breakGlass)
}

/**
 * A flag set because of another decision (`because`, e.g. decideReferralFlag): allowed only when the policy made
 * that decision for this actor about this very subject (`kind:id`) and it allows. A forged decision, or one made
 * about another record, is refused.
 */
export function decideFlagBecause(actor: Actor, because: Decision, about: string): Decision {
  return allowsAbout(because, actor, about)
    ? allow(actor, because.relationships, FULL)
    : deny(actor, 'relationship')
}

/**
 * A flag is read with its subject, by someone who may see the subject's details (a sight of who someone is only,
 * such as the intelligence unit's, shows no flags); setting, reviewing or removing one needs `flag:write` and
 * sight of it.
 */
export function decideFlag(actor: Actor, action: RecordAction, subject: Decision): Decision {
  if (!subject.allowed || !isDecisionFor(subject, actor)) return deny(actor, 'relationship')
  if (!subject.fields.includes('details')) return deny(actor, 'relationship', subject.relationships)
  if (action === 'write' && !can(actor, 'flag:write')) return deny(actor, 'capability')
  return allow(actor, subject.relationships, subject.fields, subject.breakGlass)
}

/** What the policy needs to know about one flag to show its reason: the agency of whoever set it. */
export interface FlagFacts {
  setByAgencyId: string | null
}

/**
 * A flag's reason (slice i12-relations): shown to a reader with full sight of the subject, and otherwise (a DSL who
 * sees their organisation's children, identity and details) only for flags their own agency set. A reason written
 * by another agency is hidden from them: they see that the flag is there, its type and review date, not why.
 * `flag` is the reader's decision on the flag itself (decideFlag).
 */
export function decideFlagReason(actor: Actor, flag: Decision, facts: FlagFacts): Decision {
  if (!flag.allowed || !isDecisionFor(flag, actor)) return deny(actor, 'relationship')
  if (flag.fields.includes('sensitive')) return allow(actor, flag.relationships, FULL, flag.breakGlass)
  if (facts.setByAgencyId !== null && facts.setByAgencyId === actor.agencyId) {
    return allow(actor, [...flag.relationships, 'own-agency'], FULL, flag.breakGlass)
  }
  return deny(actor, 'relationship', flag.relationships)
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
  if (actor.partnershipId !== concern.partnershipId) return deny(actor, 'partnership')
  // The decision on the child must be this module's, made for this actor.
  if (!isDecisionFor(child, actor)) return deny(actor, 'relationship')
  const recorder = concern.recordedBy === actor.userId
  if (action === 'write') {
    if (!recorder || concern.status !== 'draft') return deny(actor, 'relationship')
    return can(actor, 'concern:create') ? allow(actor, [], FULL) : deny(actor, 'capability')
  }
  if (recorder) return allow(actor, child.relationships, FULL)
  if (concern.status === 'recorded' && child.allowed) {
    return allow(actor, child.relationships, FULL, child.breakGlass)
  }
  return deny(actor, 'relationship', child.relationships)
}

/**
 * A person found by search (or offered as a possible duplicate): shown with what the actor may read of them.
 * Search needs `person:search`; a match the actor may read shows its read decision's fields. Someone who may
 * search but not read records (a practitioner) sees only children they referred, and only who they are, so that
 * they can tell the front door which child they mean; everyone else is left out of the results, as if absent.
 * The police intelligence unit (INTELLIGENCE_UNIT_PERSON) finds people by identifiers (`how.byIdentifier`).
 */
export function decideSearchMatch(
  actor: Actor,
  record: RecordFacts,
  how: { byIdentifier?: boolean } = {},
): Decision {
  if (actor.partnershipId !== record.partnershipId) return deny(actor, 'partnership')
  if (!can(actor, 'person:search') || record.kind !== 'person') return deny(actor, 'capability')
  const read = decide(actor, 'read', record)
  // The police intelligence unit finds a person it has no other relationship with by identifiers only (an
  // identifier of theirs, or a phone, vehicle or postcode linked to them), never by browsing names.
  const unitOnly = read.allowed && read.relationships.every((r) => r === 'intelligence-unit')
  if (read.allowed && (!unitOnly || how.byIdentifier === true)) return read
  if (unitOnly) return deny(actor, 'relationship', read.relationships)
  const rel = relationshipsOf(actor, record)
  if (rel.includes('referrer')) return allow(actor, rel, ['identity'])
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

// --- People: who has viewed a record, and the review of break-glass access ---

/**
 * "Who has viewed this record". A reader with `record-views:read` sees the trail of a record the policy lets them
 * read, with what their read decision shows of the record; the data protection officer (`audit:read`) sees the
 * trail of any record in their partnership, and nothing of the record itself (no field groups). A denial answers
 * as for a record that does not exist.
 */
export function decideRecordViews(actor: Actor, record: RecordFacts): Decision {
  if (actor.partnershipId !== record.partnershipId) return deny(actor, 'partnership')
  const read = decide(actor, 'read', record)
  if (read.allowed && can(actor, 'record-views:read')) {
    return allow(actor, read.relationships, read.fields, read.breakGlass)
  }
  if (can(actor, 'audit:read')) return allow(actor, [], [])
  return deny(actor, read.allowed ? 'capability' : (read.denial ?? 'relationship'), read.relationships)
}

/** What the policy needs to know about a break-glass grant to decide on its review. */
export interface BreakGlassGrantFacts {
  /** Who holds the grant (who broke the glass). */
  holderId: string
}

/**
 * The data protection officer's review of break-glass access: seeing a grant needs `break-glass:review`; recording
 * the review also needs someone other than the grant's holder (four eyes, ASVS 2.3.5), so a reviewer who broke the
 * glass themselves (a dual-role account) cannot approve their own access.
 */
export function decideBreakGlassReview(
  actor: Actor,
  action: RecordAction,
  grant: BreakGlassGrantFacts,
): Decision {
  if (!can(actor, 'break-glass:review')) return deny(actor, 'capability')
  if (action === 'write' && grant.holderId === actor.userId) return deny(actor, 'relationship')
  return allow(actor, [], FULL)
}

// --- Concerns and notifications ---

/**
 * May this actor name this child in a concern (offer them on the concern form, raise a concern about them)?
 * Whoever may read the child's record (its read decision, so a read through break-glass is marked as one), and
 * someone who may search but not read records (a practitioner) for a child they referred before: who the child
 * is, and only that (decideSearchMatch), so that they can raise another concern about the child they told the
 * front door about. Anyone else answers as for a child that does not exist.
 */
export function decideConcernChild(actor: Actor, child: RecordFacts): Decision {
  const read = decide(actor, 'read', child)
  return read.allowed ? read : decideSearchMatch(actor, child)
}

/**
 * A concern about a child not known yet makes the child's minimal record (who they are, their school, a home
 * address if given), whoever raises it: a practitioner has no `person:write`, and must not wait for someone who
 * has. Policy: anyone who may raise a concern may do this; they become the child's referrer (who the child is,
 * and what happened to the referral), with their agency involved.
 */
export function decideConcernNewChild(actor: Actor): Decision {
  return can(actor, 'concern:create') ? allow(actor, ['referrer'], ['identity']) : deny(actor, 'capability')
}

/**
 * Recording, reading and acknowledging a cross-authority notification about a referred child: the front door
 * (`referral:queue`) with full sight of the referral (`referral` is the actor's read decision on it; a read
 * through break-glass stays marked). A denial answers as for a notification that does not exist.
 */
export function decideNotification(actor: Actor, referral: Decision): Decision {
  if (!can(actor, 'referral:queue')) return deny(actor, 'capability', referral.relationships)
  if (!referral.allowed || !referral.fields.includes('details')) {
    return deny(actor, 'relationship', referral.relationships)
  }
  return allow(actor, referral.relationships, FULL, referral.breakGlass)
}

// --- Places, things, links and flags ---

/**
 * What the policy needs to know about a place or thing (a location or an object): its kind and partnership, and
 * (slice i12-relations) the agency that recorded it and the people linked to it, each with the facts of the actor's
 * relationships to them, as the repositories gather them.
 */
export interface ThingFacts {
  kind: 'location' | 'object'
  partnershipId: string
  /** The agency of the user who recorded it (null: recorded by the system, such as an import). */
  createdByAgencyId?: string | null
  /** The people at the other end of its links (current or ended). */
  linkedPeople?: readonly RecordFacts[]
}

/**
 * Places and things are not free for all (slice i12-relations). A reader with `person:read` may read a location's
 * or object's details and flags when
 * - their own agency recorded it ('own-agency'),
 * - it is linked to a person they may read ('linked-record': the link is one they may see, decideLink), marked as
 *   break-glass when every such person is one they read only through break-glass, or
 * - they are the police intelligence unit ('intelligence-unit'), who hold the partnership's places and things.
 * Anyone else is refused, as for a place or thing that does not exist; a bare identifier lookup tells them only
 * that it is known to the partnership (decideThingKnown). Changing one needs sight of it and `person:write` or
 * `link:write`.
 */
export function decideThing(actor: Actor, action: RecordAction, thing: ThingFacts): Decision {
  if (actor.partnershipId !== thing.partnershipId) return deny(actor, 'partnership')
  const read = decideThingRead(actor, thing)
  if (action === 'read' || !read.allowed) return read
  return can(actor, 'person:write') || can(actor, 'link:write')
    ? read
    : deny(actor, 'capability', read.relationships)
}

function decideThingRead(actor: Actor, thing: ThingFacts): Decision {
  if (!can(actor, 'person:read')) return deny(actor, 'capability')
  const rel: Relationship[] = []
  if (thing.createdByAgencyId != null && thing.createdByAgencyId === actor.agencyId) rel.push('own-agency')
  if (isIntelligenceUnit(actor)) rel.push('intelligence-unit')
  if (rel.length > 0) return allow(actor, rel, FULL)
  const reads = (thing.linkedPeople ?? [])
    .filter((person) => person.kind === 'person')
    .map((person) => decide(actor, 'read', person))
    .filter((read) => read.allowed)
  if (reads.length === 0) return deny(actor, 'relationship')
  return allow(
    actor,
    ['linked-record'],
    FULL,
    reads.every((read) => read.breakGlass),
  )
}

/**
 * A bare identifier lookup (is this phone, vehicle or postcode known?) by someone who may search: when the place
 * or thing is one they may not read (decideThing), the answer is only that it is known to the partnership ("ask
 * the police intelligence unit", KNOWN_TO_PARTNERSHIP), never the record; this decision allows that answer and
 * no field of it.
 */
export const KNOWN_TO_PARTNERSHIP = 'Known to the partnership — ask the police intelligence unit'

export function decideThingKnown(actor: Actor, thing: ThingFacts): Decision {
  if (actor.partnershipId !== thing.partnershipId) return deny(actor, 'partnership')
  if (!can(actor, 'person:search')) return deny(actor, 'capability')
  return allow(actor, [], [])
}

/** Recording a new place or thing: it is made in the actor's own partnership, by their agency, on the write rule. */
export function decideNewThing(actor: Actor, kind: ThingFacts['kind']): Decision {
  return decideThing(actor, 'write', {
    kind,
    partnershipId: actor.partnershipId,
    createdByAgencyId: actor.agencyId,
  })
}

// --- Search, duplicates, chronology and administration ---

/**
 * Merging two records of one person (or reversing a merge): `person:merge`, and the actor may both read and change
 * the record (each of the two is decided on its own). A record the actor may not read, or may read but not change,
 * answers as one that does not exist. A change allowed through break-glass is marked as such.
 */
export function decidePersonMerge(actor: Actor, record: RecordFacts): Decision {
  if (actor.partnershipId !== record.partnershipId) return deny(actor, 'partnership')
  if (!can(actor, 'person:merge') || record.kind !== 'person') return deny(actor, 'capability')
  const read = decide(actor, 'read', record)
  if (!read.allowed) return read
  return decide(actor, 'write', record)
}

// --- Street terms (issue 12, slice i12-terms) ---

/** What the policy needs to know about a street term: the partnership whose glossary holds it. */
export interface StreetTermFacts {
  partnershipId: string
}

/**
 * Listing, adding to and changing a partnership's street-terms glossary (reference data, no case data): its
 * administrator (`reference:manage`), in their own partnership only. Another partnership's term answers as one
 * that does not exist. Finding the terms in a concern's words is part of the concern's own decision, not this one.
 */
export function decideStreetTerms(actor: Actor, glossary: StreetTermFacts): Decision {
  if (actor.partnershipId !== glossary.partnershipId) return deny(actor, 'partnership')
  if (!can(actor, 'reference:manage')) return deny(actor, 'capability')
  return allow(actor, [], FULL)
}

// --- Suggested links (issue 12, i12-suggest) ---

/**
 * A suggested link between two records (the same phone, place or person recorded twice): seen and decided by a
 * reviewer (`link:review`: the front door, team managers, police intelligence) who may read both records
 * (`ends` are the actor's read decisions on them, made by this module for this actor). A suggestion with an end
 * the reviewer may not see is refused as if it did not exist, so it never reveals that end. Accepting or
 * rejecting one records (or refuses) a link, so it needs `link:write` too.
 */
export function decideSuggestion(
  actor: Actor,
  action: RecordAction,
  partnershipId: string,
  ends: readonly [Decision, Decision],
): Decision {
  if (actor.partnershipId !== partnershipId) return deny(actor, 'partnership')
  if (!can(actor, 'link:review')) return deny(actor, 'capability')
  // Sight of each whole record (its details, not only who it is: the intelligence unit's identity-only reach
  // does not count), made for this actor.
  const visible = ends.every(
    (end) => end.allowed && end.fields.includes('details') && isDecisionFor(end, actor),
  )
  // Never through break-glass: a reviewer's queue is not an emergency.
  if (!visible || ends.some((end) => end.breakGlass)) return deny(actor, 'relationship')
  if (action === 'write' && !can(actor, 'link:write')) return deny(actor, 'capability')
  return allow(actor, [], FULL)
}

// a13: allocation (issue 13) ---

/** What the policy needs to know about a child's place in a team's allocation queue, or their allocation. */
export interface AllocationFacts {
  partnershipId: string
  /** The team whose queue it is in (and whose worker it is allocated to). */
  teamId: string
  /** The worker it is allocated to (null while it waits). */
  workerId: string | null
}

/**
 * A child's allocation. The team's manager(s) (`allocation:manage`, managing that team: 'team-manager') see it in
 * their queue and allocate or re-allocate it; the allocated worker ('allocated-worker', with `person:read`) sees
 * their own. Anyone else (another team, another agency, another partnership) is refused as for an allocation that
 * does not exist.
 */
export function decideAllocation(actor: Actor, action: RecordAction, facts: AllocationFacts): Decision {
  if (actor.partnershipId !== facts.partnershipId) return deny(actor, 'partnership')
  const rel: Relationship[] = []
  if (facts.workerId !== null && facts.workerId === actor.userId) rel.push('allocated-worker')
  if (actor.managedTeamIds.includes(facts.teamId)) rel.push('team-manager')
  const manages = rel.includes('team-manager') && can(actor, 'allocation:manage')
  if (manages) return allow(actor, rel, FULL)
  if (action === 'read' && rel.includes('allocated-worker') && can(actor, 'person:read')) {
    return allow(actor, rel, FULL)
  }
  return deny(actor, 'relationship', rel)
}

/** A team's allocation queue: only its manager(s), with `allocation:manage`. */
export function decideAllocationQueue(
  actor: Actor,
  team: { partnershipId: string; teamId: string },
): Decision {
  if (actor.partnershipId !== team.partnershipId) return deny(actor, 'partnership')
  if (!can(actor, 'allocation:manage')) return deny(actor, 'capability')
  if (!actor.managedTeamIds.includes(team.teamId)) return deny(actor, 'relationship')
  return allow(actor, ['team-manager'], FULL)
}

/**
 * Putting a child in a team's allocation queue follows the front-door decision (for an assessment or a strategy
 * meeting): whoever may decide the referral (`referral` is the actor's write decision on it) queues its child,
 * whatever their sight of the team. The decision is bound to that one child (`person:<id>`).
 */
export function decideAllocationRequest(actor: Actor, referral: Decision, childId: string): Decision {
  return boundToChild(actor, referral, childId)
}

/**
 * Setting a child's allocated worker and team (the people service does it): only because of an allocation the
 * policy let this actor make (`allocation`: decideAllocation's write decision, made for them), bound to that one
 * child (`allowsAbout(decision, actor, 'person:<id>')`), whatever their sight of the child's record before: the
 * allocation is what gives the worker, the team and its manager their case relationship.
 */
export function decidePersonAllocation(actor: Actor, allocation: Decision, childId: string): Decision {
  return boundToChild(actor, allocation, childId)
}

/** `because` (a decision this module made for `actor`), allowing full sight and bound to this one child. */
function boundToChild(actor: Actor, because: Decision, childId: string): Decision {
  const ok = because.allowed && isDecisionFor(because, actor)
  const denial = ok ? undefined : 'relationship'
  return decision(actor, ok, because.relationships, ok ? FULL : [], false, denial, `person:${childId}`)
}

// --- t13: the task engine (issue 13) ---

/** What the policy needs to know about a task: its partnership, and who it goes to or was escalated to. */
export interface TaskFacts {
  partnershipId: string
  assignedUserId: string | null
  assignedTeamId: string | null
  escalatedToTeamId: string | null
}

/** The actor manages the team a task is assigned (or was escalated) to. */
function managesTask(actor: Actor, task: TaskFacts): boolean {
  return [task.assignedTeamId, task.escalatedToTeamId].some(
    (team) => team !== null && actor.managedTeamIds.includes(team),
  )
}

/**
 * A task (work that is due about a record): seen, and completed, by whoever it is assigned to, a member of the team
 * it is assigned to, and the manager of that team (or of the team it was escalated to), with `person:read`; and
 * only when they may see its subject in full (`subject`: the actor's read decision on the record, made here for
 * them, with its details: a reach to who a child is only does not count), and never through break-glass (a work
 * list is not an emergency). Anyone else is refused as if it did not exist: a task about a child reveals the child.
 */
export function decideTask(
  actor: Actor,
  _action: RecordAction,
  task: TaskFacts,
  subject: Decision,
): Decision {
  if (actor.partnershipId !== task.partnershipId) return deny(actor, 'partnership')
  if (!can(actor, 'person:read')) return deny(actor, 'capability')
  const rel: Relationship[] = []
  if (task.assignedUserId !== null && task.assignedUserId === actor.userId) rel.push('allocated-worker')
  if (task.assignedTeamId !== null && actor.teamIds.includes(task.assignedTeamId)) rel.push('allocated-team')
  if (managesTask(actor, task)) rel.push('team-manager')
  if (rel.length === 0) return deny(actor, 'relationship')
  // Sight of the whole record (the intelligence unit's identity-only reach does not count), made for this actor.
  const seen = subject.allowed && subject.fields.includes('details') && isDecisionFor(subject, actor)
  if (!seen || subject.breakGlass) return deny(actor, 'relationship', rel)
  return allow(actor, rel, FULL)
}

/**
 * Reassigning a task within its team: only the manager of the team it is assigned (or escalated) to, who may see
 * it (decideTask), and only to someone in that team (`toTeamId`: the new assignee's team). Reassigning to someone
 * outside the team is refused as a capability denial (the page says why), not as a missing record.
 */
export function decideTaskReassign(
  actor: Actor,
  task: TaskFacts,
  subject: Decision,
  toTeamId: string | null | undefined,
): Decision {
  const seen = decideTask(actor, 'write', task, subject)
  if (!seen.allowed) return seen
  if (!managesTask(actor, task)) return deny(actor, 'capability', seen.relationships)
  const team = task.assignedTeamId ?? task.escalatedToTeamId
  if (toTeamId !== undefined && (toTeamId === null || toTeamId !== team)) {
    return deny(actor, 'capability', seen.relationships)
  }
  return seen
}

// --- i12d: what derives from intelligence (flags, descriptions) and an entry's new versions ---

/**
 * A superseded version of an intelligence entry (a new version replaced it): kept for its handlers and its author,
 * who read it in full with "superseded by"; a MACE member reads only the current version, so an older one is
 * denied to them as if it did not exist. `facts` are the entry's, as for decide().
 */
export function decideSupersededIntelligence(
  actor: Actor,
  action: RecordAction,
  facts: RecordFacts,
): Decision {
  const current = decide(actor, action, facts)
  if (!current.allowed || current.fields.includes('intelligence-full')) return current
  return deny(actor, 'handling', current.relationships)
}

/**
 * Building on an intelligence entry: recording a new version of it, or basing a flag or a place's or thing's
 * description on it. Only someone who reads the entry in full (its handlers, its author) and may record
 * intelligence (`intelligence:write`); `entry` is their read decision on the entry. Whether it is still the
 * current version is the caller's check (a stale one answers 409), not the policy's.
 */
export function decideIntelligenceBasis(actor: Actor, entry: Decision): Decision {
  if (!entry.allowed || !isDecisionFor(entry, actor)) return deny(actor, 'relationship')
  if (!entry.fields.includes('intelligence-full')) return deny(actor, 'handling', entry.relationships)
  if (!can(actor, 'intelligence:write')) return deny(actor, 'capability', entry.relationships)
  return allow(actor, entry.relationships, ['intelligence-full'])
}
