import { parseDate as parseFormDate } from '../../platform/dates.ts'
import type { EntityKind } from '../../db/schema.ts'
import type { FieldError } from '../../platform/errors.ts'
import type { LinkTypeRow } from './link-repository.ts'

/** A date as typed: ISO text from the API, or the three boxes of a GOV.UK date input. */
export type DateInput = string | { day: string; month: string; year: string }

/** A new link as the caller gave it (the page's form or the API's JSON), before any checks. */
export interface LinkInput {
  linkType: string
  /** The end named by id (on a person's page, that person). */
  fromKind: string
  fromId: string
  /** The named end is the link's "to" end (e.g. "exploits" recorded from the adult's page as "exploited by"). */
  reverse?: boolean
  /** Limits the look-up of the other end to one kind. */
  toKind?: string
  /** The other end: a record id, or an exact identifier (NHS number, police id, phone, registration, postcode). */
  to: string
  fromDate: DateInput
  toDate: DateInput
  source: string
  /** 'record' (a case record, report or observation) or 'intelligence' (graded 3x5x2). */
  sourceType: string
  sourceAgencyId: string
  sourceEvaluation: string
  intelligenceAssessment: string
  confidence: string
}

import {
  INTELLIGENCE_ASSESSMENTS,
  SOURCE_EVALUATIONS,
  type IntelligenceAssessment,
  type SourceEvaluation,
} from '../../platform/intelligence-grading.ts'

export { INTELLIGENCE_ASSESSMENTS, SOURCE_EVALUATIONS, type IntelligenceAssessment, type SourceEvaluation }

export const MESSAGES = {
  type: 'Select the type of link',
  typeKinds: 'Select a type of link that fits these two records',
  to: 'Enter the record id or an exact identifier of the other person, place or thing',
  notVisible: 'Select a record you can see: check the record id or identifier',
  self: 'A record cannot be linked to itself: select a different record',
  from: 'Select a record you can see: check the record id',
  source: 'Enter where this came from, for example a case record or report reference',
  sourceLong: 'Source must be 300 characters or fewer',
  sourceType: 'Select where this came from',
  agency: 'Select an agency from the list',
  evaluation: 'Select the source evaluation (1, 2 or 3)',
  assessment: 'Select the intelligence assessment (A to E)',
  gradesWithoutIntelligence: 'Give intelligence grades only when the source is intelligence',
  confidence: 'Select whether the link is confirmed or suspected',
  endReason: 'Enter why this link has ended',
  endReasonLong: 'Reason must be 500 characters or fewer',
} as const

/** A calendar date (from 1900) not after `today`, null when nothing was given, or the GOV.UK message. */
export function parseDate(
  input: DateInput,
  label: string,
  today: string,
): { date: string | null } | { error: string } {
  const parsed = parseFormDate(input, label, 1900)
  if ('date' in parsed && parsed.date !== null && parsed.date > today) {
    return { error: `${label} must be today or in the past` }
  }
  return parsed
}

export interface ValidLinkFields {
  type: LinkTypeRow
  fromDate: string | null
  toDate: string | null
  source: string
  sourceAgencyId: string | null
  sourceEvaluation: SourceEvaluation | null
  intelligenceAssessment: IntelligenceAssessment | null
  confidence: 'confirmed' | 'suspected'
}

/**
 * Checks everything about a new link except its ends (which need the database and the policy). Every problem is
 * reported at once, each on its field.
 */
export function validateLinkFields(
  input: LinkInput,
  types: readonly LinkTypeRow[],
  agencyIds: readonly string[],
  today: string,
): { value?: ValidLinkFields; errors: FieldError[] } {
  const errors: FieldError[] = []
  const type = types.find((t) => t.code === input.linkType)
  if (input.linkType.trim() === '' || type === undefined)
    errors.push({ field: 'linkType', message: MESSAGES.type })
  else if (!(input.reverse === true ? type.toKinds : type.fromKinds).includes(input.fromKind as EntityKind))
    errors.push({ field: 'linkType', message: MESSAGES.typeKinds })
  const from = parseDate(input.fromDate, 'Date the link started', today)
  if ('error' in from) errors.push({ field: 'fromDate', message: from.error })
  const to = parseDate(input.toDate, 'Date the link ended', today)
  if ('error' in to) errors.push({ field: 'toDate', message: to.error })
  if ('date' in from && 'date' in to && from.date !== null && to.date !== null && to.date < from.date) {
    errors.push({
      field: 'toDate',
      message: 'Date the link ended must be the same as or after the date it started',
    })
  }
  const source = input.source.trim()
  if (source === '') errors.push({ field: 'source', message: MESSAGES.source })
  else if (source.length > 300) errors.push({ field: 'source', message: MESSAGES.sourceLong })
  const sourceType = input.sourceType.trim() === '' ? 'record' : input.sourceType
  if (sourceType !== 'record' && sourceType !== 'intelligence')
    errors.push({ field: 'sourceType', message: MESSAGES.sourceType })
  const agency = input.sourceAgencyId.trim()
  if (agency !== '' && !agencyIds.includes(agency))
    errors.push({ field: 'sourceAgencyId', message: MESSAGES.agency })
  const evaluation = input.sourceEvaluation.trim()
  const assessment = input.intelligenceAssessment.trim().toUpperCase()
  if (sourceType === 'intelligence') {
    if (!(evaluation in SOURCE_EVALUATIONS))
      errors.push({ field: 'sourceEvaluation', message: MESSAGES.evaluation })
    if (!(assessment in INTELLIGENCE_ASSESSMENTS))
      errors.push({ field: 'intelligenceAssessment', message: MESSAGES.assessment })
  } else if (sourceType === 'record' && (evaluation !== '' || assessment !== '')) {
    errors.push({
      field: evaluation !== '' ? 'sourceEvaluation' : 'intelligenceAssessment',
      message: MESSAGES.gradesWithoutIntelligence,
    })
  }
  const confidence = input.confidence.trim()
  if (confidence !== 'confirmed' && confidence !== 'suspected')
    errors.push({ field: 'confidence', message: MESSAGES.confidence })
  if (errors.length > 0 || type === undefined || 'error' in from || 'error' in to) return { errors }
  const intelligence = sourceType === 'intelligence'
  return {
    errors,
    value: {
      type,
      fromDate: from.date,
      toDate: to.date,
      source,
      sourceAgencyId: agency === '' ? null : agency,
      sourceEvaluation: intelligence ? (evaluation as SourceEvaluation) : null,
      intelligenceAssessment: intelligence ? (assessment as IntelligenceAssessment) : null,
      confidence: confidence as 'confirmed' | 'suspected',
    },
  }
}
