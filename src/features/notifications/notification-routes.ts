import type { FastifyReply, FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import { signedInActor } from '../../platform/access/actor.ts'
import { requestContext } from '../../platform/auth/request-context.ts'
import { ConflictError, NotFoundError, ValidationError, type FieldError } from '../../platform/errors.ts'
import { paths } from '../../platform/paths.ts'
import { apiActor } from '../../platform/tokens/api-auth.ts'
import type { Services } from '../../services.ts'
import type { FeatureRoutes } from '../../platform/surfaces.ts'
import { formErrors } from '../../platform/views/form-errors.ts'
import { NOTIFICATION_REASONS } from './notification-repository.ts'

const hidden = { hide: true } as const
const VIEWS = {
  notify: 'features/notifications/views/notify.njk',
  outstanding: 'features/notifications/views/outstanding.njk',
  acknowledge: 'features/notifications/views/acknowledge.njk',
}
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const Params = Type.Object({ id: Type.String({ maxLength: 64 }) })
const apiParams = Type.Object({ id: Type.String({ format: 'uuid' }) })
const text = (max: number) => Type.Optional(Type.String({ maxLength: max }))
const NotifyBody = Type.Object(
  {
    reason: text(40),
    localAuthority: text(1000),
    policeForce: text(1000),
    content: text(20_000),
    _csrf: text(200),
  },
  { additionalProperties: false },
)
const AcknowledgeBody = Type.Object(
  {
    acknowledgedBy: text(1000),
    'acknowledgedOn-day': text(10),
    'acknowledgedOn-month': text(10),
    'acknowledgedOn-year': text(10),
    version: text(20),
    _csrf: text(200),
  },
  { additionalProperties: false },
)
const nullable = (t: ReturnType<typeof Type.String>) => Type.Union([t, Type.Null()])
const NotificationSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    personId: Type.String({ format: 'uuid' }),
    childName: Type.String(),
    referralId: nullable(Type.String({ format: 'uuid' })),
    reason: Type.String({ enum: NOTIFICATION_REASONS.map((r) => r.code) }),
    reasonLabel: Type.String(),
    localAuthority: Type.String(),
    policeForce: Type.String(),
    content: Type.String(),
    sentByName: nullable(Type.String()),
    sentAt: Type.String({ format: 'date-time' }),
    acknowledged: Type.Boolean(),
    acknowledgedAt: nullable(Type.String({ format: 'date-time' })),
    acknowledgedBy: nullable(Type.String()),
    recordedByName: nullable(Type.String()),
    version: Type.Integer(),
  },
  { additionalProperties: false },
)
const NotificationResponse = Type.Object(
  { notification: NotificationSchema },
  { additionalProperties: false },
)
const NotificationList = Type.Object(
  { notifications: Type.Array(NotificationSchema) },
  { additionalProperties: false },
)
const ApiNotify = Type.Object(
  {
    reason: Type.String({
      enum: NOTIFICATION_REASONS.map((r) => r.code),
      description: 'lives-in, moved-from, moved-to or found-in the other authority’s area',
    }),
    localAuthority: Type.String({ maxLength: 1000 }),
    policeForce: Type.String({ maxLength: 1000 }),
    content: Type.String({ maxLength: 20_000, description: 'What was sent' }),
  },
  { additionalProperties: false },
)
const ApiAcknowledge = Type.Object(
  {
    acknowledgedBy: Type.String({
      maxLength: 1000,
      description: 'Who at the other authority acknowledged it',
    }),
    acknowledgedOn: Type.Optional(
      Type.String({ maxLength: 20, description: 'YYYY-MM-DD; today when absent' }),
    ),
    version: Type.Optional(Type.Integer({ minimum: 1 })),
  },
  { additionalProperties: false },
)
const problems = { 401: { $ref: 'Problem#' }, 403: { $ref: 'Problem#' }, 404: { $ref: 'Problem#' } }
const changeProblems = { ...problems, 400: { $ref: 'Problem#' }, 409: { $ref: 'Problem#' } }

const pad = (value: string | undefined, width: number) => (value ?? '').trim().padStart(width, '0')
const versionOf = (value: string | undefined): number | undefined => {
  const n = Number(value)
  return value === undefined || value === '' || !Number.isInteger(n) ? undefined : n
}

export function notificationRoutes(services: Services): FeatureRoutes {
  const notifications = services.notifications

  const referrals = services.referrals

  const notifyPage = async (
    request: FastifyRequest,
    reply: FastifyReply,
    id: string,
    values: Record<string, unknown> = {},
    errors?: FieldError[],
    status = 200,
  ) => {
    const actor = signedInActor(request)
    const ctx = requestContext(request)
    const read = await referrals.read(actor, id, ctx)
    if (!read.decision.fields.includes('details')) throw new NotFoundError()
    return reply.code(status).view(VIEWS.notify, {
      referral: read.referral,
      reasons: NOTIFICATION_REASONS,
      values,
      csrfToken: reply.csrfToken(),
      ...(errors === undefined ? {} : formErrors(errors)),
    })
  }

  const acknowledgePage = async (
    request: FastifyRequest,
    reply: FastifyReply,
    id: string,
    values: Record<string, unknown> = {},
    errors?: FieldError[],
    status = 200,
  ) => {
    const notification = await notifications.read(signedInActor(request), id, requestContext(request))
    return reply.code(status).view(VIEWS.acknowledge, {
      notification,
      values: { version: notification.version, ...values },
      csrfToken: reply.csrfToken(),
      ...(errors === undefined ? {} : formErrors(errors)),
    })
  }

  return {
    pages: async (app) => {
      app.get(
        paths.referrals.notify.pattern,
        { config: { access: { capability: 'referral:queue' } }, schema: { ...hidden, params: Params } },
        async function notifyGet(request, reply) {
          const { id } = request.params
          if (!UUID.test(id)) throw new NotFoundError()
          return notifyPage(request, reply, id)
        },
      )

      app.post(
        paths.referrals.notify.pattern,
        {
          config: { access: { capability: 'referral:queue' } },
          schema: { ...hidden, params: Params, body: NotifyBody },
        },
        async function notifyPost(request, reply) {
          const { id } = request.params
          if (!UUID.test(id)) throw new NotFoundError()
          const { reason, localAuthority, policeForce, content } = request.body
          const values = { reason, localAuthority, policeForce, content }
          try {
            await notifications.send(signedInActor(request), id, values, requestContext(request))
          } catch (error) {
            if (error instanceof ValidationError) {
              return notifyPage(request, reply, id, values, error.fieldErrors, 400)
            }
            throw error
          }
          return reply.redirect(paths.referrals.show(id), 303)
        },
      )

      app.get(
        paths.notifications.outstanding,
        { config: { access: { capability: 'referral:queue' } }, schema: hidden },
        async function outstandingGet(request, reply) {
          const list = await notifications.outstanding(signedInActor(request), requestContext(request))
          return reply.view(VIEWS.outstanding, { notifications: list })
        },
      )

      app.get(
        paths.notifications.acknowledge.pattern,
        { config: { access: { capability: 'referral:queue' } }, schema: { ...hidden, params: Params } },
        async function acknowledgeGet(request, reply) {
          const { id } = request.params
          if (!UUID.test(id)) throw new NotFoundError()
          return acknowledgePage(request, reply, id)
        },
      )

      app.post(
        paths.notifications.acknowledge.pattern,
        {
          config: { access: { capability: 'referral:queue' } },
          schema: { ...hidden, params: Params, body: AcknowledgeBody },
        },
        async function acknowledgePost(request, reply) {
          const { id } = request.params
          if (!UUID.test(id)) throw new NotFoundError()
          const body = request.body
          const day = body['acknowledgedOn-day'] ?? ''
          const month = body['acknowledgedOn-month'] ?? ''
          const year = body['acknowledgedOn-year'] ?? ''
          const values = { acknowledgedBy: body.acknowledgedBy, day, month, year, version: body.version }
          const blank = day.trim() === '' && month.trim() === '' && year.trim() === ''
          try {
            await notifications.acknowledge(
              signedInActor(request),
              id,
              {
                acknowledgedBy: body.acknowledgedBy,
                ...(blank ? {} : { acknowledgedOn: `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}` }),
                version: versionOf(body.version),
              },
              requestContext(request),
            )
          } catch (error) {
            if (error instanceof ValidationError) {
              return acknowledgePage(request, reply, id, values, error.fieldErrors, 400)
            }
            if (error instanceof ConflictError) {
              return acknowledgePage(
                request,
                reply,
                id,
                values,
                [{ field: 'acknowledgedBy', message: error.message }],
                409,
              )
            }
            throw error
          }
          return reply.redirect(paths.notifications.outstanding, 303)
        },
      )
    },
    api: async (app) => {
      app.post(
        paths.api.referralNotifications.pattern,
        {
          config: { access: { capability: 'referral:queue' } },
          schema: {
            tags: ['notifications'],
            summary:
              'Record a notification sent about a referred child to another local authority and its police force',
            security: [{ bearer: [] }],
            params: apiParams,
            body: ApiNotify,
            response: { 201: NotificationResponse, ...changeProblems },
          },
        },
        async function notifyApiPost(request, reply) {
          const notification = await notifications.send(
            apiActor(request),
            request.params.id,
            request.body,
            requestContext(request),
          )
          return reply.code(201).send({ notification })
        },
      )

      app.get(
        paths.api.referralNotifications.pattern,
        {
          config: { access: { capability: 'referral:queue' } },
          schema: {
            tags: ['notifications'],
            summary: 'The notifications recorded for a referral',
            security: [{ bearer: [] }],
            params: apiParams,
            response: { 200: NotificationList, ...problems },
          },
        },
        async function referralNotificationsApiGet(request) {
          return {
            notifications: await notifications.forReferral(
              apiActor(request),
              request.params.id,
              requestContext(request),
            ),
          }
        },
      )

      app.get(
        paths.api.notifications.pattern,
        {
          config: { access: { capability: 'referral:queue' } },
          schema: {
            tags: ['notifications'],
            summary: 'Outstanding notifications: not yet acknowledged, oldest first',
            security: [{ bearer: [] }],
            response: { 200: NotificationList, 401: { $ref: 'Problem#' }, 403: { $ref: 'Problem#' } },
          },
        },
        async function notificationsApiGet(request) {
          return {
            notifications: await notifications.outstanding(apiActor(request), requestContext(request)),
          }
        },
      )

      app.post(
        paths.api.notificationAcknowledge.pattern,
        {
          config: { access: { capability: 'referral:queue' } },
          schema: {
            tags: ['notifications'],
            summary:
              'Record the other authority’s acknowledgement (who, and on which day); 409 if already recorded',
            security: [{ bearer: [] }],
            params: apiParams,
            body: ApiAcknowledge,
            response: { 200: NotificationResponse, ...changeProblems },
          },
        },
        async function acknowledgeApiPost(request) {
          const notification = await notifications.acknowledge(
            apiActor(request),
            request.params.id,
            request.body,
            requestContext(request),
          )
          return { notification }
        },
      )
    },
  }
}
