import type { FastifyReply, FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import { signedInActor } from '../../platform/access/actor.ts'
import { requestContext } from '../../platform/auth/request-context.ts'
import { ValidationError } from '../../platform/errors.ts'
import { paths } from '../../platform/paths.ts'
import type { FeatureRoutes } from '../../platform/surfaces.ts'
import { formErrors } from '../../platform/views/form-errors.ts'
import { formMany, formText, listOf } from '../../platform/views/form-fields.ts'
import { formPage } from '../../platform/views/form-page.ts'
import type { Services } from '../../services.ts'
import { grantedScopes, MAX_TOKEN_DAYS } from './admin-token-service.ts'

const VIEWS = {
  list: 'features/admin-tokens/views/tokens.njk',
  new: 'features/admin-tokens/views/new-token.njk',
  created: 'features/admin-tokens/views/token-created.njk',
  revoke: 'features/admin-tokens/views/revoke.njk',
}
const access = { capability: 'token:manage' } as const
const manage = { access }
const NewQuery = Type.Object({ user: formText(64) }, { additionalProperties: false })
const NewBody = Type.Object(
  {
    user: formText(64),
    name: formText(1000),
    scopes: formMany(60, 40),
    days: formText(20),
    _csrf: formText(200),
  },
  { additionalProperties: false },
)

export function adminTokenRoutes(services: Services): FeatureRoutes {
  /** Step 1 chooses the service account (a GET form: works without JavaScript); step 2 its scopes. */
  const renderNew = async (
    request: FastifyRequest,
    reply: FastifyReply,
    userId: string,
    values: Record<string, unknown>,
    extra: Record<string, unknown> = {},
    status = 200,
  ) => {
    const actor = signedInActor(request)
    const account = userId === '' ? undefined : await services.adminTokens.serviceAccount(actor, userId)
    return reply.code(status).view(VIEWS.new, {
      accounts: await services.adminTokens.serviceAccounts(actor),
      account,
      scopes: account === undefined ? [] : grantedScopes(account.roles),
      maxDays: MAX_TOKEN_DAYS,
      values,
      csrfToken: reply.csrfToken(),
      ...extra,
    })
  }

  return {
    pages: async (app) => {
      app.get(paths.admin.tokens, { config: manage }, async function tokensGet(request, reply) {
        const actor = signedInActor(request)
        return reply.view(VIEWS.list, {
          tokens: await services.adminTokens.list(actor),
          serviceAccounts: (await services.adminTokens.serviceAccounts(actor)).length,
        })
      })

      app.get(
        paths.admin.tokenNew,
        { config: manage, schema: { querystring: NewQuery } },
        async function tokenNewGet(request, reply) {
          const userId = request.query.user ?? ''
          const values = { user: userId, days: '90', scopes: [] }
          if (
            userId !== '' &&
            (await services.adminTokens.serviceAccount(signedInActor(request), userId)) === undefined
          ) {
            const error = [{ field: 'user', message: 'Choose an active service account' }]
            return renderNew(request, reply, '', values, formErrors(error), 400)
          }
          return renderNew(request, reply, userId, values)
        },
      )

      app.post(
        paths.admin.tokenNew,
        // Not a plain form page: the new token is shown once, on the page that answers the form.
        { config: manage, schema: { body: NewBody } },
        async function tokenNewPost(request, reply) {
          const body = request.body
          const scopes = listOf(body.scopes)
          const input = { userId: body.user ?? '', name: body.name ?? '', scopes, days: body.days ?? '' }
          try {
            const made = await services.adminTokens.create(
              signedInActor(request),
              input,
              requestContext(request),
            )
            return await reply.view(VIEWS.created, {
              token: made.token,
              account: made.account,
              days: made.expiresInDays,
            })
          } catch (error) {
            if (!(error instanceof ValidationError)) throw error
            const values = { user: input.userId, name: input.name, scopes, days: input.days }
            const unknownAccount = error.fieldErrors.some((e) => e.field === 'user')
            return renderNew(
              request,
              reply,
              unknownAccount ? '' : input.userId,
              values,
              formErrors(error.fieldErrors),
              400,
            )
          }
        },
      )

      // Revoking is confirmed on its own page; another partnership's token is not found.
      formPage(app, {
        path: paths.admin.tokenRevoke,
        access,
        view: VIEWS.revoke,
        body: {},
        load: async (request, { id = '' }) => ({
          token: await services.adminTokens.find(signedInActor(request), id),
        }),
        conflictField: 'revoke',
        submit: async (request, _body, { id = '' }) => {
          await services.adminTokens.revoke(signedInActor(request), id, requestContext(request))
          return paths.admin.tokens
        },
      })
    },
  }
}
