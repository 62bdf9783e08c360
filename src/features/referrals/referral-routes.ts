import type { FastifyReply, FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import { signedInActor } from '../../platform/access/actor.ts'
import { can } from '../../platform/access/policy.ts'
import { requestContext } from '../../platform/auth/request-context.ts'
import { ConflictError, NotFoundError, ValidationError, type FieldError } from '../../platform/errors.ts'
import { paths } from '../../platform/paths.ts'
import { apiActor } from '../../platform/tokens/api-auth.ts'
import type { Services } from '../../services.ts'
import type { FeatureRoutes } from '../../platform/surfaces.ts'
import { formErrors } from '../sign-in/form-errors.ts'
import type { NotificationView } from '../notifications/notification-service.ts'
import { EXPLOITATION_GROUNDS, type ReferralRead } from './referral-service.ts'

const hidden = { hide: true } as const
const VIEWS = {
  queue: 'features/referrals/views/front-door.njk',
  mine: 'features/referrals/views/my-referrals.njk',
  show: 'features/referrals/views/referral.njk',
  decision: 'features/referrals/views/decision.njk',
  withdraw: 'features/referrals/views/withdraw.njk',
}
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const Params = Type.Object({ id: Type.String({ maxLength: 64 }) })
const apiParams = Type.Object({ id: Type.String({ format: 'uuid' }) })
const text = (max: number) => Type.Optional(Type.String({ maxLength: max }))
const many = Type.Optional(
  Type.Union([Type.String({ maxLength: 20 }), Type.Array(Type.String({ maxLength: 20 }), { maxItems: 20 })]),
)
const DecisionBody = Type.Object(
  {
    decision: text(60),
    reasons: text(20_000),
    exploitationGrounds: many,
    cinFactors: many,
    version: text(20),
    _csrf: text(200),
  },
  { additionalProperties: false },
)
const VersionBody = Type.Object({ version: text(20), _csrf: text(200) }, { additionalProperties: false })
const WithdrawBody = Type.Object(
  { reason: text(10_000), version: text(20), _csrf: text(200) },
  { additionalProperties: false },
)

const nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()])
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
const ReferralResponse = Type.Object({ referral: ReferralSchema }, { additionalProperties: false })
const ReadResponse = Type.Object(
  { referral: ReferralSchema, transitions: Type.Array(TransitionSchema) },
  { additionalProperties: false },
)
const ListResponse = Type.Object(
  { referrals: Type.Array(ReferralSchema), total: Type.Integer() },
  { additionalProperties: false },
)
const QueueQuery = Type.Object({ page: text(6) }, { additionalProperties: false })
const ListQuery = Type.Object(
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
const ApiSubmit = Type.Object(
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
const ApiVersion = Type.Object(
  { version: Type.Optional(Type.Integer({ minimum: 1 })) },
  { additionalProperties: false },
)
const ApiDecision = Type.Object(
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
  },
  { additionalProperties: false },
)
const ApiWithdraw = Type.Object(
  { reason: Type.String({ maxLength: 10_000 }), version: Type.Optional(Type.Integer({ minimum: 1 })) },
  { additionalProperties: false },
)
const problems = { 401: { $ref: 'Problem#' }, 403: { $ref: 'Problem#' }, 404: { $ref: 'Problem#' } }
const changeProblems = { ...problems, 400: { $ref: 'Problem#' }, 409: { $ref: 'Problem#' } }

const asList = (value: string | string[] | undefined): string[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value]
const versionOf = (value: string | undefined): number | undefined => {
  const n = Number(value)
  return value === undefined || value === '' || !Number.isInteger(n) ? undefined : n
}

export function referralRoutes(services: Services): FeatureRoutes {
  const referrals = services.referrals

  const notifications = services.notifications

  const showPage = async (
    request: FastifyRequest,
    reply: FastifyReply,
    id: string,
    errors?: FieldError[],
    status = 200,
    extra: Record<string, unknown> = {},
  ) => {
    const actor = signedInActor(request)
    const ctx = requestContext(request)
    const read: ReferralRead = await referrals.read(actor, id, ctx)
    let sent: NotificationView[] = []
    const full = read.decision.fields.includes('details')
    if (full && can(actor, 'referral:queue')) sent = await notifications.forReferral(actor, id, ctx)
    return reply.code(status).view(VIEWS.show, {
      ...read,
      full,
      notifications: sent,
      canNotify: full && can(actor, 'referral:queue'),
      csrfToken: reply.csrfToken(),
      ...extra,
      ...(errors === undefined ? {} : formErrors(errors)),
    })
  }

  const decisionPage = async (
    request: FastifyRequest,
    reply: FastifyReply,
    id: string,
    values: Record<string, unknown> = {},
    errors?: FieldError[],
    status = 200,
  ) => {
    const read = await referrals.read(signedInActor(request), id, requestContext(request))
    if (!read.canDecide) throw new NotFoundError()
    const options = await referrals.decisionOptions()
    return reply.code(status).view(VIEWS.decision, {
      ...read,
      ...options,
      values: { exploitationGrounds: [], cinFactors: [], version: read.referral.version, ...values },
      csrfToken: reply.csrfToken(),
      ...(errors === undefined ? {} : formErrors(errors)),
    })
  }

  const withdrawPage = async (
    request: FastifyRequest,
    reply: FastifyReply,
    id: string,
    values: Record<string, unknown> = {},
    errors?: FieldError[],
    status = 200,
  ) => {
    const read = await referrals.read(signedInActor(request), id, requestContext(request))
    if (!read.canWithdraw && errors === undefined) throw new NotFoundError()
    return reply.code(status).view(VIEWS.withdraw, {
      ...read,
      values: { version: read.referral.version, ...values },
      csrfToken: reply.csrfToken(),
      ...(errors === undefined ? {} : formErrors(errors)),
    })
  }

  return {
    pages: async (app) => {
      app.get(
        paths.frontDoor,
        {
          config: { access: { capability: 'referral:queue' } },
          schema: { ...hidden, querystring: QueueQuery },
        },
        async function frontDoorGet(request, reply) {
          const page = Number(request.query.page ?? '1')
          const queue = await referrals.queue(
            signedInActor(request),
            requestContext(request),
            Number.isInteger(page) && page >= 1 ? page : 1,
          )
          const pages = Math.max(1, Math.ceil(queue.total / queue.pageSize))
          return reply.view(VIEWS.queue, {
            ...queue,
            pagination: {
              ...(queue.page > 1
                ? { previous: { href: `${paths.frontDoor}?page=${String(queue.page - 1)}` } }
                : {}),
              ...(queue.page < pages
                ? { next: { href: `${paths.frontDoor}?page=${String(queue.page + 1)}` } }
                : {}),
            },
            pages,
            first: queue.total === 0 ? 0 : (queue.page - 1) * queue.pageSize + 1,
          })
        },
      )

      app.get(
        paths.referrals.mine,
        { config: { access: { capability: 'referral:read-own' } }, schema: hidden },
        async function myReferralsGet(request, reply) {
          const rows = await referrals.mine(signedInActor(request), requestContext(request))
          return reply.view(VIEWS.mine, { referrals: rows })
        },
      )

      app.get(
        paths.referrals.show.pattern,
        { config: { access: { capability: 'referral:read-own' } }, schema: { ...hidden, params: Params } },
        async function referralGet(request, reply) {
          const { id } = request.params
          if (!UUID.test(id)) throw new NotFoundError()
          return showPage(request, reply, id)
        },
      )

      app.post(
        paths.referrals.review.pattern,
        {
          config: { access: { capability: 'referral:decide' } },
          schema: { ...hidden, params: Params, body: VersionBody },
        },
        async function referralReviewPost(request, reply) {
          const { id } = request.params
          if (!UUID.test(id)) throw new NotFoundError()
          try {
            await referrals.startReview(
              signedInActor(request),
              id,
              versionOf(request.body.version),
              requestContext(request),
            )
          } catch (error) {
            if (error instanceof ConflictError) {
              return showPage(request, reply, id, [{ field: 'review', message: error.message }], 409)
            }
            throw error
          }
          return reply.redirect(paths.referrals.decision(id), 303)
        },
      )

      app.get(
        paths.referrals.decision.pattern,
        { config: { access: { capability: 'referral:decide' } }, schema: { ...hidden, params: Params } },
        async function referralDecisionGet(request, reply) {
          const { id } = request.params
          if (!UUID.test(id)) throw new NotFoundError()
          return decisionPage(request, reply, id)
        },
      )

      app.post(
        paths.referrals.decision.pattern,
        {
          config: { access: { capability: 'referral:decide' } },
          schema: { ...hidden, params: Params, body: DecisionBody },
        },
        async function referralDecisionPost(request, reply) {
          const { id } = request.params
          if (!UUID.test(id)) throw new NotFoundError()
          const body = request.body
          const values = {
            decision: body.decision,
            reasons: body.reasons,
            exploitationGrounds: asList(body.exploitationGrounds),
            cinFactors: asList(body.cinFactors),
            version: body.version,
          }
          try {
            await referrals.decide(
              signedInActor(request),
              id,
              { ...values, version: versionOf(body.version) },
              requestContext(request),
            )
          } catch (error) {
            if (error instanceof ValidationError) {
              return decisionPage(request, reply, id, values, error.fieldErrors, 400)
            }
            if (error instanceof ConflictError) {
              return decisionPage(
                request,
                reply,
                id,
                values,
                [{ field: 'decision', message: error.message }],
                409,
              )
            }
            throw error
          }
          return reply.redirect(paths.referrals.show(id), 303)
        },
      )

      app.get(
        paths.referrals.withdraw.pattern,
        { config: { access: { capability: 'referral:create' } }, schema: { ...hidden, params: Params } },
        async function referralWithdrawGet(request, reply) {
          const { id } = request.params
          if (!UUID.test(id)) throw new NotFoundError()
          return withdrawPage(request, reply, id)
        },
      )

      app.post(
        paths.referrals.withdraw.pattern,
        {
          config: { access: { capability: 'referral:create' } },
          schema: { ...hidden, params: Params, body: WithdrawBody },
        },
        async function referralWithdrawPost(request, reply) {
          const { id } = request.params
          if (!UUID.test(id)) throw new NotFoundError()
          const values = { reason: request.body.reason, version: request.body.version }
          try {
            await referrals.withdraw(
              signedInActor(request),
              id,
              { reason: request.body.reason, version: versionOf(request.body.version) },
              requestContext(request),
            )
          } catch (error) {
            if (error instanceof ValidationError) {
              return withdrawPage(request, reply, id, values, error.fieldErrors, 400)
            }
            if (error instanceof ConflictError) {
              return withdrawPage(
                request,
                reply,
                id,
                values,
                [{ field: 'reason', message: error.message }],
                409,
              )
            }
            throw error
          }
          return reply.redirect(paths.referrals.show(id), 303)
        },
      )
    },
    api: async (app) => {
      app.post(
        paths.api.referrals.pattern,
        {
          config: { access: { capability: 'referral:create' } },
          schema: {
            tags: ['referrals'],
            summary:
              'Refer your recorded concern to the front door: never waits for anyone’s approval; a decision is due one working day on',
            security: [{ bearer: [] }],
            body: ApiSubmit,
            response: { 201: ReferralResponse, ...changeProblems },
          },
        },
        async function referralsApiPost(request, reply) {
          const actor = apiActor(request)
          const ctx = requestContext(request)
          const submitted = await referrals.submit(actor, request.body, ctx)
          const read = await referrals.read(actor, submitted.id, ctx)
          return reply.code(201).send({ referral: read.referral })
        },
      )

      app.get(
        paths.api.referrals.pattern,
        {
          config: { access: { capability: 'referral:read-own' } },
          schema: {
            tags: ['referrals'],
            summary:
              'Your referrals with their status and outcome; or, with ?queue=front-door, the front door’s queue (oldest first, overdue marked)',
            security: [{ bearer: [] }],
            querystring: ListQuery,
            response: { 200: ListResponse, 400: { $ref: 'Problem#' }, ...problems },
          },
        },
        async function referralsApiGet(request) {
          const actor = apiActor(request)
          const ctx = requestContext(request)
          if (request.query.queue === 'front-door') {
            const queue = await referrals.queue(actor, ctx, request.query.page ?? 1)
            return { referrals: queue.referrals, total: queue.total }
          }
          const mine = await referrals.mine(actor, ctx)
          return { referrals: mine, total: mine.length }
        },
      )

      app.get(
        paths.api.referral.pattern,
        {
          config: { access: { capability: 'referral:read-own' } },
          schema: {
            tags: ['referrals'],
            summary:
              'A referral: the referrer sees its status and outcome only; the front door and the child’s case workers see it all',
            security: [{ bearer: [] }],
            params: apiParams,
            response: { 200: ReadResponse, ...problems },
          },
        },
        async function referralApiGet(request) {
          const read = await referrals.read(apiActor(request), request.params.id, requestContext(request))
          return { referral: read.referral, transitions: read.transitions }
        },
      )

      app.post(
        paths.api.referralReview.pattern,
        {
          config: { access: { capability: 'referral:decide' } },
          schema: {
            tags: ['referrals'],
            summary: 'Start the front door’s review (submitted → in review); 409 when it is not submitted',
            security: [{ bearer: [] }],
            params: apiParams,
            body: ApiVersion,
            response: { 200: ReferralResponse, ...changeProblems },
          },
        },
        async function referralReviewApiPost(request) {
          const referral = await referrals.startReview(
            apiActor(request),
            request.params.id,
            request.body.version,
            requestContext(request),
          )
          return { referral }
        },
      )

      app.post(
        paths.api.referralDecision.pattern,
        {
          config: { access: { capability: 'referral:decide' } },
          schema: {
            tags: ['referrals'],
            summary:
              'Record the front door’s decision with reasons; on exploitation grounds the CCE/CSE flag is set on the child. 409 unless in review',
            security: [{ bearer: [] }],
            params: apiParams,
            body: ApiDecision,
            response: { 200: ReferralResponse, ...changeProblems },
          },
        },
        async function referralDecisionApiPost(request) {
          const referral = await referrals.decide(
            apiActor(request),
            request.params.id,
            request.body,
            requestContext(request),
          )
          return { referral }
        },
      )

      app.post(
        paths.api.referralWithdraw.pattern,
        {
          config: { access: { capability: 'referral:create' } },
          schema: {
            tags: ['referrals'],
            summary:
              'Withdraw an open referral, with a reason (its referrer or the front door); 409 once decided',
            security: [{ bearer: [] }],
            params: apiParams,
            body: ApiWithdraw,
            response: { 200: ReferralResponse, ...changeProblems },
          },
        },
        async function referralWithdrawApiPost(request) {
          const referral = await referrals.withdraw(
            apiActor(request),
            request.params.id,
            request.body,
            requestContext(request),
          )
          return { referral }
        },
      )
    },
  }
}
