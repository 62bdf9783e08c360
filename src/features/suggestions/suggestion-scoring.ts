import { createHash } from 'node:crypto'
import { normalisePhone } from '../../platform/identifiers/phone.ts'
import { normaliseRegistration } from '../../platform/identifiers/vehicle.ts'

/**
 * Entity resolution by Fellegi–Sunter record linkage: each field compared between two records agrees or
 * disagrees, and contributes a log-odds weight from its m probability (that it agrees when the two records are of
 * the same entity) and its u probability (that it agrees by chance when they are not): ln(m/u) when it agrees,
 * ln((1-m)/(1-u)) when it disagrees, nothing when either record lacks it. The score is their sum; a pair scoring
 * at least THRESHOLD is proposed. The probabilities are declared here, in one table, so a reviewer can read why.
 */

export interface FieldModel {
  /** Words for an agreeing and for a disagreeing field. */
  agree: string
  disagree: string
  m: number
  u: number
}

export const FIELDS = {
  phone: { agree: 'same phone number', disagree: 'different phone number', m: 0.95, u: 0.001 },
  vehicle: { agree: 'same vehicle registration', disagree: 'different registration', m: 0.95, u: 0.001 },
  handle: { agree: 'same online handle', disagree: 'different online handle', m: 0.9, u: 0.002 },
  objectKind: {
    agree: 'recorded as the same kind of thing',
    disagree: 'recorded as different kinds of thing',
    m: 0.9,
    u: 0.5,
  },
  postcode: { agree: 'same postcode', disagree: 'different postcode', m: 0.95, u: 0.01 },
  // At one postcode: most places are on one street in one town, so those two say little; the number says much.
  premise: {
    agree: 'same house or flat number',
    disagree: 'different house or flat number',
    m: 0.95,
    u: 0.02,
  },
  street: { agree: 'same street', disagree: 'different street', m: 0.9, u: 0.6 },
  town: { agree: 'same town', disagree: 'different town', m: 0.95, u: 0.9 },
  name: { agree: 'same name', disagree: 'different name', m: 0.8, u: 0.001 },
  similarName: { agree: 'similar name', disagree: 'different name', m: 0.15, u: 0.01 },
  otherName: { agree: 'name matches an alias', disagree: 'different name', m: 0.7, u: 0.002 },
  streetName: { agree: 'name matches a street name', disagree: 'different name', m: 0.7, u: 0.002 },
  dateOfBirth: { agree: 'same date of birth', disagree: 'different date of birth', m: 0.98, u: 0.01 },
  gender: { agree: 'same gender', disagree: 'different gender', m: 0.98, u: 0.5 },
} as const satisfies Record<string, FieldModel>

export type FieldName = keyof typeof FIELDS

/** A pair scoring at least this is proposed for review. */
export const THRESHOLD = 4

/** One field's contribution to a pair's score, in words. */
export interface Contribution {
  field: FieldName
  agrees: boolean
  weight: number
  words: string
  /** The normalised values compared (for the evidence fingerprint; never shown). */
  evidence: string
}

const round1 = (n: number) => Math.round(n * 10) / 10

export function weightOf(field: FieldName, agrees: boolean): number {
  const { m, u } = FIELDS[field]
  return round1(agrees ? Math.log(m / u) : Math.log((1 - m) / (1 - u)))
}

/** "same phone number +6.9", "different date of birth −3.1" (a true minus sign). */
export function inWords(c: Pick<Contribution, 'words' | 'weight'>): string {
  const sign = c.weight >= 0 ? '+' : '\u2212'
  return `${c.words} ${sign}${Math.abs(c.weight).toFixed(1)}`
}

function contribution(field: FieldName, agrees: boolean, evidence: string): Contribution {
  const model = FIELDS[field]
  return {
    field,
    agrees,
    weight: weightOf(field, agrees),
    words: agrees ? model.agree : model.disagree,
    evidence,
  }
}

/** A comparison of two values that either record may lack: nothing when one is missing. */
function compared(field: FieldName, a: string | null, b: string | null): Contribution[] {
  if (a === null || b === null || a === '' || b === '') return []
  return [contribution(field, a === b, a === b ? a : `${a}|${b}`)]
}

export interface Scored {
  score: number
  contributions: Contribution[]
}

function scored(contributions: Contribution[]): Scored {
  return { score: round1(contributions.reduce((sum, c) => sum + c.weight, 0)), contributions }
}

// --- Objects: phones, vehicles, handles, and other things whose value is one of those typed another way ---

export interface ObjectFacts {
  kind: 'phone' | 'vehicle' | 'online-handle' | 'other'
  value: string
  platform: string | null
}

/** What an object's value identifies, normalised: `phone:+44…`, `vehicle:AB12CDE`, `handle:platform:name`. */
export function objectKeys(o: ObjectFacts): string[] {
  if (o.kind === 'online-handle') {
    return [`handle:${(o.platform ?? '').trim().toLowerCase()}:${o.value.replace(/^@/, '').toLowerCase()}`]
  }
  const keys: string[] = []
  if (o.kind === 'phone' || o.kind === 'other') {
    const phone = normalisePhone(o.value)
    if (phone !== undefined) keys.push(`phone:${phone}`)
  }
  if (o.kind === 'vehicle' || (o.kind === 'other' && keys.length === 0)) {
    const registration = normaliseRegistration(o.value)
    if (registration !== undefined) keys.push(`vehicle:${registration}`)
  }
  return keys
}

/**
 * The compacted values (letters and digits, upper case) under which another record may hold this object's
 * identifier: a phone in E.164, without its plus and in UK national form; a registration; a handle.
 */
export function compactForms(o: ObjectFacts): string[] {
  const forms = new Set<string>()
  for (const key of objectKeys(o)) {
    const value = key.slice(key.lastIndexOf(':') + 1)
    forms.add(value.replace(/[^0-9A-Za-z]/g, '').toUpperCase())
    if (key.startsWith('phone:+44')) forms.add(`0${value.slice(3)}`)
  }
  return [...forms]
}

const KEY_FIELD: Record<string, FieldName> = { phone: 'phone', vehicle: 'vehicle', handle: 'handle' }

export function scoreObjects(a: ObjectFacts, b: ObjectFacts): Scored {
  const bKeys = new Set(objectKeys(b))
  const shared = objectKeys(a).filter((key) => bKeys.has(key))
  if (shared.length === 0) return scored([])
  const contributions = shared.map((key) =>
    contribution(KEY_FIELD[key.slice(0, key.indexOf(':'))] ?? 'phone', true, key),
  )
  contributions.push(contribution('objectKind', a.kind === b.kind, `${a.kind}|${b.kind}`))
  return scored(contributions)
}

// --- Locations: the same postcode and house or flat number (and street) ---

export interface LocationFacts {
  name: string | null
  addressLine1: string | null
  addressLine2: string | null
  town: string | null
  postcode: string | null
}

const NOT_STREET = new Set([
  'flat',
  'apartment',
  'apt',
  'unit',
  'room',
  'floor',
  'ground',
  'first',
  'second',
  'top',
])
const ABBREVIATIONS: Record<string, string> = {
  rd: 'road',
  st: 'street',
  ln: 'lane',
  ave: 'avenue',
  av: 'avenue',
  dr: 'drive',
  cl: 'close',
  ct: 'court',
  cres: 'crescent',
  pl: 'place',
  sq: 'square',
  gdns: 'gardens',
  ter: 'terrace',
  terr: 'terrace',
}

const words = (text: string) => text.toLowerCase().match(/[a-z0-9]+/g) ?? []

/**
 * The house, flat and unit numbers of an address ("Flat 3, 12 Mill Lane" and "12 Mill Lane, flat 3": "12 3"), or
 * for a place without numbers its name ("The Old Mill").
 */
export function premiseKey(l: LocationFacts): string {
  const all = [l.name, l.addressLine1, l.addressLine2].filter((p): p is string => p !== null).join(' ')
  const numbers = (all.toLowerCase().match(/\d+[a-z]?\b/g) ?? []).sort()
  return numbers.length > 0 ? numbers.join(' ') : words(l.name ?? '').join(' ')
}

/** The street's words, abbreviations written out ("Mill Ln" and "Mill Lane": "mill lane"). */
export function streetKey(l: LocationFacts): string {
  const line = [l.addressLine1, l.addressLine2].filter((p): p is string => p !== null).join(' ')
  return words(line)
    .filter((w) => !/\d/.test(w) && !NOT_STREET.has(w))
    .map((w) => ABBREVIATIONS[w] ?? w)
    .join(' ')
}

const townKey = (l: LocationFacts) => words(l.town ?? '').join(' ')

export function scoreLocations(a: LocationFacts, b: LocationFacts): Scored {
  if (a.postcode === null || a.postcode !== b.postcode) return scored([])
  return scored([
    contribution('postcode', true, a.postcode),
    ...compared('premise', premiseKey(a), premiseKey(b)),
    ...compared('street', streetKey(a), streetKey(b)),
    ...compared('town', townKey(a), townKey(b)),
  ])
}

// --- People: fuzzy name, other names and street names, date of birth, gender ---

export interface PersonFacts {
  givenName: string
  familyName: string | null
  dateOfBirth: string | null
  gender: string | null
  aliases: ReadonlyArray<{ kind: 'alias' | 'street-name' | 'previous-name'; name: string }>
}

const fullName = (p: Pick<PersonFacts, 'givenName' | 'familyName'>) =>
  words(`${p.givenName} ${p.familyName ?? ''}`).join(' ')

/** pg_trgm's similarity, in JavaScript: shared trigrams of padded words over all trigrams. */
export function similarity(a: string, b: string): number {
  const grams = (text: string) => {
    const set = new Set<string>()
    for (const word of words(text)) {
      const padded = `  ${word} `
      for (let i = 0; i + 3 <= padded.length; i++) set.add(padded.slice(i, i + 3))
    }
    return set
  }
  const x = grams(a)
  const y = grams(b)
  if (x.size === 0 || y.size === 0) return 0
  let shared = 0
  for (const g of x) if (y.has(g)) shared++
  return shared / (x.size + y.size - shared)
}

/** From this similarity a name counts as "similar". */
export const SIMILAR_NAME = 0.5

function nameContribution(a: PersonFacts, b: PersonFacts): Contribution[] {
  const an = fullName(a)
  const bn = fullName(b)
  if (an === bn) return [contribution('name', true, an)]
  // Another name of one record (an alias, a street name) that is the other record's name.
  for (const [x, yName] of [
    [a, bn],
    [b, an],
  ] as const) {
    for (const alias of x.aliases) {
      const aliasName = words(alias.name).join(' ')
      if (aliasName === yName || similarity(aliasName, yName) >= 0.8) {
        return [
          contribution(
            alias.kind === 'street-name' ? 'streetName' : 'otherName',
            true,
            `${aliasName}|${yName}`,
          ),
        ]
      }
    }
  }
  if (similarity(an, bn) >= SIMILAR_NAME) return [contribution('similarName', true, `${an}|${bn}`)]
  // Names not alike at all: the name disagrees (m 0.8: a person's records mostly agree on it), so that two
  // children born the same day of the same gender are not proposed as one (4.6 + 0.7 − 1.6 < THRESHOLD).
  return [contribution('name', false, `${an}|${bn}`)]
}

export function scorePeople(a: PersonFacts, b: PersonFacts): Scored {
  return scored([
    ...nameContribution(a, b),
    ...compared('dateOfBirth', a.dateOfBirth, b.dateOfBirth),
    ...compared('gender', a.gender, b.gender),
  ])
}

/**
 * The evidence's fingerprint: the pair and each field's normalised values. A rejection holds for exactly this
 * evidence; the same two records with different evidence (a date of birth recorded since) may be proposed again.
 */
export function fingerprint(kind: string, aId: string, bId: string, contributions: readonly Contribution[]) {
  // Either record may be the one that changed: the values compared are taken in one order.
  const parts = contributions
    .map((c) => `${c.field}=${c.agrees ? 'agree' : 'disagree'}:${c.evidence.split('|').sort().join('|')}`)
    .sort()
  return createHash('sha256')
    .update([kind, aId, bId, ...parts].join('\n'))
    .digest('hex')
}
