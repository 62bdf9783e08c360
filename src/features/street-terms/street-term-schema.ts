import { Type } from 'typebox'
import { nullable } from '../../platform/route-kit.ts'
import type { StreetTermRow } from './street-term-service.ts'

/** The street-terms API's request and response schemas (issue 12). */

const Words = Type.String({ maxLength: 1000 })

export const StreetTermSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    code: Type.String({ description: 'Stable code: what a concern’s street terms are named by' }),
    term: Type.String(),
    variants: Type.Array(Type.String(), { description: 'Other spellings and phrases, found like the term' }),
    meaning: Type.String(),
    indicatorCodes: Type.Array(Type.String(), { description: 'Screening items the term may point to' }),
    retired: Type.Boolean({ description: 'A retired term is kept, and no longer found in words' }),
    retiredAt: nullable(Type.String({ format: 'date-time' })),
    version: Type.Integer(),
  },
  { $id: 'StreetTerm' },
)

export const CreateStreetTermBody = Type.Object(
  {
    term: Words,
    variants: Type.Optional(Type.Array(Words, { maxItems: 100 })),
    meaning: Type.String({ maxLength: 5000 }),
  },
  { additionalProperties: false },
)

export const UpdateStreetTermBody = Type.Object(
  {
    version: Type.Integer(),
    term: Type.Optional(Words),
    variants: Type.Optional(Type.Array(Words, { maxItems: 100 })),
    meaning: Type.Optional(Type.String({ maxLength: 5000 })),
    retired: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
)

export const apiStreetTerm = (row: StreetTermRow) => ({
  id: row.id,
  code: row.code,
  term: row.term,
  variants: row.variants,
  meaning: row.meaning,
  indicatorCodes: row.indicatorCodes,
  retired: row.retiredAt !== null,
  retiredAt: row.retiredAt === null ? null : row.retiredAt.toISOString(),
  version: row.version,
})
