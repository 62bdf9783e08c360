import { normaliseNhsNumber } from '../../platform/identifiers/nhs-number.ts'
import { normalisePhone } from '../../platform/identifiers/phone.ts'
import { normalisePostcode } from '../../platform/identifiers/postcode.ts'
import { normaliseRegistration } from '../../platform/identifiers/vehicle.ts'
import type { FieldError } from '../../platform/errors.ts'
import { parseDateOfBirth } from '../../platform/identifiers/date-of-birth.ts'
import { UUID } from '../../platform/identifiers/uuid.ts'
import type { SearchCriteria, SearchCursor } from './search-repository.ts'

/** Search as typed on the page or sent to the API: strings, all optional. */
export interface SearchInput {
  name?: string
  /** YYYY-MM-DD (API), or the three parts of a GOV.UK date input (page). */
  dateOfBirth?: string
  dobDay?: string
  dobMonth?: string
  dobYear?: string
  identifier?: string
  phone?: string
  vehicle?: string
  postcode?: string
  kind?: string
  limit?: string | number
  after?: string
}

export const PERSON_KINDS = ['child', 'adult-of-concern', 'parent-carer', 'associate'] as const
export const SEARCH_LIMIT_MAX = 50
export const SEARCH_LIMIT_DEFAULT = 20

export interface ParsedSearch {
  criteria: SearchCriteria
  limit: number
  after: SearchCursor | null
}

/** A result page's position as an opaque token: "score:id", base64url. */
export function encodeCursor(cursor: SearchCursor): string {
  return Buffer.from(`${String(cursor.score)}:${cursor.id}`).toString('base64url')
}

export function decodeCursor(token: string): SearchCursor | undefined {
  const [score, id] = Buffer.from(token, 'base64url').toString('utf8').split(':')
  const value = Number(score)
  if (id === undefined || !UUID.test(id) || !Number.isFinite(value)) return undefined
  return { score: value, id }
}

/**
 * Validates and normalises a search: each bad criterion gets a message on its field, and at least one must be
 * given. Phones, vehicles, postcodes and NHS numbers are matched in their stored (normalised) forms.
 */
/** The search's identifier criteria: each searched for in its canonical form, and what to say when it is not one. */
const IDENTIFIER_CRITERIA = {
  phone: {
    normalise: normalisePhone,
    invalid: 'Enter a phone number, like 07700 900 982 or +44 7700 900982',
  },
  vehicle: { normalise: normaliseRegistration, invalid: 'Enter a vehicle registration, like AB12 CDE' },
  postcode: { normalise: normalisePostcode, invalid: 'Enter a full UK postcode, like NS1 4AB' },
} as const satisfies Record<
  'phone' | 'vehicle' | 'postcode',
  { normalise: (raw: string) => string | undefined; invalid: string }
>

export function parseSearch(input: SearchInput): { ok: ParsedSearch } | { errors: FieldError[] } {
  const errors: FieldError[] = []
  const criteria: SearchCriteria = {}
  const text = (value: string | undefined) => (value ?? '').trim()

  const name = text(input.name).toLowerCase().replace(/\s+/g, ' ')
  if (name !== '') {
    if (name.length < 2) errors.push({ field: 'name', message: 'Enter at least 2 letters of the name' })
    else if (name.length > 200)
      errors.push({ field: 'name', message: 'Name must be 200 characters or fewer' })
    else criteria.name = name
  }
  const dob = parseDateOfBirth(input)
  if (dob.error !== undefined) errors.push({ field: 'dateOfBirth', message: dob.error })
  else if (dob.date !== undefined) criteria.dateOfBirth = dob.date

  const identifier = text(input.identifier)
  if (identifier !== '') {
    if (identifier.length > 50) {
      errors.push({ field: 'identifier', message: 'Identifier must be 50 characters or fewer' })
    } else {
      const compact = identifier.replace(/[\s-]/g, '').toUpperCase()
      criteria.identifier = {
        nhsNumber: normaliseNhsNumber(identifier) ?? null,
        upn: /^[A-Z][0-9]{11}[0-9A-Z]$/.test(compact) ? compact : null,
        other: identifier,
      }
    }
  }
  for (const field of ['phone', 'vehicle', 'postcode'] as const) {
    const { normalise, invalid } = IDENTIFIER_CRITERIA[field]
    const given = text(input[field])
    if (given === '') continue
    const normalised = normalise(given)
    if (normalised === undefined) errors.push({ field, message: invalid })
    else criteria[field] = normalised
  }
  const kind = text(input.kind)
  if (kind !== '') {
    if ((PERSON_KINDS as readonly string[]).includes(kind)) criteria.kind = kind
    else errors.push({ field: 'kind', message: 'Select a kind of person from the list' })
  }

  let limit = SEARCH_LIMIT_DEFAULT
  const rawLimit = typeof input.limit === 'number' ? String(input.limit) : text(input.limit)
  if (rawLimit !== '') {
    limit = Number(rawLimit)
    if (!Number.isInteger(limit) || limit < 1 || limit > SEARCH_LIMIT_MAX) {
      errors.push({
        field: 'limit',
        message: `Limit must be a whole number from 1 to ${String(SEARCH_LIMIT_MAX)}`,
      })
    }
  }
  let after: SearchCursor | null = null
  const rawAfter = text(input.after)
  if (rawAfter !== '') {
    const cursor = decodeCursor(rawAfter)
    if (cursor === undefined)
      errors.push({ field: 'after', message: 'This page of results is not valid: search again' })
    else after = cursor
  }

  const searchFields = [
    criteria.name,
    criteria.dateOfBirth,
    criteria.identifier,
    criteria.phone,
    criteria.vehicle,
    criteria.postcode,
  ]
  if (errors.length === 0 && searchFields.every((v) => v === undefined)) {
    errors.push({
      field: 'name',
      message: 'Enter a name, date of birth, identifier, phone number, vehicle registration or postcode',
    })
  }
  if (errors.length > 0) return { errors }
  return { ok: { criteria, limit, after } }
}

/** The criteria given, by name only (for the audit trail: never the values). */
export function criteriaNames(criteria: SearchCriteria): string[] {
  return Object.entries(criteria)
    .filter(([, value]) => value !== undefined)
    .map(([key]) => key)
}
