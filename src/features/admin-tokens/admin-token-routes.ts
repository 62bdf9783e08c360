import type { FastifyReply, FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import { signedInActor } from '../../platform/access/actor.ts'
import { requestContext } from '../../platform/auth/request-context.ts'
import { NotFoundError, ValidationError } from '../../platform/errors.ts'
import { paths } from '../../platform/paths.ts'
import type { Services } from '../../services.ts'
import type { FeatureRoutes } from '../../platform/surfaces.ts'
import { formErrors } from '../../platform/views/form-errors.ts'
import { grantedScopes, MAX_TOKEN_DAYS } from './admin-token-service.ts'

const hidden = { hide: true } as const
const VIEWS = {
  list: 'features/admin-tokens/views/tokens.njk',
  new: 'features/admin-tokens/views/new-token.njk',
  created: 'features/admin-tokens/views/token-created.njk',
  revoke: 'features/admin-tokens/views/revoke.njk',
}
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const manage = { access: { capability: 'token:manage' as const } }
const text = (max: number) => Type.Optional(Type.String({ maxLength: max }))
const Params = Type.Object({ id: Type.String({ maxLength: 64 }) })
const NewQuery = Type.Object({ user: text(64) }, { additionalProperties: false })
const NewBody = Type.Object(
  {
    user: text(64),
    name: text(1000),
    scopes: Type.Optional(
      Type.Union([
        Type.String({ maxLength: 40 }),
        Type.Array(Type.String({ maxLength: 40 }), { maxItems: 60 }),
      ]),
    ),
    days: text(20),
    _csrf: text(200),
  },
  { additionalProperties: false },
)
const CsrfOnly = Type.Object({ _csrf: text(200) }, { additionalProperties: false })

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

  const revokePage = (request: FastifyRequest, reply: FastifyReply, id: string) => async () => {
    if (!UUID.test(id)) throw new NotFoundError()
    const token = await services.adminTokens.find(signedInActor(request), id)
    return reply.view(VIEWS.revoke, { token, csrfToken: reply.csrfToken() })
  }

  return {
    pages: async (app) => {
      app.get(
        paths.admin.tokens,
        { config: manage, schema: hidden },
        async function tokensGet(request, reply) {
          const actor = signedInActor(request)
          return reply.view(VIEWS.list, {
            tokens: await services.adminTokens.list(actor),
            serviceAccounts: (await services.adminTokens.serviceAccounts(actor)).length,
          })
        },
      )

      app.get(
        paths.admin.tokenNew,
        { config: manage, schema: { ...hidden, querystring: NewQuery } },
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
        { config: manage, schema: { ...hidden, body: NewBody } },
        async function tokenNewPost(request, reply) {
          const body = request.body
          const scopes = [body.scopes ?? []].flat()
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

      app.get(
        paths.admin.tokenRevoke.pattern,
        { config: manage, schema: { ...hidden, params: Params } },
        async function tokenRevokeGet(request, reply) {
          return revokePage(request, reply, request.params.id)()
        },
      )

      app.post(
        paths.admin.tokenRevoke.pattern,
        { config: manage, schema: { ...hidden, params: Params, body: CsrfOnly } },
        async function tokenRevokePost(request, reply) {
          const { id } = request.params
          if (!UUID.test(id)) throw new NotFoundError()
          await services.adminTokens.revoke(signedInActor(request), id, requestContext(request))
          return reply.redirect(paths.admin.tokens, 303)
        },
      )
    },
  }
}
