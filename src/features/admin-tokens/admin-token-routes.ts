import type { FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import { signedInActor } from '../../platform/access/actor.ts'
import { requestContext } from '../../platform/auth/request-context.ts'
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
export function adminTokenRoutes(services: Services): FeatureRoutes {
  /** Step 1 chooses the service account (a GET form: works without JavaScript); step 2 its scopes. */
  const newTokenPage = async (request: FastifyRequest, userId: string) => {
    const actor = signedInActor(request)
    const account = userId === '' ? undefined : await services.adminTokens.serviceAccount(actor, userId)
    return {
      accounts: await services.adminTokens.serviceAccounts(actor),
      account,
      scopes: account === undefined ? [] : grantedScopes(account.roles),
      maxDays: MAX_TOKEN_DAYS,
    }
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
            return reply.code(400).view(VIEWS.new, {
              ...(await newTokenPage(request, '')),
              values,
              csrfToken: reply.csrfToken(),
              ...formErrors(error),
            })
          }
          return reply.view(VIEWS.new, {
            ...(await newTokenPage(request, userId)),
            values,
            csrfToken: reply.csrfToken(),
          })
        },
      )

      // The new token is shown once, on the page that answers the form; a refusal keeps what was typed (an
      // account that cannot have a token is chosen again).
      formPage(app, {
        path: paths.admin.tokenNew,
        postOnly: true,
        access,
        view: VIEWS.new,
        body: { user: formText(64), name: formText(1000), scopes: formMany(60, 40), days: formText(20) },
        load: (request) => newTokenPage(request, (request.body as { user?: string } | undefined)?.user ?? ''),
        keep: (posted) => ({ ...posted, scopes: listOf(posted.scopes) }),
        conflictField: 'name',
        submit: async (request, body) => {
          const input = {
            userId: body.user ?? '',
            name: body.name ?? '',
            scopes: listOf(body.scopes),
            days: body.days ?? '',
          }
          const made = await services.adminTokens.create(
            signedInActor(request),
            input,
            requestContext(request),
          )
          return {
            view: VIEWS.created,
            data: { token: made.token, account: made.account, days: made.expiresInDays },
          }
        },
      })

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
