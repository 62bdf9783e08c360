import { Type } from 'typebox'
import { signedInActor } from '../../platform/access/actor.ts'
import { requestContext } from '../../platform/auth/request-context.ts'
import { NotFoundError } from '../../platform/errors.ts'
import { paths } from '../../platform/paths.ts'
import { apiRoute, changeProblems, IdParams, readProblems } from '../../platform/route-kit.ts'
import { apiActor } from '../../platform/tokens/api-auth.ts'
import type { Services } from '../../services.ts'
import type { FeatureRoutes } from '../../platform/surfaces.ts'
import { dateOf, formDate, formText, formVersion, versionOf } from '../../platform/views/form-fields.ts'
import { formPage } from '../../platform/views/form-page.ts'
import { NOTIFICATION_REASONS } from './notification-repository.ts'

const VIEWS = {
  notify: 'features/notifications/views/notify.njk',
  outstanding: 'features/notifications/views/outstanding.njk',
  acknowledge: 'features/notifications/views/acknowledge.njk',
}
const NotifyBody = {
  reason: formText(40),
  localAuthority: formText(1000),
  policeForce: formText(1000),
  content: formText(20_000),
}
const AcknowledgeBody = { acknowledgedBy: formText(1000), ...formDate('acknowledgedOn'), ...formVersion }
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

const pad = (value: string, width: number) => value.trim().padStart(width, '0')
const access = { capability: 'referral:queue' } as const

export function notificationRoutes(services: Services): FeatureRoutes {
  const notifications = services.notifications
  const referrals = services.referrals

  return {
    pages: async (app) => {
      formPage(app, {
        path: paths.referrals.notify,
        access,
        view: VIEWS.notify,
        body: NotifyBody,
        // Only for a referral the front door sees in full.
        load: async (request, { id = '' }) => {
          const read = await referrals.read(signedInActor(request), id, requestContext(request))
          if (!read.decision.fields.includes('details')) throw new NotFoundError()
          return { referral: read.referral, reasons: NOTIFICATION_REASONS }
        },
        conflictField: 'reason',
        submit: async (request, body, { id = '' }) => {
          await notifications.send(signedInActor(request), id, body, requestContext(request))
          return paths.referrals.show(id)
        },
      })

      app.get(
        paths.notifications.outstanding,
        { config: { access } },
        async function outstandingGet(request, reply) {
          const list = await notifications.outstanding(signedInActor(request), requestContext(request))
          return reply.view(VIEWS.outstanding, { notifications: list })
        },
      )

      formPage(app, {
        path: paths.notifications.acknowledge,
        access,
        view: VIEWS.acknowledge,
        body: AcknowledgeBody,
        load: async (request, { id = '' }) => ({
          notification: await notifications.read(signedInActor(request), id, requestContext(request)),
        }),
        values: ({ notification }) => ({ version: notification.version }),
        keep: (body) => ({ ...body, ...dateOf(body, 'acknowledgedOn') }),
        conflictField: 'acknowledgedBy',
        dateFields: ['acknowledgedOn'],
        submit: async (request, body, { id = '' }) => {
          const { day, month, year } = dateOf(body, 'acknowledgedOn')
          const blank = day.trim() === '' && month.trim() === '' && year.trim() === ''
          const input = {
            acknowledgedBy: body.acknowledgedBy,
            ...(blank ? {} : { acknowledgedOn: `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}` }),
            version: versionOf(body.version),
          }
          await notifications.acknowledge(signedInActor(request), id, input, requestContext(request))
          return paths.notifications.outstanding
        },
      })
    },
    api: async (app) => {
      app.post(
        paths.api.referralNotifications.pattern,
        apiRoute('referral:queue', 'notifications', {
          summary:
            'Record a notification sent about a referred child to another local authority and its police force',
          params: IdParams,
          body: ApiNotify,
          response: { 201: NotificationResponse, ...changeProblems },
        }),
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
        apiRoute('referral:queue', 'notifications', {
          summary: 'The notifications recorded for a referral',
          params: IdParams,
          response: { 200: NotificationList, ...readProblems },
        }),
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
        apiRoute('referral:queue', 'notifications', {
          summary: 'Outstanding notifications: not yet acknowledged, oldest first',
          response: { 200: NotificationList, 401: { $ref: 'Problem#' }, 403: { $ref: 'Problem#' } },
        }),
        async function notificationsApiGet(request) {
          return {
            notifications: await notifications.outstanding(apiActor(request), requestContext(request)),
          }
        },
      )

      app.post(
        paths.api.notificationAcknowledge.pattern,
        apiRoute('referral:queue', 'notifications', {
          summary:
            'Record the other authority’s acknowledgement (who, and on which day); 409 if already recorded',
          params: IdParams,
          body: ApiAcknowledge,
          response: { 200: NotificationResponse, ...changeProblems },
        }),
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
