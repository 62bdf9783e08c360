import type { FastifyRequest } from 'fastify'
import type { TProperties } from 'typebox'
import { signedInActor } from '../../platform/access/actor.ts'
import { ROLES } from '../../platform/access/roles.ts'
import { requestContext } from '../../platform/auth/request-context.ts'
import { NotFoundError } from '../../platform/errors.ts'
import { UUID } from '../../platform/identifiers/uuid.ts'
import { paths } from '../../platform/paths.ts'
import type { FeatureRoutes } from '../../platform/surfaces.ts'
import { formMany, formText, formVersion, listOf, versionOf } from '../../platform/views/form-fields.ts'
import { formPage, type FormValues, type ShownOnce } from '../../platform/views/form-page.ts'
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

  /** The one-time set-up link, shown once on its own page (never in a URL). */
  const linkPage = async (
    request: FastifyRequest,
    id: string,
    made: { token: string; expiresAt: Date },
    isNew: boolean,
  ): Promise<ShownOnce> => ({
    view: VIEWS.link,
    data: {
      user: await accounts.find(signedInActor(request), id),
      link: setUpUrl(request, made.token),
      expiresAt: made.expiresAt,
      isNew,
    },
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

      // A person's new account answers with its one-time set-up link, shown once; a service account's page next.
      formPage(app, {
        path: paths.admin.userNew,
        access,
        view: VIEWS.new,
        body: { ...DetailsFields, roles, kind: formText(20) },
        load: async (request) => ({
          options: await accounts.options(signedInActor(request)),
          roles: ROLES,
          roleLabels: await accounts.roleLabels(),
        }),
        values: () => ({ kind: 'person', roles: [] }),
        keep: (posted) => ({
          ...posted,
          roles: listOf(posted.roles),
          kind: posted.kind === 'service' ? 'service' : 'person',
        }),
        conflictField: 'displayName',
        submit: async (request, body) => {
          const input = {
            ...accountInput(body),
            roles: listOf(body.roles),
            serviceAccount: body.kind === 'service',
          }
          const created = await accounts.create(signedInActor(request), input, requestContext(request))
          if (created.setUp === undefined) return paths.admin.user(created.id)
          return linkPage(request, created.id, created.setUp, true)
        },
      })

      app.get(paths.admin.user.pattern, { config: { access } }, async function userGet(request, reply) {
        const page = await userPage(request, idOf(request))
        return reply.view(VIEWS.show, {
          ...page,
          values: storedValues(page.user),
          csrfToken: reply.csrfToken(),
        })
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
      formPage(app, {
        path: paths.admin.userSetUpLink,
        postOnly: true,
        access,
        view: VIEWS.show,
        body: {},
        load: (request, { id = '' }) => userPage(request, id),
        values: ({ user }) => storedValues(user),
        conflictField: 'setUpLink',
        submit: async (request, _body, { id = '' }) => {
          const made = await accounts.issueSetUpLink(signedInActor(request), id, requestContext(request))
          return linkPage(request, id, made, false)
        },
      })
    },
  }
}
