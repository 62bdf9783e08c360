import { Type } from 'typebox'
import { inputProblems, nullable } from '../../platform/route-kit.ts'
import { ValidationError } from '../../platform/errors.ts'
import type { ConcernView } from './concern-service.ts'
import { RECENCIES } from './concern-validation.ts'

/** The concern API's schemas (OpenAPI), and how a concern and its field errors are answered. */

const RecencySchema = Type.Union(RECENCIES.map((r) => Type.Literal(r.value)))
export const TickSchema = Type.Object(
  {
    itemCode: Type.String({ maxLength: 60 }),
    evidence: Type.String({ maxLength: 5000 }),
    recency: Type.String({ maxLength: 30 }),
    basis: Type.String({ maxLength: 30, description: 'evidenced | concern' }),
  },
  { additionalProperties: false },
)
export const CreateConcernBody = Type.Object(
  {
    personId: Type.Optional(Type.String({ format: 'uuid', description: 'A child the caller may see' })),
    child: Type.Optional(
      Type.Object(
        {
          givenName: Type.String({ maxLength: 100 }),
          familyName: Type.Optional(Type.String({ maxLength: 100 })),
          dateOfBirth: Type.Optional(Type.String({ maxLength: 10 })),
          estimatedAge: Type.Optional(Type.Integer({ minimum: 0, maximum: 25 })),
          schoolId: Type.Optional(Type.String({ maxLength: 64 })),
          addressLine1: Type.Optional(Type.String({ maxLength: 200 })),
          postcode: Type.Optional(Type.String({ maxLength: 10 })),
        },
        { additionalProperties: false, description: 'A new child (when personId is not given)' },
      ),
    ),
    immediateDanger: Type.Boolean(),
    policeCalled: Type.Optional(Type.Boolean()),
    policeCalledAt: Type.Optional(Type.String({ format: 'date-time' })),
    policeReference: Type.Optional(Type.String({ maxLength: 50 })),
    narrative: Type.String({ maxLength: 20000 }),
    happenedOn: Type.String({ maxLength: 10 }),
    happenedAt: Type.Optional(Type.String({ maxLength: 500 })),
    noticedBy: Type.Optional(Type.String({ maxLength: 500 })),
    childWords: Type.Optional(Type.String({ maxLength: 10000 })),
    consent: Type.String({ maxLength: 20, description: 'given | refused | not-asked' }),
    consentNote: Type.Optional(Type.String({ maxLength: 2000 })),
    familyAware: Type.String({ maxLength: 20, description: 'yes | no | not-safe' }),
    learningDisability: Type.Optional(Type.Boolean()),
    indicators: Type.Array(TickSchema, { maxItems: 100 }),
    judgedLevel: Type.String({ maxLength: 20 }),
    judgementReason: Type.String({ maxLength: 5000 }),
  },
  { additionalProperties: false },
)
export const SuggestionSchema = Type.Object(
  {
    level: Type.String(),
    levelLabel: Type.String(),
    score: Type.Integer(),
    reasons: Type.Array(Type.String()),
  },
  { additionalProperties: false },
)
export const ConcernSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    status: Type.Union([Type.Literal('draft'), Type.Literal('recorded')]),
    child: Type.Object({
      id: Type.String({ format: 'uuid' }),
      name: Type.String(),
      dateOfBirth: nullable(Type.String({ format: 'date' })),
      age: Type.Union([Type.Integer(), Type.Null()]),
    }),
    recordedByName: nullable(Type.String()),
    recordedByAgencyName: nullable(Type.String()),
    immediateDanger: Type.Boolean(),
    policeCalled: Type.Union([Type.Boolean(), Type.Null()]),
    policeCalledAt: nullable(Type.String({ format: 'date-time' })),
    policeReference: nullable(Type.String()),
    narrative: nullable(Type.String()),
    happenedOn: nullable(Type.String({ format: 'date' })),
    happenedAt: nullable(Type.String()),
    noticedBy: nullable(Type.String()),
    childWords: nullable(Type.String()),
    consent: nullable(Type.String()),
    consentNote: nullable(Type.String()),
    familyAware: nullable(Type.String()),
    learningDisability: Type.Union([Type.Boolean(), Type.Null()]),
    indicators: Type.Array(TickSchema),
    suggestion: Type.Union([SuggestionSchema, Type.Null()]),
    judgedLevel: nullable(Type.String()),
    judgementReason: nullable(Type.String()),
    streetTerms: Type.Array(
      Type.Object({
        code: Type.String(),
        term: Type.String(),
        meaning: Type.String(),
        indicators: Type.Array(Type.String()),
        found: Type.Array(Type.String()),
      }),
    ),
    recordedAt: nullable(Type.String({ format: 'date-time' })),
    version: Type.Integer(),
  },
  { additionalProperties: false },
)
export const GuideSchema = Type.Object({
  id: Type.Integer(),
  title: Type.String(),
  version: Type.Integer(),
  items: Type.Array(
    Type.Object({
      code: Type.String(),
      kind: Type.String(),
      label: Type.String(),
      hint: nullable(Type.String()),
    }),
  ),
  levels: Type.Array(
    Type.Object({
      code: Type.String(),
      label: Type.String(),
      minScore: Type.Union([Type.Integer(), Type.Null()]),
    }),
  ),
  streetTerms: Type.Array(
    Type.Object({
      code: Type.String(),
      term: Type.String(),
      meaning: Type.String(),
      indicatorCodes: Type.Array(Type.String()),
    }),
  ),
})
export const SuggestBody = Type.Object(
  {
    ticks: Type.Array(
      Type.Object(
        { itemCode: Type.String({ maxLength: 60 }), recency: RecencySchema },
        { additionalProperties: false },
      ),
      { maxItems: 100 },
    ),
    child: Type.Object(
      {
        ageYears: Type.Union([Type.Integer({ minimum: 0, maximum: 30 }), Type.Null()]),
        learningDisability: Type.Boolean(),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
)
export const problems = inputProblems

export const apiConcern = (c: ConcernView) => ({
  id: c.id,
  status: c.status,
  child: { id: c.child.id, name: c.child.name, dateOfBirth: c.child.dateOfBirth, age: c.child.age },
  recordedByName: c.recordedByName,
  recordedByAgencyName: c.recordedByAgencyName,
  immediateDanger: c.immediateDanger,
  policeCalled: c.policeCalled,
  policeCalledAt: c.policeCalledAt?.toISOString() ?? null,
  policeReference: c.policeReference,
  narrative: c.narrative,
  happenedOn: c.happenedOn,
  happenedAt: c.happenedAt,
  noticedBy: c.noticedBy,
  childWords: c.childWords,
  consent: c.consent,
  consentNote: c.consentNote,
  familyAware: c.familyAware,
  learningDisability: c.learningDisability,
  indicators: c.indicators,
  suggestion: c.suggestion,
  judgedLevel: c.judgedLevel,
  judgementReason: c.judgementReason,
  streetTerms: c.streetTerms,
  recordedAt: c.recordedAt?.toISOString() ?? null,
  version: c.version,
})

/** API field errors name the JSON fields. */
const API_FIELDS: Record<string, string> = {
  child: '/body/personId',
  givenName: '/body/child/givenName',
  familyName: '/body/child/familyName',
  dateOfBirth: '/body/child/dateOfBirth',
  estimatedAge: '/body/child/estimatedAge',
  schoolId: '/body/child/schoolId',
  addressLine1: '/body/child/addressLine1',
  postcode: '/body/child/postcode',
  policeCalledOn: '/body/policeCalledAt',
}
export function apiErrors(error: ValidationError, ticks: readonly { itemCode: string }[]): ValidationError {
  const at = (code: string) => ticks.findIndex((t) => t.itemCode === code)
  return new ValidationError(
    error.fieldErrors.map((e) => {
      const tick = /^(evidence|recency|basis)-(.+)$/.exec(e.field)
      if (tick !== null)
        return { field: `/body/indicators/${String(at(tick[2] ?? ''))}/${tick[1] ?? ''}`, message: e.message }
      return { field: API_FIELDS[e.field] ?? `/body/${e.field}`, message: e.message }
    }),
  )
}
