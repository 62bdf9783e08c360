import {
  dateOf,
  fieldOf,
  formDate,
  formText,
  formVersion,
  datePartsOf,
  type PostedForm,
} from '../../platform/views/form-fields.ts'
import type { AliasInput, PersonInput, StatusInput } from './person-validation.ts'

/**
 * The fields of a person's forms (details, other names, statuses) as pages post them, and what the service takes
 * from them: one definition for "Add a person" and the record's edit pages.
 */

export const DETAILS_FORM = {
  kind: formText(40),
  givenName: formText(1000),
  familyName: formText(1000),
  ...formDate('dateOfBirth'),
  estimatedAge: formText(10),
  ...formDate('estimatedAgeOn'),
  gender: formText(1000),
  ethnicity: formText(10),
  language: formText(1000),
  disability: formText(5000),
  nhsNumber: formText(100),
  upn: formText(100),
  laChildId: formText(1000),
  policeId: formText(1000),
  school: formText(64),
}
export const ALIAS_FORM = {
  alias0Kind: formText(40),
  alias0Name: formText(1000),
  alias1Kind: formText(40),
  alias1Name: formText(1000),
}
export const STATUS_FORM = {
  statutoryStatus: formText(40),
  ...formDate('statusFrom'),
  ...formDate('statusTo'),
}
export const NEW_PERSON_FORM = {
  ...DETAILS_FORM,
  ...ALIAS_FORM,
  ...STATUS_FORM,
  // The user has seen the possible duplicates and chose to create a new record anyway.
  duplicatesChecked: formText(10),
}
export const EDIT_FORM = { ...DETAILS_FORM, ...formVersion }
export const NAMES_FORM = { ...ALIAS_FORM, ...formVersion }
export const STATUS_ADD_FORM = { ...STATUS_FORM, ...formVersion }
export const STATUS_END_FORM = { ...formDate('statusTo'), ...formVersion }

/** Fields entered as day, month and year. */
export const DATE_FIELDS = ['dateOfBirth', 'estimatedAgeOn', 'statusFrom', 'statusTo'] as const

/** The details form as the service takes it. */
export function personFromForm(body: PostedForm): PersonInput {
  return {
    kind: fieldOf(body, 'kind'),
    givenName: fieldOf(body, 'givenName'),
    familyName: fieldOf(body, 'familyName'),
    dateOfBirth: dateOf(body, 'dateOfBirth'),
    estimatedAge: fieldOf(body, 'estimatedAge'),
    estimatedAgeOn: dateOf(body, 'estimatedAgeOn'),
    gender: fieldOf(body, 'gender'),
    ethnicity: fieldOf(body, 'ethnicity'),
    language: fieldOf(body, 'language'),
    disability: fieldOf(body, 'disability'),
    nhsNumber: fieldOf(body, 'nhsNumber'),
    upn: fieldOf(body, 'upn'),
    laChildId: fieldOf(body, 'laChildId'),
    policeId: fieldOf(body, 'policeId'),
    schoolId: fieldOf(body, 'school'),
  }
}

export const aliasesFromForm = (body: PostedForm): AliasInput[] =>
  [0, 1].map((i) => ({
    kind: fieldOf(body, `alias${String(i)}Kind`),
    name: fieldOf(body, `alias${String(i)}Name`),
  }))

export const statusFromForm = (body: PostedForm): StatusInput => ({
  status: fieldOf(body, 'statutoryStatus'),
  fromDate: dateOf(body, 'statusFrom'),
  toDate: dateOf(body, 'statusTo'),
})

/** The details form's values for a stored person. */
export function formOf(input: PersonInput): Record<string, string> {
  const { dateOfBirth, estimatedAgeOn, schoolId, ...rest } = input
  return {
    ...rest,
    school: schoolId,
    ...datePartsOf('dateOfBirth', typeof dateOfBirth === 'string' ? dateOfBirth : ''),
    ...datePartsOf('estimatedAgeOn', typeof estimatedAgeOn === 'string' ? estimatedAgeOn : ''),
  }
}

/** A date typed into a GOV.UK date input as YYYY-MM-DD, when it looks like one (for the duplicate check). */
export function typedDate(body: PostedForm, prefix: string): string | undefined {
  const { day, month, year } = dateOf(body, prefix)
  const [d, m, y] = [day.trim(), month.trim(), year.trim()]
  if (!/^\d{1,2}$/.test(d) || !/^\d{1,2}$/.test(m) || !/^\d{4}$/.test(y)) return undefined
  return `${y}-${m.padStart(2, '0')}-${d.padStart(2, '0')}`
}
