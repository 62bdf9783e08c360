import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Static, TObject } from 'typebox'
import { signedInActor } from '../../platform/access/actor.ts'
import { can, type Actor } from '../../platform/access/policy.ts'
import type { Capability } from '../../platform/access/roles.ts'
import type { RequestContext } from '../../platform/auth/auth-service.ts'
import { requestContext } from '../../platform/auth/request-context.ts'
import { ConflictError, NotFoundError, type FieldError } from '../../platform/errors.ts'
import { paths, type PathEntry } from '../../platform/paths.ts'
import { apiRoute } from '../../platform/route-kit.ts'
import type { FeatureRoutes } from '../../platform/surfaces.ts'
import { apiActor } from '../../platform/tokens/api-auth.ts'
import { formErrors } from '../../platform/views/form-errors.ts'
import { formMany, formText, formVersion, listOf, UUID, versionOf } from '../../platform/views/form-fields.ts'
import { formPage } from '../../platform/views/form-page.ts'
import type { Services } from '../../services.ts'
import type { NotificationView } from '../notifications/notification-service.ts'
import {
  apiParams,
  ApiDecision,
  ApiSubmit,
  ApiVersion,
  ApiWithdraw,
  changeProblems,
  ListQuery,
  ListResponse,
  problems,
  QueueQuery,
  ReadResponse,
  ReferralResponse,
} from './referral-schema.ts'
import type { ReferralRead, ReferralView } from './referral-service.ts'

const VIEWS = {
  queue: 'features/referrals/views/front-door.njk',
  mine: 'features/referrals/views/my-referrals.njk',
  show: 'features/referrals/views/referral.njk',
  decision: 'features/referrals/views/decision.njk',
  withdraw: 'features/referrals/views/withdraw.njk',
}

export function referralRoutes(services: Services): FeatureRoutes {
  const referrals = services.referrals
  const notifications = services.notifications

  /** The referral page, as its reader may see it (and with a message on an action that failed). */
  const showPage = async (
    request: FastifyRequest,
    reply: FastifyReply,
    id: string,
    errors?: FieldError[],
    status = 200,
  ) => {
    const actor = signedInActor(request)
    const ctx = requestContext(request)
    const read: ReferralRead = await referrals.read(actor, id, ctx)
    const full = read.decision.fields.includes('details')
    const frontDoor = full && can(actor, 'referral:queue')
    const sent: NotificationView[] = frontDoor
      ? await notifications.forReferral(actor, id, ctx, { alreadyRead: true })
      : []
    return reply.code(status).view(VIEWS.show, {
      ...read,
      full,
      notifications: sent,
      canNotify: frontDoor,
      csrfToken: reply.csrfToken(),
      ...(errors === undefined ? {} : formErrors(errors)),
    })
  }

  /** The referral a form page is about, for the actor; `may` says whether the page is theirs to see. */
  const referralFor = async (request: FastifyRequest, id: string, may: (read: ReferralRead) => boolean) => {
    const read = await referrals.read(signedInActor(request), id, requestContext(request))
    if (!may(read)) throw new NotFoundError()
    return read
  }

  return {
    pages: async (app) => {
      app.get(
        paths.frontDoor,
        { config: { access: { capability: 'referral:queue' } }, schema: { querystring: QueueQuery } },
        async function frontDoorGet(request, reply) {
          const page = Number(request.query.page ?? '1')
          const queue = await referrals.queue(
            signedInActor(request),
            requestContext(request),
            Number.isInteger(page) && page >= 1 ? page : 1,
          )
          const pages = Math.max(1, Math.ceil(queue.total / queue.pageSize))
          const pageHref = (n: number) => `${paths.frontDoor}?page=${String(n)}`
          return reply.view(VIEWS.queue, {
            ...queue,
            pagination: {
              ...(queue.page > 1 ? { previous: { href: pageHref(queue.page - 1) } } : {}),
              ...(queue.page < pages ? { next: { href: pageHref(queue.page + 1) } } : {}),
            },
            pages,
            first: queue.total === 0 ? 0 : (queue.page - 1) * queue.pageSize + 1,
          })
        },
      )

      app.get(
        paths.referrals.mine,
        { config: { access: { capability: 'referral:read-own' } } },
        async function myReferralsGet(request, reply) {
          const rows = await referrals.mine(signedInActor(request), requestContext(request))
          return reply.view(VIEWS.mine, { referrals: rows })
        },
      )

      app.get(
        paths.referrals.show.pattern,
        { config: { access: { capability: 'referral:read-own' } } },
        async function referralGet(request, reply) {
          const { id } = request.params as { id: string }
          if (!UUID.test(id)) throw new NotFoundError()
          return showPage(request, reply, id)
        },
      )

      // Starting the review is a button on the referral's page: a refusal is shown there.
      app.post(
        paths.referrals.review.pattern,
        {
          config: { access: { capability: 'referral:decide' } },
          schema: {
            body: {
              type: 'object',
              properties: { ...formVersion, _csrf: formText(200) },
              additionalProperties: false,
            },
          },
        },
        async function referralReviewPost(request, reply) {
          const { id } = request.params as { id: string }
          if (!UUID.test(id)) throw new NotFoundError()
          const body = request.body as { version?: string }
          try {
            await referrals.startReview(
              signedInActor(request),
              id,
              versionOf(body.version),
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

      formPage(app, {
        path: paths.referrals.decision,
        access: { capability: 'referral:decide' },
        view: VIEWS.decision,
        body: {
          decision: formText(60),
          reasons: formText(20_000),
          exploitationGrounds: formMany(20, 20),
          cinFactors: formMany(20, 20),
          ...formVersion,
          // a13: the team whose allocation queue the child joins.
          allocationTeamId: formText(100),
        },
        load: async (request, { id = '' }) => ({
          ...(await referralFor(request, id, (read) => read.canDecide)),
          ...(await referrals.decisionOptions(signedInActor(request), id)),
        }),
        values: (loaded) => ({
          exploitationGrounds: [],
          cinFactors: [],
          version: String(loaded.referral.version),
          ...loaded.followUpValues,
        }),
        keep: (body) => ({
          ...body,
          exploitationGrounds: listOf(body.exploitationGrounds),
          cinFactors: listOf(body.cinFactors),
        }),
        conflictField: 'decision',
        submit: async (request, body, { id = '' }) => {
          const input = {
            decision: body.decision,
            reasons: body.reasons,
            exploitationGrounds: listOf(body.exploitationGrounds),
            cinFactors: listOf(body.cinFactors),
            version: versionOf(body.version),
            ...(body.allocationTeamId === undefined ? {} : { allocationTeamId: body.allocationTeamId }),
          }
          await referrals.decide(signedInActor(request), id, input, requestContext(request))
          return paths.referrals.show(id)
        },
      })

      formPage(app, {
        path: paths.referrals.withdraw,
        access: { capability: 'referral:create' },
        view: VIEWS.withdraw,
        body: { reason: formText(10_000), ...formVersion },
        // Offered while the referral may be withdrawn; a refused withdrawal is shown again on the same page.
        load: (request, { id = '' }, again) => referralFor(request, id, (read) => again || read.canWithdraw),
        values: (loaded) => ({ version: String(loaded.referral.version) }),
        conflictField: 'reason',
        submit: async (request, body, { id = '' }) => {
          const input = { reason: body.reason, version: versionOf(body.version) }
          await referrals.withdraw(signedInActor(request), id, input, requestContext(request))
          return paths.referrals.show(id)
        },
      })
    },
    api: async (app) => {
      app.post(
        paths.api.referrals.pattern,
        apiRoute('referral:create', 'referrals', {
          summary:
            'Refer your recorded concern to the front door: never waits for anyone’s approval; a decision is due one working day on',
          security: [{ bearer: [] }],
          body: ApiSubmit,
          response: { 201: ReferralResponse, ...changeProblems },
        }),
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
        apiRoute('referral:read-own', 'referrals', {
          summary:
            'Your referrals with their status and outcome; or, with ?queue=front-door, the front door’s queue (oldest first, overdue marked)',
          security: [{ bearer: [] }],
          querystring: ListQuery,
          response: { 200: ListResponse, 400: { $ref: 'Problem#' }, ...problems },
        }),
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
        apiRoute('referral:read-own', 'referrals', {
          summary:
            'A referral: the referrer sees its status and outcome only; the front door and the child’s case workers see it all',
          security: [{ bearer: [] }],
          params: apiParams,
          response: { 200: ReadResponse, ...problems },
        }),
        async function referralApiGet(request) {
          const read = await referrals.read(apiActor(request), request.params.id, requestContext(request))
          return { referral: read.referral, transitions: read.transitions }
        },
      )

      /**
       * A move of a referral on its own API route: the same call for each (the caller's version or input,
       * then the referral as it is after the move), so one registration serves the table below.
       */
      const move = <Body extends TObject>(spec: {
        path: PathEntry<`/${string}/:id/${string}`>
        capability: Capability
        operationId: string
        summary: string
        body: Body
        apply: (actor: Actor, id: string, body: Static<Body>, ctx: RequestContext) => Promise<ReferralView>
      }) =>
        app.post(
          spec.path.pattern,
          apiRoute(spec.capability, 'referrals', {
            operationId: spec.operationId,
            summary: spec.summary,
            security: [{ bearer: [] }],
            params: apiParams,
            body: spec.body,
            response: { 200: ReferralResponse, ...changeProblems },
          }),
          async function referralMoveApiPost(request) {
            const body = request.body as Static<Body>
            return {
              referral: await spec.apply(apiActor(request), request.params.id, body, requestContext(request)),
            }
          },
        )

      move({
        path: paths.api.referralReview,
        capability: 'referral:decide',
        operationId: 'referralReviewApiPost',
        summary: 'Start the front door’s review (submitted → in review); 409 when it is not submitted',
        body: ApiVersion,
        apply: (actor, id, body, ctx) => referrals.startReview(actor, id, body.version, ctx),
      })
      move({
        path: paths.api.referralDecision,
        capability: 'referral:decide',
        operationId: 'referralDecisionApiPost',
        summary:
          'Record the front door’s decision with reasons; on exploitation grounds the CCE/CSE flag is set on the child. 409 unless in review',
        body: ApiDecision,
        apply: (actor, id, body, ctx) => referrals.decide(actor, id, body, ctx),
      })
      move({
        path: paths.api.referralWithdraw,
        capability: 'referral:create',
        operationId: 'referralWithdrawApiPost',
        summary:
          'Withdraw an open referral, with a reason (its referrer or the front door); 409 once decided',
        body: ApiWithdraw,
        apply: (actor, id, body, ctx) => referrals.withdraw(actor, id, body, ctx),
      })
    },
  }
}
