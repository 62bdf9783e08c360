import { Type } from 'typebox'
import { apiFields as apiFieldsOf, IdParams, inputProblems, nullable } from '../../platform/route-kit.ts'
import type { LinkFromHere, LinkView } from './link-service.ts'

/** The links API's request and response schemas (tag `links`). */

export const apiParams = IdParams

const Kind = Type.Union([Type.Literal('person'), Type.Literal('location'), Type.Literal('object')])
const EndSchema = Type.Object(
  {
    kind: Kind,
    id: Type.String({ format: 'uuid' }),
    name: Type.String(),
    href: nullable(Type.String()),
  },
  { additionalProperties: false },
)
export const LinkSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    linkType: Type.String(),
    label: Type.String(),
    inverseLabel: Type.String(),
    from: EndSchema,
    to: EndSchema,
    fromDate: nullable(Type.String({ format: 'date' })),
    toDate: nullable(Type.String({ format: 'date' })),
    source: Type.String(),
    sourceType: Type.Union([Type.Literal('record'), Type.Literal('intelligence')]),
    sourceAgencyName: nullable(Type.String()),
    sourceEvaluation: nullable(Type.String()),
    sourceEvaluationLabel: nullable(Type.String()),
    intelligenceAssessment: nullable(Type.String()),
    intelligenceAssessmentLabel: nullable(Type.String()),
    confidence: Type.Union([Type.Literal('confirmed'), Type.Literal('suspected')]),
    current: Type.Boolean(),
    endedAt: nullable(Type.String({ format: 'date-time' })),
    endedByName: nullable(Type.String()),
    endReason: nullable(Type.String()),
    createdAt: Type.String({ format: 'date-time' }),
    createdByName: nullable(Type.String()),
    version: Type.Integer(),
  },
  {
    additionalProperties: false,
    description: 'A link with its provenance; only links whose both ends are visible',
  },
)
export const PersonLinkSchema = Type.Object(
  {
    ...LinkSchema.properties,
    relation: Type.String({ description: 'How the link reads from this person' }),
    other: EndSchema,
  },
  { additionalProperties: false },
)
export const CreateLinkBody = Type.Object(
  {
    linkType: Type.String({ maxLength: 60, description: 'A link type code (reference data)' }),
    from: Type.Object({ kind: Kind, id: Type.String({ maxLength: 64 }) }, { additionalProperties: false }),
    to: Type.Object(
      {
        kind: Type.Optional(Kind),
        id: Type.String({
          maxLength: 200,
          description:
            'A record id, or an exact identifier (NHS number, police id, phone, registration, postcode)',
        }),
      },
      { additionalProperties: false },
    ),
    fromDate: Type.Optional(nullable(Type.String({ maxLength: 10 }))),
    toDate: Type.Optional(nullable(Type.String({ maxLength: 10 }))),
    source: Type.String({ maxLength: 2000 }),
    sourceType: Type.Optional(Type.Union([Type.Literal('record'), Type.Literal('intelligence')])),
    sourceAgencyId: Type.Optional(nullable(Type.String({ maxLength: 64 }))),
    sourceEvaluation: Type.Optional(nullable(Type.String({ maxLength: 1 }))),
    intelligenceAssessment: Type.Optional(nullable(Type.String({ maxLength: 1 }))),
    confidence: Type.String({ maxLength: 20 }),
  },
  { additionalProperties: false },
)
export const EndLinkBody = Type.Object(
  {
    version: Type.Integer(),
    reason: Type.String({ maxLength: 2000 }),
    endedOn: Type.Optional(nullable(Type.String({ maxLength: 10 }))),
  },
  { additionalProperties: false },
)
export const problems = inputProblems

/** A link as the API sends it (dates as ISO text). */
export const apiLink = (link: LinkView) => ({
  ...link,
  endedAt: link.endedAt?.toISOString() ?? null,
  createdAt: link.createdAt.toISOString(),
})
export const apiFromHere = (link: LinkFromHere) => ({
  ...apiLink(link),
  relation: link.relation,
  other: link.other,
})

/** The service's fields the link body spells differently. */
const API_FIELDS: Record<string, string> = {
  fromId: '/body/from/id',
  to: '/body/to/id',
  fromDate: '/body/fromDate',
  toDate: '/body/toDate',
  endReason: '/body/reason',
  endedOn: '/body/endedOn',
}

/** Runs an API call, its field errors named as the link body's fields. */
export const apiFields = <T>(work: () => Promise<T>): Promise<T> => apiFieldsOf(work, API_FIELDS)
