import { Type } from 'typebox'
import { changeProblems, IdParams, nullable, readProblems } from '../../platform/route-kit.ts'
import { EXPLOITATION_GROUNDS } from './referral-service.ts'

/** The referrals API's request and response schemas (tag `referrals`). */

export const apiParams = IdParams

const dateTime = Type.String({ format: 'date-time' })
const opt = Type.Optional
export const ReferralSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    personId: Type.String({ format: 'uuid' }),
    childName: Type.String(),
    status: Type.String({ enum: ['submitted', 'in-review', 'decided', 'withdrawn'] }),
    statusLabel: Type.String(),
    submittedAt: dateTime,
    referrerName: opt(nullable(Type.String())),
    referrerAgencyName: opt(nullable(Type.String())),
    decisionDueAt: opt(dateTime),
    overdue: opt(Type.Boolean()),
    decision: opt(nullable(Type.String())),
    decisionLabel: opt(nullable(Type.String())),
    decidedAt: opt(nullable(dateTime)),
    decisionReasons: opt(nullable(Type.String())),
    withdrawnAt: opt(nullable(dateTime)),
    withdrawnReason: opt(nullable(Type.String())),
    dateOfBirth: opt(nullable(Type.String({ format: 'date' }))),
    concernId: opt(nullable(Type.String({ format: 'uuid' }))),
    reviewerName: opt(nullable(Type.String())),
    reviewStartedAt: opt(nullable(dateTime)),
    decidedByName: opt(nullable(Type.String())),
    discussedWith: opt(nullable(Type.String())),
    discussionNote: opt(nullable(Type.String())),
    immediateDanger: opt(Type.Union([Type.Boolean(), Type.Null()])),
    suggestedLevel: opt(nullable(Type.String())),
    suggestedLevelLabel: opt(nullable(Type.String())),
    judgedLevel: opt(nullable(Type.String())),
    judgedLevelLabel: opt(nullable(Type.String())),
    exploitationGrounds: opt(Type.Array(Type.String())),
    cinFactors: opt(Type.Array(Type.String())),
    version: opt(Type.Integer()),
  },
  { additionalProperties: false },
)
const TransitionSchema = Type.Object(
  {
    fromStatus: nullable(Type.String()),
    toStatus: Type.String(),
    byName: nullable(Type.String()),
    at: dateTime,
    reason: nullable(Type.String()),
  },
  { additionalProperties: false },
)
export const ReferralResponse = Type.Object({ referral: ReferralSchema }, { additionalProperties: false })
export const ReadResponse = Type.Object(
  { referral: ReferralSchema, transitions: Type.Array(TransitionSchema) },
  { additionalProperties: false },
)
export const ListResponse = Type.Object(
  { referrals: Type.Array(ReferralSchema), total: Type.Integer() },
  { additionalProperties: false },
)
/** The front door's page: which page of the queue. */
export const QueueQuery = Type.Object(
  { page: Type.Optional(Type.String({ maxLength: 6 })) },
  { additionalProperties: false },
)
export const ListQuery = Type.Object(
  {
    queue: Type.Optional(
      Type.String({
        enum: ['front-door'],
        description: 'front-door: the queue of submitted and in-review referrals (needs referral:queue)',
      }),
    ),
    page: Type.Optional(Type.Integer({ minimum: 1, description: 'The queue’s page (50 a page)' })),
  },
  { additionalProperties: false },
)
export const ApiSubmit = Type.Object(
  {
    concernId: Type.String({ format: 'uuid', description: 'Your recorded concern about the child' }),
    discussedWith: Type.Optional(
      Type.String({
        maxLength: 1000,
        description: 'The manager or DSL you discussed it with (never required)',
      }),
    ),
    discussionNote: Type.Optional(Type.String({ maxLength: 20_000 })),
  },
  { additionalProperties: false },
)
export const ApiVersion = Type.Object(
  { version: Type.Optional(Type.Integer({ minimum: 1 })) },
  { additionalProperties: false },
)
export const ApiDecision = Type.Object(
  {
    decision: Type.String({ maxLength: 60, description: 'A code from the referral decision types' }),
    reasons: Type.String({ maxLength: 20_000 }),
    exploitationGrounds: Type.Optional(
      Type.Array(Type.String({ enum: [...EXPLOITATION_GROUNDS] }), {
        maxItems: 2,
        description: 'On exploitation grounds: sets the matching flag on the child',
      }),
    ),
    cinFactors: Type.Optional(
      Type.Array(Type.String({ maxLength: 10 }), {
        maxItems: 20,
        description: 'Children in Need census factor codes (10A, 11A, 12A, 13A, 24A)',
      }),
    ),
    version: Type.Optional(Type.Integer({ minimum: 1 })),
    // a13: allocation (issue 13)
    allocationTeamId: Type.Optional(
      Type.String({
        maxLength: 100,
        description:
          'For an assessment or a strategy meeting (required then): the team whose allocation queue the child joins',
      }),
    ),
  },
  { additionalProperties: false },
)
export const ApiWithdraw = Type.Object(
  { reason: Type.String({ maxLength: 10_000 }), version: Type.Optional(Type.Integer({ minimum: 1 })) },
  { additionalProperties: false },
)
export { changeProblems, readProblems as problems }
