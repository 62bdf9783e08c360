/**
 * The rules for a concern's answers, as pure functions shared by the three pages and the API: what each page (or
 * the API body) may put in the concern, and the GOV.UK message for each field when it may not. The screening
 * guide's items are passed in (reference data), never hard-coded here.
 */
import { parseDate as parseFormDate, type DateInput } from '../../platform/dates.ts'
import type { Recency } from '../../db/schema.ts'
import type { FieldError } from '../../platform/errors.ts'
import { normalisePostcode } from '../../platform/identifiers/postcode.ts'

/** A date as the API sends it ('YYYY-MM-DD') or as a GOV.UK date input does (three parts). */
export type { DateInput } from '../../platform/dates.ts'

/** A concern's dates are from 1900 on. */
const parseDate = (input: DateInput, label: string) => parseFormDate(input, label, 1900)

export const RECENCIES: ReadonlyArray<{ value: Recency; text: string }> = [
  { value: 'current', text: 'Current' },
  { value: 'within-6-months', text: 'In the last 6 months' },
  { value: '6-to-12-months', text: '6 to 12 months ago' },
  { value: 'older', text: 'More than 12 months ago' },
]
export const BASES = [
  { value: 'evidenced', text: 'Evidenced (seen, heard or recorded)' },
  { value: 'concern', text: 'Professional concern (not yet evidenced)' },
] as const
export const CONSENTS = [
  { value: 'given', text: 'Yes, the child agreed to this being shared' },
  { value: 'refused', text: 'No, the child did not agree' },
  { value: 'not-asked', text: 'Not asked' },
] as const
export const FAMILY_AWARE = [
  { value: 'yes', text: 'Yes' },
  { value: 'no', text: 'No' },
  { value: 'not-safe', text: 'No: telling them could put the child at risk' },
] as const

export type Consent = (typeof CONSENTS)[number]['value']
export type FamilyAware = (typeof FAMILY_AWARE)[number]['value']
export type Basis = (typeof BASES)[number]['value']

const LIMITS = {
  name: 100,
  policeReference: 50,
  narrative: 20000,
  place: 500,
  childWords: 10000,
  consentNote: 2000,
  evidence: 5000,
  judgement: 5000,
  discussedWith: 200,
  discussionNote: 5000,
  address: 200,
}

const trimmed = (value: string | undefined) => (value ?? '').trim()
const optional = (value: string | undefined) => (trimmed(value) === '' ? null : trimmed(value))

/** "yes"/"no" (a form) or true/false (the API); undefined when not answered. */
function yesNo(value: string | boolean | undefined): boolean | undefined {
  if (typeof value === 'boolean') return value
  return value === 'yes' ? true : value === 'no' ? false : undefined
}

function text(
  errors: FieldError[],
  field: string,
  value: string | undefined,
  max: number,
  label: string,
  missing?: string,
): string | null {
  const v = optional(value)
  if (v === null) {
    if (missing !== undefined) errors.push({ field, message: missing })
    return null
  }
  if (v.length > max) errors.push({ field, message: `${label} must be ${String(max)} characters or fewer` })
  return v
}

// Page 1: immediate danger and the child -------------------------------------------------------------------

export interface DangerInput {
  immediateDanger?: string | boolean
  policeCalled?: string | boolean
  policeCalledOn?: DateInput
  /** 24-hour "HH:MM", optional. */
  policeCalledTime?: string
  policeReference?: string
}

export interface ValidDanger {
  immediateDanger: boolean
  policeCalled: boolean | null
  policeCalledAt: Date | null
  policeReference: string | null
}

/** England's wall-clock date and time as an instant (the form asks in local time). */
function londonInstant(date: string, time: string): Date {
  const guess = new Date(`${date}T${time}:00Z`)
  const local = new Date(guess.toLocaleString('en-US', { timeZone: 'Europe/London' }))
  const utc = new Date(guess.toLocaleString('en-US', { timeZone: 'UTC' }))
  return new Date(guess.getTime() - (local.getTime() - utc.getTime()))
}

export function validateDanger(
  input: DangerInput,
  now: Date,
  today: string,
  errors: FieldError[],
): ValidDanger {
  const immediateDanger = yesNo(input.immediateDanger)
  if (immediateDanger === undefined) {
    errors.push({ field: 'immediateDanger', message: 'Select yes if the child is in immediate danger' })
  }
  let policeCalled: boolean | null = null
  let policeCalledAt: Date | null = null
  let policeReference: string | null = null
  if (immediateDanger === true) {
    policeCalled = yesNo(input.policeCalled) ?? null
    if (policeCalled === null) {
      errors.push({ field: 'policeCalled', message: 'Select yes if the police have been called' })
    }
    if (policeCalled === true) {
      const raw = input.policeCalledOn ?? ''
      const when: { error: string } | { at: Date } =
        typeof raw === 'string' && raw.includes('T')
          ? (() => {
              const at = new Date(raw)
              return Number.isNaN(at.getTime())
                ? { error: 'When the police were called must be a real date and time' }
                : { at }
            })()
          : (() => {
              const parsed = parseDate(raw, 'The date the police were called')
              if ('error' in parsed) return { error: parsed.error }
              if (parsed.date === null) return { error: 'Enter the date the police were called' }
              const time = trimmed(input.policeCalledTime)
              if (time !== '' && !/^([01]?\d|2[0-3]):[0-5]\d$/.test(time)) {
                return { error: 'Time the police were called must be a real time, like 14:30' }
              }
              if (parsed.date > today)
                return { error: 'The date the police were called must be today or in the past' }
              return { at: londonInstant(parsed.date, time === '' ? '00:00' : time.padStart(5, '0')) }
            })()
      if ('error' in when) errors.push({ field: 'policeCalledOn', message: when.error })
      else if (when.at.getTime() > now.getTime() + 5 * 60_000) {
        errors.push({ field: 'policeCalledOn', message: 'When the police were called must be in the past' })
      } else policeCalledAt = when.at
      policeReference = text(
        errors,
        'policeReference',
        input.policeReference,
        LIMITS.policeReference,
        'Police reference',
      )
    }
  }
  return { immediateDanger: immediateDanger ?? false, policeCalled, policeCalledAt, policeReference }
}

export interface NewChildInput {
  givenName?: string
  familyName?: string
  dateOfBirth?: DateInput
  estimatedAge?: string | number
  schoolId?: string
  addressLine1?: string
  postcode?: string
}

export interface ValidNewChild {
  givenName: string
  familyName: string | null
  dateOfBirth: string | null
  estimatedAge: number | null
  schoolAgencyId: string | null
  addressLine1: string | null
  postcode: string | null
}

export function validateNewChild(
  input: NewChildInput,
  today: string,
  schoolIds: readonly string[],
  errors: FieldError[],
): ValidNewChild {
  const givenName = text(
    errors,
    'givenName',
    input.givenName,
    LIMITS.name,
    'First name',
    "Enter the child's first name",
  )
  const familyName = text(errors, 'familyName', input.familyName, LIMITS.name, 'Last name')
  const dob = parseDate(input.dateOfBirth ?? '', 'Date of birth')
  let dateOfBirth: string | null = null
  if ('error' in dob) errors.push({ field: 'dateOfBirth', message: dob.error })
  else if (dob.date !== null && dob.date > today) {
    errors.push({ field: 'dateOfBirth', message: 'Date of birth must be in the past' })
  } else dateOfBirth = dob.date
  const ageRaw =
    typeof input.estimatedAge === 'number' ? String(input.estimatedAge) : trimmed(input.estimatedAge)
  let estimatedAge: number | null = null
  if (ageRaw !== '') {
    if (!/^\d{1,2}$/.test(ageRaw) || Number(ageRaw) > 25) {
      errors.push({
        field: 'estimatedAge',
        message: 'Estimated age must be a whole number of years, like 14',
      })
    } else estimatedAge = Number(ageRaw)
  }
  if (!('error' in dob) && dob.date === null && ageRaw === '') {
    errors.push({
      field: 'dateOfBirth',
      message: 'Enter the date of birth, or an estimated age if you do not know it',
    })
  }
  const schoolId = optional(input.schoolId)
  if (schoolId !== null && !schoolIds.includes(schoolId)) {
    errors.push({ field: 'schoolId', message: 'Select the school from the list' })
  }
  const addressLine1 = text(errors, 'addressLine1', input.addressLine1, LIMITS.address, 'Address')
  const postcodeRaw = optional(input.postcode)
  let postcode: string | null = null
  if (postcodeRaw !== null) {
    postcode = normalisePostcode(postcodeRaw) ?? null
    if (postcode === null) errors.push({ field: 'postcode', message: 'Enter a real postcode, like NS1 4AB' })
  }
  if (postcodeRaw !== null && addressLine1 === null) {
    errors.push({ field: 'addressLine1', message: 'Enter the first line of the address for this postcode' })
  }
  return {
    givenName: givenName ?? '',
    familyName,
    dateOfBirth,
    estimatedAge: dateOfBirth === null ? estimatedAge : null,
    schoolAgencyId: schoolId,
    addressLine1,
    postcode,
  }
}

// Page 2: what was seen or heard, and the screening -----------------------------------------------------------

export interface TickInput {
  itemCode: string
  evidence?: string
  recency?: string
  basis?: string
}

export interface DetailsInput {
  narrative?: string
  happenedOn?: DateInput
  happenedAt?: string
  noticedBy?: string
  childWords?: string
  consent?: string
  consentNote?: string
  familyAware?: string
  /** Asked only when the record does not say. */
  learningDisability?: string | boolean
  ticks: TickInput[]
}

export interface ValidTick {
  itemCode: string
  evidence: string
  recency: Recency
  basis: Basis
}

/** What was seen or heard, as a concern stores it (page 2 of the form). */
export interface ConcernNarrative {
  narrative: string
  happenedOn: string
  happenedAt: string | null
  noticedBy: string | null
  childWords: string | null
  consent: Consent
  consentNote: string | null
  familyAware: FamilyAware
  learningDisability: boolean | null
}

export interface ValidDetails extends ConcernNarrative {
  ticks: ValidTick[]
}

export function validateDetails(
  input: DetailsInput,
  today: string,
  guide: { items: ReadonlyArray<{ code: string; label: string }> },
  askLearningDisability: boolean,
  errors: FieldError[],
): ValidDetails {
  const narrative = text(
    errors,
    'narrative',
    input.narrative,
    LIMITS.narrative,
    'What you saw or heard',
    'Enter what you saw or heard',
  )
  const on = parseDate(input.happenedOn ?? '', 'The date it happened')
  let happenedOn: string | null = null
  if ('error' in on) errors.push({ field: 'happenedOn', message: on.error })
  else if (on.date === null) errors.push({ field: 'happenedOn', message: 'Enter the date it happened' })
  else if (on.date > today) {
    errors.push({ field: 'happenedOn', message: 'The date it happened must be today or in the past' })
  } else happenedOn = on.date
  const happenedAt = text(errors, 'happenedAt', input.happenedAt, LIMITS.place, 'Where it happened')
  const noticedBy = text(errors, 'noticedBy', input.noticedBy, LIMITS.place, 'Who saw or heard it')
  const childWords = text(errors, 'childWords', input.childWords, LIMITS.childWords, "The child's own words")
  const consent = CONSENTS.find((c) => c.value === input.consent)?.value
  if (consent === undefined) {
    errors.push({ field: 'consent', message: 'Select whether the child agreed to this being shared' })
  }
  const consentNote = text(errors, 'consentNote', input.consentNote, LIMITS.consentNote, 'About consent')
  const familyAware = FAMILY_AWARE.find((c) => c.value === input.familyAware)?.value
  if (familyAware === undefined) {
    errors.push({
      field: 'familyAware',
      message: "Select whether the child's family know about this concern",
    })
  }
  let learningDisability: boolean | null = null
  if (askLearningDisability) {
    learningDisability = yesNo(input.learningDisability) ?? null
    if (learningDisability === null) {
      errors.push({
        field: 'learningDisability',
        message: 'Select yes if the child has a learning disability',
      })
    }
  }
  const byCode = new Map(guide.items.map((i) => [i.code, i]))
  const ticks: ValidTick[] = []
  const seen = new Set<string>()
  for (const tick of input.ticks) {
    const item = byCode.get(tick.itemCode)
    if (item === undefined) {
      errors.push({
        field: 'indicators',
        message: `Select items from the screening guide (not “${tick.itemCode}”)`,
      })
      continue
    }
    if (seen.has(item.code)) continue
    seen.add(item.code)
    const evidence = text(
      errors,
      `evidence-${item.code}`,
      tick.evidence,
      LIMITS.evidence,
      `Evidence for “${item.label}”`,
      `Enter the evidence for “${item.label}”`,
    )
    const recency = RECENCIES.find((r) => r.value === tick.recency)?.value
    if (recency === undefined) {
      errors.push({ field: `recency-${item.code}`, message: `Select how recent “${item.label}” is` })
    }
    const basis = BASES.find((b) => b.value === tick.basis)?.value
    if (basis === undefined) {
      errors.push({
        field: `basis-${item.code}`,
        message: `Select whether “${item.label}” is evidenced or a professional concern`,
      })
    }
    if (evidence !== null && recency !== undefined && basis !== undefined) {
      ticks.push({ itemCode: item.code, evidence, recency, basis })
    }
  }
  // Keep the guide's order, whatever order the ticks came in.
  const order = new Map(guide.items.map((i, n) => [i.code, n]))
  ticks.sort((a, b) => (order.get(a.itemCode) ?? 0) - (order.get(b.itemCode) ?? 0))
  return {
    narrative: narrative ?? '',
    happenedOn: happenedOn ?? today,
    happenedAt,
    noticedBy,
    childWords,
    consent: consent ?? 'not-asked',
    consentNote,
    familyAware: familyAware ?? 'no',
    learningDisability,
    ticks,
  }
}

// Page 3: the practitioner's judgement and the optional discussion --------------------------------------------

export interface JudgementInput {
  judgedLevel?: string
  judgementReason?: string
  discussedWith?: string
  discussionNote?: string
}

export interface ValidJudgement {
  judgedLevel: string
  judgementReason: string
  discussedWith: string | null
  discussionNote: string | null
}

export function validateJudgement(
  input: JudgementInput,
  levels: ReadonlyArray<{ code: string }>,
  errors: FieldError[],
): ValidJudgement {
  const judgedLevel = levels.find((l) => l.code === input.judgedLevel)?.code
  if (judgedLevel === undefined) {
    errors.push({ field: 'judgedLevel', message: 'Select the level of risk you judge the child to be at' })
  }
  const judgementReason = text(
    errors,
    'judgementReason',
    input.judgementReason,
    LIMITS.judgement,
    'Why you judge this level',
    'Enter why you judge this level of risk',
  )
  const discussedWith = text(
    errors,
    'discussedWith',
    input.discussedWith,
    LIMITS.discussedWith,
    'Who you discussed it with',
  )
  const discussionNote = text(
    errors,
    'discussionNote',
    input.discussionNote,
    LIMITS.discussionNote,
    'What was discussed',
  )
  return {
    judgedLevel: judgedLevel ?? '',
    judgementReason: judgementReason ?? '',
    discussedWith,
    discussionNote,
  }
}
