import type { FastifyReply, FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import { requireUser } from '../../platform/auth/require-user.ts'
import { NotFoundError } from '../../platform/errors.ts'
import { paths } from '../../platform/paths.ts'
import type { Services } from '../../services.ts'
import type { FeatureRoutes } from '../../platform/surfaces.ts'
import { formErrors } from '../../platform/views/form-errors.ts'
import { formText } from '../../platform/views/form-fields.ts'
import { requestContext } from '../../platform/auth/request-context.ts'
import { actorOf } from '../../platform/access/actor.ts'
import { can } from '../../platform/access/policy.ts'

const VIEWS = {
  home: 'features/account/views/home.njk',
  account: 'features/account/views/account.njk',
  setUp: 'features/account/views/security-code-set-up.njk',
  recoveryCodes: 'features/account/views/recovery-codes.njk',
}

export function accountRoutes(services: Services): FeatureRoutes {
  /**
   * Enrolment: a user signing in who must set up a security code (stage 'set-up'), or a signed-in user who
   * chooses to. Anyone else is sent to sign in.
   */
  const enrollingUser = (request: FastifyRequest, reply: FastifyReply): string | undefined => {
    if (request.session.get('stage') === 'set-up') return request.session.get('userId')
    return requireUser(request, reply)?.id
  }

  /** The signed-in user's profile (undefined when they were sent to sign in). */
  const profileOf = async (request: FastifyRequest, reply: FastifyReply) => {
    const user = requireUser(request, reply)
    if (user === undefined) return undefined
    const profile = await services.auth.profile(user.id)
    if (profile === undefined) throw new NotFoundError()
    return { user, profile }
  }

  return {
    pages: async (app) => {
      app.get(paths.home, { config: { access: 'signed-in' } }, async function homeGet(request, reply) {
        const found = await profileOf(request, reply)
        if (found === undefined) return reply
        const { user, profile } = found
        // t13: each role's work, for those who work with records.
        const work = can(actorOf(user), 'person:read')
          ? await services.tasks.summary(actorOf(user))
          : undefined
        return reply.view(VIEWS.home, {
          profile,
          canReadAudit: can(actorOf(user), 'audit:read'),
          canReadPeople: can(actorOf(user), 'person:read'),
          canSearchPeople: can(actorOf(user), 'person:search'),
          canRaiseConcern: can(actorOf(user), 'concern:create'),
          canReadOwnReferrals: can(actorOf(user), 'referral:read-own'),
          canWorkFrontDoor: can(actorOf(user), 'referral:queue'),
          canRecordPlaces: can(actorOf(user), 'link:write'),
          canReviewBreakGlass: can(actorOf(user), 'break-glass:review'),
          // Suggested links (i12-suggest).
          canReviewSuggestions: can(actorOf(user), 'link:review'),
          canManageUsers: can(actorOf(user), 'user:manage'),
          canManageAgencies: can(actorOf(user), 'agency:manage'),
          canManageTokens: can(actorOf(user), 'token:manage'),
          canReadIntelligence: can(actorOf(user), 'intelligence:read'),
          canRecordIntelligence: can(actorOf(user), 'intelligence:write'),
          // Street terms (issue 12, slice i12-terms)
          canManageStreetTerms: can(actorOf(user), 'reference:manage'),
          // a13: allocation (issue 13): children waiting in the teams the user manages, and those allocated to them.
          allocationsWaiting: await services.allocations.waitingFor(actorOf(user), requestContext(request)),
          allocatedToMe: await services.allocations.allocatedTo(actorOf(user), requestContext(request)),
          canManageAllocations: can(actorOf(user), 'allocation:manage'),
          // t13: the task engine.
          work,
        })
      })

      app.get(
        paths.account.show,
        { config: { access: 'signed-in' } },
        async function accountGet(request, reply) {
          const found = await profileOf(request, reply)
          if (found === undefined) return reply
          return reply.view(VIEWS.account, { profile: found.profile })
        },
      )

      app.get(
        paths.account.securityCodeSetUp,
        { config: { access: 'public' } },
        async function securityCodeSetUpGet(request, reply) {
          const userId = enrollingUser(request, reply)
          if (userId === undefined) return reply
          const enrolment = await services.auth.startEnrolment(userId)
          if (enrolment === undefined) return reply.redirect(paths.account.show, 303)
          return reply.view(VIEWS.setUp, { enrolment, csrfToken: reply.csrfToken() })
        },
      )

      app.post(
        paths.account.securityCodeSetUp,
        {
          config: { access: 'public' },
          schema: {
            body: Type.Object({ code: formText(64), _csrf: formText(200) }, { additionalProperties: false }),
          },
        },
        async function securityCodeSetUpPost(request, reply) {
          const userId = enrollingUser(request, reply)
          if (userId === undefined) return reply
          const code = (request.body.code ?? '').trim()
          const signingIn = request.session.get('stage') === 'set-up'
          const codes =
            code === ''
              ? undefined
              : await services.auth.confirmEnrolment(userId, code, requestContext(request))
          if (codes === undefined) {
            const enrolment = await services.auth.startEnrolment(userId)
            if (enrolment === undefined) return reply.redirect(paths.account.show, 303)
            const message =
              code === ''
                ? 'Enter the 6-digit security code from your authenticator app'
                : 'Enter a correct security code. Check the app shows a code for this service and try the newest one'
            return reply.code(400).view(VIEWS.setUp, {
              enrolment,
              ...formErrors([{ field: 'code', message }]),
              csrfToken: reply.csrfToken(),
            })
          }
          request.session.regenerate({ userId, stage: 'signed-in' })
          if (signingIn) {
            await services.auth.recordSignIn(
              userId,
              'password-and-new-security-code',
              requestContext(request),
            )
          }
          request.log.info({ event: 'security-code-enabled', userId }, 'security code set up')
          // Shown once, in this response; only their hashes are kept.
          return reply.view(VIEWS.recoveryCodes, { codes })
        },
      )
    },
  }
}
