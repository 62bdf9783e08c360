import type { FastifyReply, FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import { signedInActor } from '../../platform/access/actor.ts'
import { requestContext } from '../../platform/auth/request-context.ts'
import { ConflictError, NotFoundError, ValidationError } from '../../platform/errors.ts'
import { paths } from '../../platform/paths.ts'
import type { Services } from '../../services.ts'
import type { FeatureRoutes } from '../../platform/surfaces.ts'
import { formErrors } from '../../platform/views/form-errors.ts'

const hidden = { hide: true } as const
const VIEWS = {
  list: 'features/admin-agencies/views/agencies.njk',
  new: 'features/admin-agencies/views/new-agency.njk',
  show: 'features/admin-agencies/views/agency.njk',
}
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const manage = { access: { capability: 'agency:manage' as const } }
const text = (max: number) => Type.Optional(Type.String({ maxLength: max }))
const Params = Type.Object({ id: Type.String({ maxLength: 64 }) })
const NewBody = Type.Object(
  { name: text(1000), agencyType: text(100), _csrf: text(200) },
  { additionalProperties: false },
)
const RenameBody = Type.Object(
  { name: text(1000), version: text(12), _csrf: text(200) },
  { additionalProperties: false },
)
const TeamBody = Type.Object({ teamName: text(1000), _csrf: text(200) }, { additionalProperties: false })
const CsrfOnly = Type.Object({ _csrf: text(200) }, { additionalProperties: false })
const STALE =
  'Someone else changed this agency while you were editing it. Check its name below and save again.'

export function adminAgencyRoutes(services: Services): FeatureRoutes {
  const renderNew = async (reply: FastifyReply, values: Record<string, unknown>, extra = {}, status = 200) =>
    reply.code(status).view(VIEWS.new, {
      values,
      types: await services.adminAgencies.types(),
      csrfToken: reply.csrfToken(),
      ...extra,
    })

  const show = async (
    request: FastifyRequest,
    reply: FastifyReply,
    id: string,
    extra: Record<string, unknown> = {},
    status = 200,
  ) => {
    if (!UUID.test(id)) throw new NotFoundError()
    const actor = signedInActor(request)
    const agency = await services.adminAgencies.find(actor, id)
    return reply.code(status).view(VIEWS.show, {
      agency,
      values: { name: agency.name },
      isOwn: agency.id === actor.agencyId,
      csrfToken: reply.csrfToken(),
      ...extra,
    })
  }

  return {
    pages: async (app) => {
      app.get(
        paths.admin.agencies,
        { config: manage, schema: hidden },
        async function agenciesGet(request, reply) {
          return reply.view(VIEWS.list, {
            agencies: await services.adminAgencies.list(signedInActor(request)),
          })
        },
      )

      app.get(
        paths.admin.agencyNew,
        { config: manage, schema: hidden },
        async function agencyNewGet(_request, reply) {
          return renderNew(reply, {})
        },
      )

      app.post(
        paths.admin.agencyNew,
        { config: manage, schema: { ...hidden, body: NewBody } },
        async function agencyNewPost(request, reply) {
          const values = { name: request.body.name ?? '', agencyType: request.body.agencyType ?? '' }
          try {
            const id = await services.adminAgencies.create(
              signedInActor(request),
              values,
              requestContext(request),
            )
            return await reply.redirect(paths.admin.agency(id), 303)
          } catch (error) {
            if (!(error instanceof ValidationError)) throw error
            return renderNew(reply, values, formErrors(error.fieldErrors), 400)
          }
        },
      )

      app.get(
        paths.admin.agency.pattern,
        { config: manage, schema: { ...hidden, params: Params } },
        async function agencyGet(request, reply) {
          return show(request, reply, request.params.id)
        },
      )

      app.post(
        paths.admin.agencyRename.pattern,
        { config: manage, schema: { ...hidden, params: Params, body: RenameBody } },
        async function agencyNamePost(request, reply) {
          const { id } = request.params
          if (!UUID.test(id)) throw new NotFoundError()
          const name = request.body.name ?? ''
          try {
            const version = Number(request.body.version)
            if (!Number.isInteger(version)) throw new ConflictError()
            await services.adminAgencies.rename(
              signedInActor(request),
              id,
              version,
              name,
              requestContext(request),
            )
          } catch (error) {
            if (error instanceof ValidationError) {
              return show(request, reply, id, { ...formErrors(error.fieldErrors), values: { name } }, 400)
            }
            if (error instanceof ConflictError) {
              const errors = formErrors([{ field: 'name', message: STALE }])
              return show(request, reply, id, { ...errors, values: { name } }, 409)
            }
            throw error
          }
          return reply.redirect(paths.admin.agency(id), 303)
        },
      )

      app.post(
        paths.admin.agencyDisable.pattern,
        { config: manage, schema: { ...hidden, params: Params, body: CsrfOnly } },
        async function agencyDisablePost(request, reply) {
          const { id } = request.params
          if (!UUID.test(id)) throw new NotFoundError()
          try {
            await services.adminAgencies.disable(signedInActor(request), id, requestContext(request))
          } catch (error) {
            if (error instanceof ValidationError)
              return show(request, reply, id, formErrors(error.fieldErrors), 400)
            throw error
          }
          return reply.redirect(paths.admin.agency(id), 303)
        },
      )

      app.post(
        paths.admin.agencyEnable.pattern,
        { config: manage, schema: { ...hidden, params: Params, body: CsrfOnly } },
        async function agencyEnablePost(request, reply) {
          const { id } = request.params
          if (!UUID.test(id)) throw new NotFoundError()
          await services.adminAgencies.enable(signedInActor(request), id, requestContext(request))
          return reply.redirect(paths.admin.agency(id), 303)
        },
      )

      app.post(
        paths.admin.agencyTeams.pattern,
        { config: manage, schema: { ...hidden, params: Params, body: TeamBody } },
        async function agencyTeamsPost(request, reply) {
          const { id } = request.params
          if (!UUID.test(id)) throw new NotFoundError()
          const teamName = request.body.teamName ?? ''
          try {
            await services.adminAgencies.createTeam(
              signedInActor(request),
              id,
              teamName,
              requestContext(request),
            )
          } catch (error) {
            if (error instanceof ValidationError) {
              return show(request, reply, id, { ...formErrors(error.fieldErrors), teamName }, 400)
            }
            throw error
          }
          return reply.redirect(`${paths.admin.agency(id)}#teams`, 303)
        },
      )
    },
  }
}
