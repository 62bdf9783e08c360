import type { FastifyRequest } from 'fastify'
import type { TProperties } from 'typebox'
import { signedInActor } from '../../platform/access/actor.ts'
import { requestContext } from '../../platform/auth/request-context.ts'
import { NotFoundError } from '../../platform/errors.ts'
import { UUID } from '../../platform/identifiers/uuid.ts'
import { paths } from '../../platform/paths.ts'
import type { FeatureRoutes } from '../../platform/surfaces.ts'
import { formText, formVersion, versionOf } from '../../platform/views/form-fields.ts'
import { formPage } from '../../platform/views/form-page.ts'
import type { Services } from '../../services.ts'

const VIEWS = {
  list: 'features/admin-agencies/views/agencies.njk',
  new: 'features/admin-agencies/views/new-agency.njk',
  show: 'features/admin-agencies/views/agency.njk',
}
const access = { capability: 'agency:manage' } as const

export function adminAgencyRoutes(services: Services): FeatureRoutes {
  const agencies = services.adminAgencies

  /** The agency's page, with its forms (rename, add a team, disable or enable). */
  const agencyPage = async (request: FastifyRequest, id: string) => {
    const actor = signedInActor(request)
    const agency = await agencies.find(actor, id)
    return { agency, isOwn: agency.id === actor.agencyId }
  }

  return {
    pages: async (app) => {
      /** A form on the agency's page: a refusal is shown there, with what was typed. */
      const onAgencyPage = (
        path: { readonly pattern: string },
        body: TProperties,
        save: (
          request: FastifyRequest,
          body: Record<string, string | undefined>,
          id: string,
        ) => Promise<string>,
      ) =>
        formPage(app, {
          path,
          postOnly: true,
          access,
          view: VIEWS.show,
          body,
          load: (request, { id = '' }) => agencyPage(request, id),
          values: ({ agency }) => ({ name: agency.name }),
          conflictField: 'name',
          submit: (request, posted, { id = '' }) =>
            save(request, posted as Record<string, string | undefined>, id),
        })

      app.get(paths.admin.agencies, { config: { access } }, async function agenciesGet(request, reply) {
        return reply.view(VIEWS.list, { agencies: await agencies.list(signedInActor(request)) })
      })

      formPage(app, {
        path: paths.admin.agencyNew,
        access,
        view: VIEWS.new,
        body: { name: formText(1000), agencyType: formText(100) },
        load: async () => ({ types: await agencies.types() }),
        conflictField: 'name',
        submit: async (request, body) => {
          const values = { name: body.name ?? '', agencyType: body.agencyType ?? '' }
          const id = await agencies.create(signedInActor(request), values, requestContext(request))
          return paths.admin.agency(id)
        },
      })

      app.get(paths.admin.agency.pattern, { config: { access } }, async function agencyGet(request, reply) {
        const { id } = request.params as { id: string }
        if (!UUID.test(id)) throw new NotFoundError()
        const page = await agencyPage(request, id)
        return reply.view(VIEWS.show, {
          ...page,
          values: { name: page.agency.name },
          csrfToken: reply.csrfToken(),
        })
      })

      onAgencyPage(
        paths.admin.agencyRename,
        { name: formText(1000), ...formVersion },
        async (request, body, id) => {
          const version = versionOf(body.version) ?? 0
          await agencies.rename(signedInActor(request), id, version, body.name ?? '', requestContext(request))
          return paths.admin.agency(id)
        },
      )

      onAgencyPage(paths.admin.agencyTeams, { teamName: formText(1000) }, async (request, body, id) => {
        await agencies.createTeam(signedInActor(request), id, body.teamName ?? '', requestContext(request))
        return `${paths.admin.agency(id)}#teams`
      })

      onAgencyPage(paths.admin.agencyDisable, {}, async (request, _body, id) => {
        await agencies.disable(signedInActor(request), id, requestContext(request))
        return paths.admin.agency(id)
      })

      onAgencyPage(paths.admin.agencyEnable, {}, async (request, _body, id) => {
        await agencies.enable(signedInActor(request), id, requestContext(request))
        return paths.admin.agency(id)
      })
    },
  }
}
