import type { FastifyReply, FastifyRequest } from 'fastify'
import { Type, type TProperties } from 'typebox'
import { signedInActor } from '../../platform/access/actor.ts'
import { ROLES } from '../../platform/access/roles.ts'
import { requestContext } from '../../platform/auth/request-context.ts'
import { NotFoundError, ValidationError } from '../../platform/errors.ts'
import { UUID } from '../../platform/identifiers/uuid.ts'
import { paths } from '../../platform/paths.ts'
import type { FeatureRoutes } from '../../platform/surfaces.ts'
import { formErrors } from '../../platform/views/form-errors.ts'
import { formMany, formText, formVersion, listOf, versionOf } from '../../platform/views/form-fields.ts'
import { formPage, type FormValues } from '../../platform/views/form-page.ts'
import type { Services } from '../../services.ts'
import type { AdminUserSummary } from './admin-user-service.ts'

const VIEWS = {
  list: 'features/admin-users/views/users.njk',
  show: 'features/admin-users/views/user.njk',
  new: 'features/admin-users/views/new-user.njk',
  link: 'features/admin-users/views/set-up-link.njk',
}
const access = { capability: 'user:manage' } as const
const DetailsFields = {
  displayName: formText(1000),
  email: formText(1000),
  agency: formText(100),
  team: formText(100),
}
const roles = formMany(20, 40)
const NewBody = Type.Object(
  { ...DetailsFields, roles, kind: formText(20), _csrf: formText(200) },
  { additionalProperties: false },
)
type Posted = Record<string, string | string[] | undefined>

/** The form's fields as the service takes them (absent fields are empty). */
const accountInput = (body: Posted) => ({
  displayName: String(body.displayName ?? ''),
  email: String(body.email ?? ''),
  agencyId: String(body.agency ?? ''),
  teamId: String(body.team ?? ''),
})

/** What the account's forms show for the stored account. */
const storedValues = (user: AdminUserSummary): FormValues => ({
  displayName: user.displayName,
  email: user.email,
  agency: user.agencyId,
  team: user.teamId ?? '',
  roles: user.roles,
})

/** The full set-up link to hand to the person: this server's address, as the administrator reached it. */
const setUpUrl = (request: FastifyRequest, token: string) =>
  `${request.protocol}://${request.host}${paths.account.setUp(token)}`

export function adminUserRoutes(services: Services): FeatureRoutes {
  const accounts = services.adminUsers

  /** Everything the account's page shows beside its forms' values. */
  const userPage = async (request: FastifyRequest, id: string) => {
    const actor = signedInActor(request)
    const user = await accounts.find(actor, id)
    return {
      user,
      options: await accounts.options(actor),
      pendingSetUp: await accounts.pendingSetUp(actor, id),
      roles: ROLES,
      roleLabels: await accounts.roleLabels(),
      isSelf: user.id === request.user?.id,
    }
  }

  const showPage = async (
    request: FastifyRequest,
    reply: FastifyReply,
    id: string,
    status = 200,
    errors = {},
  ) => {
    const page = await userPage(request, id)
    return reply
      .code(status)
      .view(VIEWS.show, { ...page, values: storedValues(page.user), csrfToken: reply.csrfToken(), ...errors })
  }

  /** The one-time set-up link, shown once on its own page (never in a URL). */
  const linkPage = async (
    request: FastifyRequest,
    reply: FastifyReply,
    id: string,
    made: { token: string; expiresAt: Date },
    isNew: boolean,
  ) =>
    reply.view(VIEWS.link, {
      user: await accounts.find(signedInActor(request), id),
      link: setUpUrl(request, made.token),
      expiresAt: made.expiresAt,
      isNew,
    })

  const newPage = async (
    request: FastifyRequest,
    reply: FastifyReply,
    values: FormValues,
    status = 200,
    errors = {},
  ) =>
    reply.code(status).view(VIEWS.new, {
      values,
      options: await accounts.options(signedInActor(request)),
      roles: ROLES,
      roleLabels: await accounts.roleLabels(),
      csrfToken: reply.csrfToken(),
      ...errors,
    })

  const idOf = (request: FastifyRequest) => {
    const { id } = request.params as { id: string }
    if (!UUID.test(id)) throw new NotFoundError()
    return id
  }

  return {
    pages: async (app) => {
      /** A form on the account's page: a refusal is shown there, with what was typed. */
      const onUserPage = (
        path: { readonly pattern: string },
        body: TProperties,
        save: (request: FastifyRequest, body: Posted, id: string) => Promise<void>,
      ) =>
        formPage(app, {
          path,
          postOnly: true,
          access,
          view: VIEWS.show,
          body,
          load: (request, { id = '' }) => userPage(request, id),
          values: ({ user }) => storedValues(user),
          // A list of roles is kept as a list (one ticked box is posted as a string).
          keep: (posted) => {
            const form = posted as Posted
            return 'roles' in body ? { ...form, roles: listOf(form.roles) } : form
          },
          conflictField: 'roles' in body ? 'roles' : 'displayName',
          submit: async (request, posted, { id = '' }) => {
            await save(request, posted as Posted, id)
            return paths.admin.user(id)
          },
        })

      app.get(paths.admin.users, { config: { access } }, async function usersGet(request, reply) {
        const users = await accounts.list(signedInActor(request))
        return reply.view(VIEWS.list, { users, roleLabels: await accounts.roleLabels() })
      })

      app.get(paths.admin.userNew, { config: { access } }, async function userNewGet(request, reply) {
        return newPage(request, reply, { kind: 'person', roles: [] })
      })

      // Not a plain form page: a person's new account answers with its one-time set-up link, shown once.
      app.post(
        paths.admin.userNew,
        { config: { access }, schema: { body: NewBody } },
        async function userNewPost(request, reply) {
          const body = request.body as Posted
          const chosen = listOf(body.roles)
          const serviceAccount = body.kind === 'service'
          try {
            const created = await accounts.create(
              signedInActor(request),
              { ...accountInput(body), roles: chosen, serviceAccount },
              requestContext(request),
            )
            if (created.setUp === undefined) return await reply.redirect(paths.admin.user(created.id), 303)
            return await linkPage(request, reply, created.id, created.setUp, true)
          } catch (error) {
            if (!(error instanceof ValidationError)) throw error
            const values = { ...body, roles: chosen, kind: serviceAccount ? 'service' : 'person' }
            return newPage(request, reply, values, 400, formErrors(error.fieldErrors))
          }
        },
      )

      app.get(paths.admin.user.pattern, { config: { access } }, async function userGet(request, reply) {
        return showPage(request, reply, idOf(request))
      })

      onUserPage(paths.admin.userDetails, { ...DetailsFields, ...formVersion }, async (request, body, id) => {
        const version = versionOf(String(body.version ?? '')) ?? 0
        await accounts.updateDetails(
          signedInActor(request),
          id,
          version,
          accountInput(body),
          requestContext(request),
        )
      })

      onUserPage(paths.admin.userRoles, { roles, ...formVersion }, async (request, body, id) => {
        const version = versionOf(String(body.version ?? '')) ?? 0
        await accounts.setRoles(
          signedInActor(request),
          id,
          version,
          listOf(body.roles),
          requestContext(request),
        )
      })

      onUserPage(paths.admin.userEnable, {}, async (request, _body, id) => {
        await accounts.enable(signedInActor(request), id, requestContext(request))
      })

      onUserPage(paths.admin.userDisable, {}, async (request, _body, id) => {
        await accounts.disable(signedInActor(request), id, requestContext(request))
      })

      // A new set-up link is shown once, on its own page; a refusal on the account's page.
      app.post(
        paths.admin.userSetUpLink.pattern,
        {
          config: { access },
          schema: { body: Type.Object({ _csrf: formText(200) }, { additionalProperties: false }) },
        },
        async function userSetUpLinkPost(request, reply) {
          const id = idOf(request)
          try {
            const made = await accounts.issueSetUpLink(signedInActor(request), id, requestContext(request))
            return await linkPage(request, reply, id, made, false)
          } catch (error) {
            if (error instanceof ValidationError) {
              return showPage(request, reply, id, 400, formErrors(error.fieldErrors))
            }
            throw error
          }
        },
      )
    },
  }
}
