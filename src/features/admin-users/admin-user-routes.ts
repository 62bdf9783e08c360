import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import { signedInActor } from '../../platform/access/actor.ts'
import { ROLES } from '../../platform/access/roles.ts'
import { requestContext } from '../../platform/auth/request-context.ts'
import { ConflictError, NotFoundError, ValidationError } from '../../platform/errors.ts'
import { paths } from '../../platform/paths.ts'
import type { Services } from '../../services.ts'
import { formErrors } from '../sign-in/form-errors.ts'

const hidden = { hide: true } as const
const VIEWS = { list: 'features/admin-users/views/users.njk', show: 'features/admin-users/views/user.njk' }
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const manage = { access: { capability: 'user:manage' as const } }
const Params = Type.Object({ id: Type.String({ maxLength: 64 }) })
const RolesBody = Type.Object(
  {
    roles: Type.Optional(
      Type.Union([
        Type.String({ maxLength: 40 }),
        Type.Array(Type.String({ maxLength: 40 }), { maxItems: 20 }),
      ]),
    ),
    version: Type.Optional(Type.String({ maxLength: 12 })),
    _csrf: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
)

export function adminUserRoutes(services: Services): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(paths.admin.users, { config: manage, schema: hidden }, async function usersGet(request, reply) {
      const users = await services.adminUsers.list(signedInActor(request))
      return reply.view(VIEWS.list, { users, roleLabels: await services.adminUsers.roleLabels() })
    })

    const show = async (
      request: FastifyRequest,
      reply: FastifyReply,
      id: string,
      extra: Record<string, unknown> = {},
      status = 200,
    ) => {
      if (!UUID.test(id)) throw new NotFoundError()
      const user = await services.adminUsers.find(signedInActor(request), id)
      return reply.code(status).view(VIEWS.show, {
        user,
        roles: ROLES,
        roleLabels: await services.adminUsers.roleLabels(),
        csrfToken: reply.csrfToken(),
        isSelf: user.id === request.user?.id,
        ...extra,
      })
    }

    app.get(
      `${paths.admin.users}/:id`,
      { config: manage, schema: { ...hidden, params: Params } },
      async function userGet(request, reply) {
        return show(request, reply, request.params.id)
      },
    )

    app.post(
      `${paths.admin.users}/:id/roles`,
      { config: manage, schema: { ...hidden, params: Params, body: RolesBody } },
      async function userRolesPost(request, reply) {
        const { id } = request.params
        if (!UUID.test(id)) throw new NotFoundError()
        const roles = [request.body.roles ?? []].flat()
        const version = Number(request.body.version)
        try {
          if (!Number.isInteger(version)) throw new ConflictError()
          await services.adminUsers.setRoles(
            signedInActor(request),
            id,
            version,
            roles,
            requestContext(request),
          )
        } catch (error) {
          if (error instanceof ValidationError) {
            return show(request, reply, id, { ...formErrors(error.fieldErrors), chosen: roles }, 400)
          }
          if (error instanceof ConflictError) {
            const message =
              'Someone else changed this account while you were editing it. Check the roles below and save again.'
            return show(
              request,
              reply,
              id,
              { ...formErrors([{ field: 'roles', message }]), chosen: roles },
              409,
            )
          }
          throw error
        }
        return reply.redirect(paths.admin.user(id), 303)
      },
    )

    app.post(
      `${paths.admin.users}/:id/disable`,
      {
        config: manage,
        schema: {
          ...hidden,
          params: Params,
          body: Type.Object({ _csrf: Type.Optional(Type.String({ maxLength: 200 })) }),
        },
      },
      async function userDisablePost(request, reply) {
        const { id } = request.params
        if (!UUID.test(id)) throw new NotFoundError()
        try {
          await services.adminUsers.disable(signedInActor(request), id, requestContext(request))
        } catch (error) {
          if (error instanceof ValidationError)
            return show(request, reply, id, formErrors(error.fieldErrors), 400)
          throw error
        }
        return reply.redirect(paths.admin.user(id), 303)
      },
    )
  }
}
