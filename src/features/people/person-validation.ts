/**
 * The rules for a person's record, as pure functions: what a form or an API body may put in it, and the message
 * for each field when it may not. Pages and the API share these through the edit service; reference data
 * (kinds, ethnicities, schools, statuses) is passed in, never hard-coded.
 */
import { parseDate as parseFormDate } from '../../platform/dates.ts'
import type { FieldError } from '../../platform/errors.ts'
import { normaliseNhsNumber } from '../../platform/identifiers/nhs-number.ts'
import { parseUpn } from '../../platform/identifiers/upn.ts'

/** A date as the API sends it ('YYYY-MM-DD') or as a GOV.UK date input does (three parts). */
export type DateInput = string | { day: string; month: string; year: string }

/** What the form (or the API body, converted) says about a person. Empty strings mean "not given". */
export interface PersonInput {
  kind: string
  givenName: string
  familyName: string
  dateOfBirth: DateInput
  estimatedAge: string
  estimatedAgeOn: DateInput
  gender: string
  ethnicity: string
  language: string
  disability: string
  nhsNumber: string
  upn: string
  laChildId: string
  policeId: string
  schoolId: string
}

export interface AliasInput {
  kind: string
  name: string
}

export interface StatusInput {
  status: string
  fromDate: DateInput
  toDate: DateInput
}

/** A person's fields ready to store. */
export interface ValidPerson {
  kind: string
  givenName: string
  familyName: string | null
  dateOfBirth: string | null
  estimatedAge: number | null
  estimatedAgeOn: string | null
  gender: string | null
  ethnicity: string | null
  language: string | null
  disability: string | null
  nhsNumber: string | null
  upn: string | null
  laChildId: string | null
  policeId: string | null
  schoolAgencyId: string | null
}

export type AliasKind = 'alias' | 'street-name' | 'previous-name'
export const ALIAS_KINDS: ReadonlyArray<{ code: AliasKind; label: string }> = [
  { code: 'alias', label: 'Alias' },
  { code: 'street-name', label: 'Street name' },
  { code: 'previous-name', label: 'Previous name' },
]

export interface ValidAlias {
  kind: AliasKind
  name: string
}

export interface ValidStatus {
  status: string
  fromDate: string
  toDate: string | null
}

/** Reference data the rules check against: codes and ids that exist in this partnership. */
export interface PersonReference {
  kinds: ReadonlySet<string>
  ethnicities: ReadonlySet<string>
  /** Education agencies of the partnership that are not disabled. */
  schoolIds: ReadonlySet<string>
  statuses: ReadonlySet<string>
}

export const LIMITS = {
  name: 100,
  alias: 200,
  gender: 40,
  language: 80,
  disability: 500,
  identifier: 50,
  estimatedAge: 120,
} as const

/** Field names used by forms (element ids) and mapped to JSON pointers by the API. */
export const aliasField = (index: number, part: 'kind' | 'name') =>
  `alias${String(index)}${part === 'kind' ? 'Kind' : 'Name'}`

const EARLIEST = '1900-01-01'
/**
 * A calendar date from either form, null when nothing was given, or the GOV.UK message for what is wrong.
 * `label` starts the message ("Date of birth must be a real date"). Years from 1000: a date before 1900 is real
 * but too early, which validatePerson says in its own words.
 */
export const parseDate = (input: DateInput, label: string) => parseFormDate(input, label, 1000)

const optional = (value: string) => {
  const trimmed = value.trim()
  return trimmed === '' ? null : trimmed
}

/** Letters, digits, spaces, hyphens and slashes: reference numbers as agencies write them. */
const REFERENCE = /^[A-Za-z0-9][A-Za-z0-9 /-]*$/
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** Checks a person's fields; `today` is the date in England ('YYYY-MM-DD'). */
export function validatePerson(
  input: PersonInput,
  reference: PersonReference,
  today: string,
): { person?: ValidPerson; errors: FieldError[] } {
  const errors: FieldError[] = []
  const fail = (field: string, message: string) => errors.push({ field, message })

  const kind = input.kind.trim()
  if (!reference.kinds.has(kind)) fail('kind', 'Select what kind of person this is')

  const givenName = input.givenName.trim()
  if (givenName === '') {
    fail('givenName', 'Enter a given name, or "Unknown" if it is not known')
  } else if (givenName.length > LIMITS.name) {
    fail('givenName', `Given name must be ${String(LIMITS.name)} characters or fewer`)
  }
  const familyName = optional(input.familyName)
  if (familyName !== null && familyName.length > LIMITS.name) {
    fail('familyName', `Family name must be ${String(LIMITS.name)} characters or fewer`)
  }

  // Date of birth, or an estimated age on a date: one or the other (a child needs one of them).
  let dateOfBirth: string | null = null
  const dob = parseDate(input.dateOfBirth, 'Date of birth')
  if ('error' in dob) fail('dateOfBirth', dob.error)
  else if (dob.date !== null && dob.date > today)
    fail('dateOfBirth', 'Date of birth must be today or in the past')
  else if (dob.date !== null && dob.date < EARLIEST) fail('dateOfBirth', 'Date of birth must be after 1899')
  else dateOfBirth = dob.date

  let estimatedAge: number | null = null
  let estimatedAgeOn: string | null = null
  const ageText = input.estimatedAge.trim()
  if (ageText !== '') {
    const age = /^\d{1,3}$/.test(ageText) ? Number(ageText) : NaN
    if (!(age >= 0 && age <= LIMITS.estimatedAge)) {
      fail(
        'estimatedAge',
        `Estimated age must be a whole number of years from 0 to ${String(LIMITS.estimatedAge)}`,
      )
    } else {
      estimatedAge = age
    }
    const on = parseDate(input.estimatedAgeOn, 'The date of the estimate')
    if ('error' in on) fail('estimatedAgeOn', on.error)
    else if (on.date !== null && on.date > today) {
      fail('estimatedAgeOn', 'The date of the estimate must be today or in the past')
    } else if (on.date !== null && on.date < EARLIEST) {
      fail('estimatedAgeOn', 'The date of the estimate must be after 1899')
    } else estimatedAgeOn = on.date ?? today
  } else if (!('error' in dob) && dob.date === null) {
    // A date of the estimate with no age and no date of birth: the age was probably forgotten. (With a date of
    // birth, a leftover date of an earlier estimate is simply dropped.)
    const on = parseDate(input.estimatedAgeOn, 'The date of the estimate')
    if ('error' in on || on.date !== null) {
      fail('estimatedAge', 'Enter the estimated age, or leave the date of the estimate blank')
    }
  }
  const dobGiven = 'error' in dob || dob.date !== null
  if (dobGiven && ageText !== '') {
    fail('estimatedAge', 'Enter a date of birth or an estimated age, not both')
  } else if (!dobGiven && ageText === '' && kind === 'child') {
    // Policy: a child is anyone under 18, so a child's record always needs an age, even an estimate.
    fail('dateOfBirth', 'Enter the child’s date of birth, or an estimated age if it is not known')
  }

  const gender = optional(input.gender)
  if (gender !== null && gender.length > LIMITS.gender) {
    fail('gender', `Gender must be ${String(LIMITS.gender)} characters or fewer`)
  }
  const ethnicity = optional(input.ethnicity)
  if (ethnicity !== null && !reference.ethnicities.has(ethnicity)) {
    fail('ethnicity', 'Select an ethnicity from the list')
  }
  const language = optional(input.language)
  if (language !== null && language.length > LIMITS.language) {
    fail('language', `Language must be ${String(LIMITS.language)} characters or fewer`)
  }
  const disability = optional(input.disability)
  if (disability !== null && disability.length > LIMITS.disability) {
    fail('disability', `Disability must be ${String(LIMITS.disability)} characters or fewer`)
  }

  let nhsNumber: string | null = null
  const nhsText = optional(input.nhsNumber)
  if (nhsText !== null) {
    const digits = nhsText.replace(/[\s-]/g, '')
    if (!/^[0-9]{10}$/.test(digits)) fail('nhsNumber', 'NHS number must be 10 digits, like 943 476 5919')
    else {
      nhsNumber = normaliseNhsNumber(digits) ?? null
      if (nhsNumber === null) {
        fail('nhsNumber', 'NHS number is not valid: its check digit does not match. Check it and try again')
      }
    }
  }

  let upn: string | null = null
  const upnText = optional(input.upn)
  if (upnText !== null) {
    const parsed = parseUpn(upnText)
    if ('upn' in parsed) upn = parsed.upn
    else if (parsed.problem === 'format') {
      fail('upn', 'UPN must be 13 characters: a letter, then 11 digits, then a digit or a letter')
    } else {
      fail(
        'upn',
        'UPN is not valid: its check letter (the first character) does not match. Check it and try again',
      )
    }
  }

  const reference_ = (field: 'laChildId' | 'policeId', label: string) => {
    const value = optional(input[field])
    if (value === null) return null
    if (value.length > LIMITS.identifier) {
      fail(field, `${label} must be ${String(LIMITS.identifier)} characters or fewer`)
    } else if (!REFERENCE.test(value)) {
      fail(field, `${label} must only include letters, numbers, spaces, hyphens and slashes`)
    }
    return value
  }
  const laChildId = reference_('laChildId', 'Local authority child ID')
  const policeId = reference_('policeId', 'Police ID')

  const schoolAgencyId = optional(input.schoolId)
  if (schoolAgencyId !== null && !(UUID.test(schoolAgencyId) && reference.schoolIds.has(schoolAgencyId))) {
    fail('school', 'Select a school from the list')
  }

  if (errors.length > 0) return { errors }
  return {
    errors,
    person: {
      kind,
      givenName,
      familyName,
      dateOfBirth,
      estimatedAge,
      estimatedAgeOn: estimatedAge === null ? null : estimatedAgeOn,
      gender,
      ethnicity,
      language,
      disability,
      nhsNumber,
      upn,
      laChildId,
      policeId,
      schoolAgencyId,
    },
  }
}

/** New aliases: rows with neither a kind nor a name are blank lines of the form and are skipped. */
export function validateAliases(aliases: readonly AliasInput[]): {
  aliases: ValidAlias[]
  errors: FieldError[]
} {
  const errors: FieldError[] = []
  const valid: ValidAlias[] = []
  aliases.forEach((alias, index) => {
    const name = alias.name.trim()
    const kind = alias.kind.trim() === '' ? 'alias' : alias.kind.trim()
    if (name === '') return
    const known = ALIAS_KINDS.find((k) => k.code === kind)
    if (known === undefined)
      errors.push({ field: aliasField(index, 'kind'), message: 'Select the kind of name' })
    if (name.length > LIMITS.alias) {
      errors.push({
        field: aliasField(index, 'name'),
        message: `Other name must be ${String(LIMITS.alias)} characters or fewer`,
      })
    }
    if (known !== undefined && name.length <= LIMITS.alias) valid.push({ kind: known.code, name })
  })
  return { aliases: valid, errors }
}

/** A statutory status with its dates, or nothing when the form's status fields were left blank. */
export function validateStatus(
  input: StatusInput,
  reference: PersonReference,
): { status?: ValidStatus; errors: FieldError[] } {
  const errors: FieldError[] = []
  const code = input.status.trim()
  const from = parseDate(input.fromDate, 'Start date')
  const to = parseDate(input.toDate, 'End date')
  const fromGiven = 'error' in from || from.date !== null
  const toGiven = 'error' in to || to.date !== null
  if (code === '' && !fromGiven && !toGiven) return { errors }
  if (!reference.statuses.has(code))
    errors.push({ field: 'statutoryStatus', message: 'Select a statutory status' })
  if ('error' in from) errors.push({ field: 'statusFrom', message: from.error })
  else if (from.date === null)
    errors.push({ field: 'statusFrom', message: 'Enter the date the status started' })
  else if (from.date < EARLIEST)
    errors.push({ field: 'statusFrom', message: 'Start date must be after 1899' })
  if ('error' in to) errors.push({ field: 'statusTo', message: to.error })
  else if (to.date !== null && 'date' in from && from.date !== null && to.date < from.date) {
    errors.push({ field: 'statusTo', message: 'End date must be the same as or after the start date' })
  }
  if (errors.length > 0 || !('date' in from) || from.date === null || 'error' in to) return { errors }
  return { errors, status: { status: code, fromDate: from.date, toDate: to.date } }
}
