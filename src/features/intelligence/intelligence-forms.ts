import { Type, type Static } from 'typebox'
import {
  HANDLING_CODES,
  INTELLIGENCE_ASSESSMENTS,
  SOURCE_EVALUATIONS,
} from '../../platform/intelligence-grading.ts'
import { nullable } from '../../platform/route-kit.ts'
import {
  dateOf,
  formDate,
  formMany,
  formText,
  listOf,
  type PostedForm,
} from '../../platform/views/form-fields.ts'
import type { IntelligenceView } from './intelligence-service.ts'
import type { ConditionInput, IntelligenceInput } from './intelligence-validation.ts'

/** The intelligence entry's form fields and API schemas, shared by its new-entry and new-version pages and routes. */
/** The page's form. Subjects are record references (`person:<id>`), ticked, plus one typed as a record's address. */
export const FORM_FIELDS = {
  ...formDate('reportedOn'),
  reportingAgencyId: formText(64),
  sanitisedText: formText(10_000),
  fullText: formText(40_000),
  sourceReference: formText(1000),
  sourceEvaluation: formText(4),
  intelligenceAssessment: formText(4),
  handlingCode: formText(4),
  restriction: formText(4000),
  allowAgency: formMany(50, 64),
  allowType: formMany(20, 60),
  denyAgency: formMany(50, 64),
  denyType: formMany(20, 60),
  subject: formMany(20, 60),
  otherSubject: formText(400),
}

const KIND_OF_PATH: Readonly<Record<string, string>> = {
  people: 'person',
  locations: 'location',
  objects: 'object',
}

/** A subject typed as a record's address ("/people/<id>", a full URL) or as "person:<id>"; undefined if neither. */
export function subjectReference(text: string): { kind: string; id: string } | undefined {
  const trimmed = text.trim()
  const typed = /^(person|location|object):([0-9a-f-]{36})$/i.exec(trimmed)
  if (typed !== null) return { kind: (typed[1] ?? '').toLowerCase(), id: typed[2] ?? '' }
  const address = /\/(people|locations|objects)\/([0-9a-f-]{36})(?:[/?#]|$)/i.exec(trimmed)
  if (address !== null)
    return { kind: KIND_OF_PATH[(address[1] ?? '').toLowerCase()] ?? '', id: address[2] ?? '' }
  return undefined
}

const conditionsOf = (ids: string[], types: string[], effect: 'allow' | 'deny'): ConditionInput[] => [
  ...ids.map((agencyId) => ({ effect, agencyId })),
  ...types.map((agencyType) => ({ effect, agencyType })),
]

/** The form's fields as the service takes them (absent fields are empty). */
export function formInput(body: PostedForm): IntelligenceInput {
  const text = (name: string) => {
    const value = body[name]
    return typeof value === 'string' ? value : ''
  }
  const subjects = listOf(body.subject).map((s) => subjectReference(s) ?? { kind: '', id: s })
  const other = text('otherSubject')
  if (other.trim() !== '') subjects.push(subjectReference(other) ?? { kind: '', id: other })
  return {
    reportedOn: dateOf(body, 'reportedOn'),
    reportingAgencyId: text('reportingAgencyId'),
    sanitisedText: text('sanitisedText'),
    fullText: text('fullText'),
    sourceReference: text('sourceReference'),
    sourceEvaluation: text('sourceEvaluation'),
    intelligenceAssessment: text('intelligenceAssessment'),
    handlingCode: text('handlingCode'),
    restriction: text('restriction'),
    conditions: [
      ...conditionsOf(listOf(body.allowAgency), listOf(body.allowType), 'allow'),
      ...conditionsOf(listOf(body.denyAgency), listOf(body.denyType), 'deny'),
    ],
    subjects,
  }
}

const options = (labels: Record<string, string>) =>
  Object.entries(labels).map(([value, label]) => ({ value, text: `${value}: ${label}` }))
export const GRADES = {
  evaluations: options(SOURCE_EVALUATIONS),
  assessments: options(INTELLIGENCE_ASSESSMENTS),
  handlingCodes: options(HANDLING_CODES),
}

// API --------------------------------------------------------------------------------------------------------

export const Grade = {
  sourceEvaluation: Type.Union([Type.Literal('1'), Type.Literal('2'), Type.Literal('3')]),
  intelligenceAssessment: Type.Union(['A', 'B', 'C', 'D', 'E'].map((g) => Type.Literal(g))),
  handlingCode: Type.Union([Type.Literal('P'), Type.Literal('C')]),
}
const Kind = Type.Union([Type.Literal('person'), Type.Literal('location'), Type.Literal('object')])
export const Condition = Type.Object(
  {
    effect: Type.Union([Type.Literal('allow'), Type.Literal('deny')]),
    agencyId: Type.Optional(Type.String({ format: 'uuid' })),
    agencyType: Type.Optional(Type.String({ maxLength: 60 })),
  },
  { additionalProperties: false },
)
/** An entry's fields but its subjects (a new version keeps the old one's). */
const EntryFields = {
  reportedOn: Type.String({ format: 'date', description: 'YYYY-MM-DD, today or before' }),
  reportingAgencyId: Type.String({ format: 'uuid' }),
  sanitisedText: Type.String({
    maxLength: 10_000,
    description: 'Shareable at MACE: no source-identifying detail',
  }),
  fullText: Type.String({ maxLength: 40_000, description: 'For handlers only' }),
  sourceReference: Type.Optional(
    Type.String({ maxLength: 1000, description: 'Never shown outside handlers' }),
  ),
  ...Grade,
  restriction: Type.Optional(Type.String({ maxLength: 4000 })),
  conditions: Type.Optional(Type.Array(Condition, { maxItems: 50 })),
}
export const CreateBody = Type.Object(
  {
    ...EntryFields,
    subjects: Type.Array(
      Type.Object({ kind: Kind, id: Type.String({ format: 'uuid' }) }, { additionalProperties: false }),
      { minItems: 1, maxItems: 20 },
    ),
  },
  { additionalProperties: false },
)
/** A new version: an entry's fields, and the version of the entry it replaces (409 if that is not current). */
export const VersionBody = Type.Object(
  {
    ...EntryFields,
    version: Type.Integer({ minimum: 1, description: 'The version of the entry you last read' }),
  },
  { additionalProperties: false },
)
const ConditionSchema = Type.Object({
  effect: Type.String(),
  agencyId: nullable(Type.String()),
  agencyType: nullable(Type.String()),
  agencyName: nullable(Type.String()),
  agencyTypeLabel: nullable(Type.String()),
})
export const EntrySchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  reportedOn: Type.String({ format: 'date' }),
  reportingAgencyName: Type.String(),
  sanitisedText: Type.String(),
  sourceEvaluation: Type.String(),
  intelligenceAssessment: Type.String(),
  handlingCode: Type.String(),
  grading: Type.String({ description: '3x5x2 in short, e.g. 2/B/P' }),
  full: Type.Boolean({ description: 'false: the sanitised form only (a MACE member)' }),
  fullText: nullable(Type.String()),
  sourceReference: nullable(Type.String()),
  restriction: nullable(Type.String()),
  conditions: Type.Array(ConditionSchema),
  recordedByName: nullable(Type.String()),
  createdAt: Type.String({ format: 'date-time' }),
  version: Type.Integer(),
  supersededBy: nullable(Type.String({ format: 'uuid', description: 'Handlers only: the newer version' })),
  supersedes: nullable(
    Type.String({ format: 'uuid', description: 'Handlers only: the version it replaced' }),
  ),
})
export const Subject = Type.Object({ kind: Type.String(), id: Type.String({ format: 'uuid' }) })

/** An entry as the API gives it (EntrySchema names the fields it carries). */
export const apiEntry = (entry: IntelligenceView) => ({ ...entry, createdAt: entry.createdAt.toISOString() })

export function apiInput(body: Static<typeof CreateBody>): IntelligenceInput {
  return { ...apiFields(body), subjects: body.subjects }
}

/** An entry's fields from the API's JSON (absent optional fields are empty). */
export function apiFields(
  body: Static<typeof VersionBody> | Static<typeof CreateBody>,
): Omit<IntelligenceInput, 'subjects'> {
  return {
    reportedOn: body.reportedOn,
    reportingAgencyId: body.reportingAgencyId,
    sanitisedText: body.sanitisedText,
    fullText: body.fullText,
    sourceReference: body.sourceReference ?? '',
    sourceEvaluation: body.sourceEvaluation,
    intelligenceAssessment: body.intelligenceAssessment,
    handlingCode: body.handlingCode,
    restriction: body.restriction ?? '',
    conditions: body.conditions ?? [],
  }
}

/** The entry form's posted body as it is shown again on an error (dates as parts, checkbox lists as arrays). */
export const keptEntryForm = (body: PostedForm) => ({
  ...body,
  reportedOn: dateOf(body, 'reportedOn'),
  allowAgency: listOf(body.allowAgency),
  allowType: listOf(body.allowType),
  denyAgency: listOf(body.denyAgency),
  denyType: listOf(body.denyType),
  subject: listOf(body.subject),
})
