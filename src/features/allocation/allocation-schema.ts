import { Type } from 'typebox'
import { changeProblems, IdParams, nullable, readProblems } from '../../platform/route-kit.ts'

/** The allocation API's request and response schemas (tag `allocation`). */

const dateTime = Type.String({ format: 'date-time' })
export const AllocationSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    personId: Type.String({ format: 'uuid' }),
    childName: Type.String(),
    dateOfBirth: nullable(Type.String({ format: 'date' })),
    teamId: Type.String({ format: 'uuid' }),
    teamName: Type.String(),
    status: Type.String({ enum: ['waiting', 'allocated'] }),
    statusLabel: Type.String(),
    urgent: Type.Boolean({ description: 'The child was in immediate danger when the concern was raised' }),
    queuedAt: dateTime,
    queuedByName: nullable(Type.String()),
    decisionLabel: nullable(Type.String()),
    workerId: nullable(Type.String({ format: 'uuid' })),
    workerName: nullable(Type.String()),
    allocatedAt: nullable(dateTime),
    version: Type.Integer(),
  },
  { additionalProperties: false },
)
const HistorySchema = Type.Object(
  {
    teamName: Type.String(),
    fromWorkerName: nullable(Type.String()),
    toWorkerName: nullable(Type.String()),
    byName: nullable(Type.String()),
    at: dateTime,
    reason: nullable(Type.String()),
  },
  { additionalProperties: false },
)
const closed = { additionalProperties: false } as const
const history = Type.Array(HistorySchema)
export const AllocationResponse = Type.Object({ allocation: AllocationSchema }, closed)
export const ReadResponse = Type.Object({ allocation: AllocationSchema, history }, closed)
export const ListResponse = Type.Object(
  { allocations: Type.Array(AllocationSchema), total: Type.Integer() },
  closed,
)
export const ApiAllocate = Type.Object(
  {
    workerId: Type.String({ maxLength: 100, description: 'A worker of the allocation’s team' }),
    reason: Type.Optional(
      Type.String({
        maxLength: 10_000,
        description: 'Why the child is re-allocated (required to re-allocate)',
      }),
    ),
    version: Type.Integer({ minimum: 1, description: 'The allocation’s version you read (409 when stale)' }),
  },
  { additionalProperties: false },
)
export { changeProblems, IdParams as apiParams, readProblems as problems }
