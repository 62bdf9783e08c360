import { parseDate, type DateInput } from '../../platform/dates.ts'
import type { EntityKind } from '../../db/schema.ts'
import { ValidationError, type FieldError } from '../../platform/errors.ts'
import { UUID } from '../../platform/identifiers/uuid.ts'
import {
  HANDLING_CODES,
  INTELLIGENCE_ASSESSMENTS,
  SOURCE_EVALUATIONS,
  type HandlingCode,
  type IntelligenceAssessment,
  type SourceEvaluation,
} from '../../platform/intelligence-grading.ts'

export const SANITISED_MAX = 5000
export const FULL_MAX = 20_000
export const REFERENCE_MAX = 200
export const RESTRICTION_MAX = 2000

/** A condition of handling code C: an agency (by id) or a type of agency that may, or may not, receive it. */
export interface ConditionInput {
  effect: string
  agencyId?: string
  agencyType?: string
}

/** A new entry as the caller gave it (the form or the API's JSON), before any checks. */
export interface IntelligenceInput {
  reportedOn: DateInput
  reportingAgencyId: string
  sanitisedText: string
  fullText: string
  sourceReference: string
  sourceEvaluation: string
  intelligenceAssessment: string
  handlingCode: string
  restriction: string
  conditions: ConditionInput[]
  subjects: Array<{ kind: string; id: string }>
}

export interface ValidCondition {
  effect: 'allow' | 'deny'
  agencyId: string | null
  agencyType: string | null
}

export interface ValidIntelligence {
  reportedOn: string
  reportingAgencyId: string
  sanitisedText: string
  fullText: string
  sourceReference: string | null
  sourceEvaluation: SourceEvaluation
  intelligenceAssessment: IntelligenceAssessment
  handlingCode: HandlingCode
  restriction: string | null
  conditions: ValidCondition[]
  subjects: Array<{ kind: EntityKind; id: string }>
}

/** What the checks need to know: the partnership's agencies and agency types, and today in England. */
export interface IntelligenceContext {
  agencyIds: ReadonlySet<string>
  agencyTypes: ReadonlySet<string>
  today: string
}

export const MESSAGES = {
  reportedOn: 'Enter the date the intelligence was reported',
  reportedOnFuture: 'Date reported must be today or in the past',
  agency: 'Select the agency that reported it',
  sanitised: 'Enter the sanitised text that may be shared at MACE',
  sanitisedLong: `Sanitised text must be ${SANITISED_MAX} characters or fewer`,
  full: 'Enter the full text of the intelligence',
  fullLong: `Full text must be ${FULL_MAX} characters or fewer`,
  referenceLong: `Source reference must be ${REFERENCE_MAX} characters or fewer`,
  evaluation: 'Select the source evaluation (1, 2 or 3)',
  assessment: 'Select the intelligence assessment (A to E)',
  handling: 'Select the handling code (P or C)',
  conditions:
    'Handling code C needs conditions: name at least one agency or type of agency that may, or may not, receive it',
  conditionsWithP: 'Conditions are only for handling code C: remove them, or choose C',
  condition: 'Each condition must allow or refuse one agency of this partnership or one type of agency',
  restrictionLong: `Further restriction must be ${RESTRICTION_MAX} characters or fewer`,
  subjects: 'Select at least one person, place or thing the intelligence concerns',
  subject: 'Select people, places and things of this partnership that you can find',
} as const

const oneOf = <T extends string>(table: Record<T, string>, value: string): value is T =>
  Object.prototype.hasOwnProperty.call(table, value)

const ENTITY_KINDS: readonly string[] = ['person', 'location', 'object']

/** Checks a new entry; every problem at once, each on its field. Nothing is written on any of them. */
export function parseIntelligence(input: IntelligenceInput, context: IntelligenceContext): ValidIntelligence {
  const errors: FieldError[] = []
  const reported = parseDate(input.reportedOn, 'Date reported', 1900)
  let reportedOn = ''
  if ('error' in reported) errors.push({ field: 'reportedOn', message: reported.error })
  else if (reported.date === null) errors.push({ field: 'reportedOn', message: MESSAGES.reportedOn })
  else if (reported.date > context.today)
    errors.push({ field: 'reportedOn', message: MESSAGES.reportedOnFuture })
  else reportedOn = reported.date

  const agency = input.reportingAgencyId.trim()
  if (!context.agencyIds.has(agency)) errors.push({ field: 'reportingAgencyId', message: MESSAGES.agency })

  const text = (value: string, field: string, max: number, empty: string | undefined, long: string) => {
    const trimmed = value.trim()
    if (trimmed === '' && empty !== undefined) errors.push({ field, message: empty })
    else if (trimmed.length > max) errors.push({ field, message: long })
    return trimmed
  }
  const sanitisedText = text(
    input.sanitisedText,
    'sanitisedText',
    SANITISED_MAX,
    MESSAGES.sanitised,
    MESSAGES.sanitisedLong,
  )
  const fullText = text(input.fullText, 'fullText', FULL_MAX, MESSAGES.full, MESSAGES.fullLong)
  const sourceReference = text(
    input.sourceReference,
    'sourceReference',
    REFERENCE_MAX,
    undefined,
    MESSAGES.referenceLong,
  )
  const restriction = text(
    input.restriction,
    'restriction',
    RESTRICTION_MAX,
    undefined,
    MESSAGES.restrictionLong,
  )

  const evaluation = input.sourceEvaluation.trim()
  if (!oneOf(SOURCE_EVALUATIONS, evaluation))
    errors.push({ field: 'sourceEvaluation', message: MESSAGES.evaluation })
  const assessment = input.intelligenceAssessment.trim().toUpperCase()
  if (!oneOf(INTELLIGENCE_ASSESSMENTS, assessment)) {
    errors.push({ field: 'intelligenceAssessment', message: MESSAGES.assessment })
  }
  const handling = input.handlingCode.trim().toUpperCase()
  if (!oneOf(HANDLING_CODES, handling)) errors.push({ field: 'handlingCode', message: MESSAGES.handling })

  const conditions: ValidCondition[] = []
  let conditionsValid = true
  for (const c of input.conditions) {
    const agencyId = (c.agencyId ?? '').trim()
    const agencyType = (c.agencyType ?? '').trim()
    const effect = c.effect.trim()
    const oneTarget = (agencyId === '') !== (agencyType === '')
    const known = agencyId !== '' ? context.agencyIds.has(agencyId) : context.agencyTypes.has(agencyType)
    if ((effect !== 'allow' && effect !== 'deny') || !oneTarget || !known) {
      conditionsValid = false
      continue
    }
    conditions.push({ effect, agencyId: agencyId || null, agencyType: agencyType || null })
  }
  if (!conditionsValid) errors.push({ field: 'conditions', message: MESSAGES.condition })
  else if (handling === 'C' && conditions.length === 0)
    errors.push({ field: 'conditions', message: MESSAGES.conditions })
  else if (handling === 'P' && conditions.length > 0) {
    errors.push({ field: 'conditions', message: MESSAGES.conditionsWithP })
  }

  const subjects: Array<{ kind: EntityKind; id: string }> = []
  const seen = new Set<string>()
  let subjectsValid = true
  for (const s of input.subjects) {
    if (!ENTITY_KINDS.includes(s.kind) || !UUID.test(s.id)) {
      subjectsValid = false
      continue
    }
    const key = `${s.kind}:${s.id.toLowerCase()}`
    if (seen.has(key)) continue
    seen.add(key)
    subjects.push({ kind: s.kind as EntityKind, id: s.id.toLowerCase() })
  }
  if (!subjectsValid) errors.push({ field: 'subjects', message: MESSAGES.subject })
  else if (subjects.length === 0) errors.push({ field: 'subjects', message: MESSAGES.subjects })

  if (errors.length > 0) throw new ValidationError(errors)
  return {
    reportedOn,
    reportingAgencyId: agency,
    sanitisedText,
    fullText,
    sourceReference: sourceReference === '' ? null : sourceReference,
    sourceEvaluation: evaluation as SourceEvaluation,
    intelligenceAssessment: assessment as IntelligenceAssessment,
    handlingCode: handling as HandlingCode,
    restriction: restriction === '' ? null : restriction,
    conditions,
    subjects,
  }
}
