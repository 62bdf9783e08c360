import type { FastifyReply, FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import { signedInActor } from '../../platform/access/actor.ts'
import { ROLES } from '../../platform/access/roles.ts'
import { requestContext } from '../../platform/auth/request-context.ts'
import { ConflictError, NotFoundError, ValidationError } from '../../platform/errors.ts'
import { paths } from '../../platform/paths.ts'
import type { Services } from '../../services.ts'
import type { FeatureRoutes } from '../../platform/surfaces.ts'
import { formErrors } from '../../platform/views/form-errors.ts'

const hidden = { hide: true } as const
const VIEWS = {
  list: 'features/admin-users/views/users.njk',
  show: 'features/admin-users/views/user.njk',
  new: 'features/admin-users/views/new-user.njk',
  link: 'features/admin-users/views/set-up-link.njk',
}
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
const text = (max: number) => Type.Optional(Type.String({ maxLength: max }))
const DetailsFields = {
  displayName: text(1000),
  email: text(1000),
  agency: text(100),
  team: text(100),
  version: text(12),
  _csrf: text(200),
}
const DetailsBody = Type.Object(DetailsFields, { additionalProperties: false })
const NewBody = Type.Object(
  { ...DetailsFields, roles: RolesBody.properties.roles, kind: text(20) },
  { additionalProperties: false },
)
const CsrfOnly = Type.Object({ _csrf: text(200) }, { additionalProperties: false })
const STALE =
  'Someone else changed this account while you were editing it. Check the account below and save again.'

/** The form's fields as the service takes them (absent fields are empty). */
const accountInput = (body: { displayName?: string; email?: string; agency?: string; team?: string }) => ({
  displayName: body.displayName ?? '',
  email: body.email ?? '',
  agencyId: body.agency ?? '',
  teamId: body.team ?? '',
})

/** The full set-up link to hand to the person: this server's address, as the administrator reached it. */
const setUpUrl = (request: FastifyRequest, token: string) =>
  `${request.protocol}://${request.host}${paths.account.setUp(token)}`

export function adminUserRoutes(services: Services): FeatureRoutes {
  const show = async (
    request: FastifyRequest,
    reply: FastifyReply,
    id: string,
    extra: Record<string, unknown> = {},
    status = 200,
  ) => {
    if (!UUID.test(id)) throw new NotFoundError()
    const actor = signedInActor(request)
    const user = await services.adminUsers.find(actor, id)
    return reply.code(status).view(VIEWS.show, {
      user,
      details: {
        displayName: user.displayName,
        email: user.email,
        agency: user.agencyId,
        team: user.teamId ?? '',
      },
      options: await services.adminUsers.options(actor),
      pendingSetUp: await services.adminUsers.pendingSetUp(actor, id),
      roles: ROLES,
      roleLabels: await services.adminUsers.roleLabels(),
      csrfToken: reply.csrfToken(),
      isSelf: user.id === request.user?.id,
      ...extra,
    })
  }

  const renderNew = async (
    request: FastifyRequest,
    reply: FastifyReply,
    values: Record<string, unknown>,
    extra: Record<string, unknown> = {},
    status = 200,
  ) =>
    reply.code(status).view(VIEWS.new, {
      values,
      options: await services.adminUsers.options(signedInActor(request)),
      roles: ROLES,
      roleLabels: await services.adminUsers.roleLabels(),
      csrfToken: reply.csrfToken(),
      ...extra,
    })

  return {
    pages: async (app) => {
      app.get(paths.admin.users, { config: manage, schema: hidden }, async function usersGet(request, reply) {
        const users = await services.adminUsers.list(signedInActor(request))
        return reply.view(VIEWS.list, { users, roleLabels: await services.adminUsers.roleLabels() })
      })

      app.get(
        paths.admin.userNew,
        { config: manage, schema: hidden },
        async function userNewGet(request, reply) {
          return renderNew(request, reply, { kind: 'person', roles: [] })
        },
      )

      app.post(
        paths.admin.userNew,
        { config: manage, schema: { ...hidden, body: NewBody } },
        async function userNewPost(request, reply) {
          const body = request.body
          const roles = [body.roles ?? []].flat()
          const serviceAccount = body.kind === 'service'
          try {
            const created = await services.adminUsers.create(
              signedInActor(request),
              { ...accountInput(body), roles, serviceAccount },
              requestContext(request),
            )
            if (created.setUp === undefined) return await reply.redirect(paths.admin.user(created.id), 303)
            return await reply.view(VIEWS.link, {
              user: await services.adminUsers.find(signedInActor(request), created.id),
              link: setUpUrl(request, created.setUp.token),
              expiresAt: created.setUp.expiresAt,
              isNew: true,
            })
          } catch (error) {
            if (!(error instanceof ValidationError)) throw error
            const values = { ...body, roles, kind: serviceAccount ? 'service' : 'person' }
            return renderNew(request, reply, values, formErrors(error.fieldErrors), 400)
          }
        },
      )

      app.post(
        paths.admin.userDetails.pattern,
        { config: manage, schema: { ...hidden, params: Params, body: DetailsBody } },
        async function userDetailsPost(request, reply) {
          const { id } = request.params
          if (!UUID.test(id)) throw new NotFoundError()
          const body = request.body
          const details = {
            displayName: body.displayName,
            email: body.email,
            agency: body.agency,
            team: body.team,
          }
          try {
            const version = Number(body.version)
            if (!Number.isInteger(version)) throw new ConflictError()
            await services.adminUsers.updateDetails(
              signedInActor(request),
              id,
              version,
              accountInput(body),
              requestContext(request),
            )
          } catch (error) {
            if (error instanceof ValidationError) {
              return show(request, reply, id, { ...formErrors(error.fieldErrors), details }, 400)
            }
            if (error instanceof ConflictError) {
              return show(
                request,
                reply,
                id,
                { ...formErrors([{ field: 'displayName', message: STALE }]), details },
                409,
              )
            }
            throw error
          }
          return reply.redirect(paths.admin.user(id), 303)
        },
      )

      app.post(
        paths.admin.userEnable.pattern,
        { config: manage, schema: { ...hidden, params: Params, body: CsrfOnly } },
        async function userEnablePost(request, reply) {
          const { id } = request.params
          if (!UUID.test(id)) throw new NotFoundError()
          await services.adminUsers.enable(signedInActor(request), id, requestContext(request))
          return reply.redirect(paths.admin.user(id), 303)
        },
      )

      app.post(
        paths.admin.userSetUpLink.pattern,
        { config: manage, schema: { ...hidden, params: Params, body: CsrfOnly } },
        async function userSetUpLinkPost(request, reply) {
          const { id } = request.params
          if (!UUID.test(id)) throw new NotFoundError()
          const actor = signedInActor(request)
          try {
            const made = await services.adminUsers.issueSetUpLink(actor, id, requestContext(request))
            return await reply.view(VIEWS.link, {
              user: await services.adminUsers.find(actor, id),
              link: setUpUrl(request, made.token),
              expiresAt: made.expiresAt,
              isNew: false,
            })
          } catch (error) {
            if (error instanceof ValidationError)
              return show(request, reply, id, formErrors(error.fieldErrors), 400)
            throw error
          }
        },
      )

      app.get(
        paths.admin.user.pattern,
        { config: manage, schema: { ...hidden, params: Params } },
        async function userGet(request, reply) {
          return show(request, reply, request.params.id)
        },
      )

      app.post(
        paths.admin.userRoles.pattern,
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
        paths.admin.userDisable.pattern,
        {
          config: manage,
          schema: { ...hidden, params: Params, body: CsrfOnly },
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
    },
  }
}
