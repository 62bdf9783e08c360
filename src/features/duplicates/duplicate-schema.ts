import { Type } from 'typebox'
import {
  changeProblems,
  IdParams,
  inputProblems,
  nullable,
  personFields,
  problemsOf,
} from '../../platform/route-kit.ts'

/** The duplicates and merges API's request and response schemas (tag `people`). */

export const ApiParams = IdParams

const CandidateSchema = Type.Object(
  {
    ...personFields,
    version: Type.Optional(Type.Integer()),
    score: Type.Integer({ minimum: 0, maximum: 100 }),
    reasons: Type.Array(Type.String()),
  },
  {
    additionalProperties: false,
    description: 'A possible duplicate the caller may see, with why it was suggested',
  },
)

export const Candidates = Type.Object(
  { candidates: Type.Array(CandidateSchema) },
  { additionalProperties: false },
)

export const WouldBe = Type.Object(
  {
    givenName: Type.Optional(Type.String({ maxLength: 200 })),
    familyName: Type.Optional(Type.String({ maxLength: 200 })),
    dateOfBirth: Type.Optional(Type.String({ maxLength: 10, description: 'YYYY-MM-DD' })),
    nhsNumber: Type.Optional(Type.String({ maxLength: 20 })),
    upn: Type.Optional(Type.String({ maxLength: 20 })),
    laChildId: Type.Optional(Type.String({ maxLength: 100 })),
    policeId: Type.Optional(Type.String({ maxLength: 100 })),
    locationIds: Type.Optional(Type.Array(Type.String({ format: 'uuid' }), { maxItems: 10 })),
  },
  { additionalProperties: false },
)

export const MovedSchema = Type.Object({
  aliases: Type.Array(Type.String()),
  statuses: Type.Array(Type.String()),
  linksFrom: Type.Array(Type.String()),
  linksTo: Type.Array(Type.String()),
  flags: Type.Array(Type.String()),
  agencies: Type.Array(Type.String()),
  identifiers: Type.Array(Type.String()),
  addedAliases: Type.Array(Type.String()),
})

export const MergeSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  survivorId: Type.String({ format: 'uuid' }),
  mergedId: Type.String({ format: 'uuid' }),
  reason: Type.String(),
  moved: MovedSchema,
  mergedAt: Type.String({ format: 'date-time' }),
  mergedByName: nullable(Type.String()),
  unmergedAt: nullable(Type.String({ format: 'date-time' })),
  version: Type.Integer(),
})

export const ApiMerge = Type.Object(
  {
    mergedId: Type.String({ maxLength: 64 }),
    reason: Type.String({ maxLength: 5000 }),
    survivorVersion: Type.Integer(),
    mergedVersion: Type.Integer(),
  },
  { additionalProperties: false },
)

export const ApiUnmerge = Type.Object(
  {
    mergeId: Type.String({ maxLength: 64 }),
    reason: Type.String({ maxLength: 5000 }),
    version: Type.Integer(),
  },
  { additionalProperties: false },
)

export const problems = inputProblems

/** A change that can be stale (409). */
export { changeProblems }

/** A duplicate check, which may be refused for too many in a short time (429). */
export const checkProblems = problemsOf(400, 401, 403, 404, 429)
