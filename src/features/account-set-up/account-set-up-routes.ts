import type { FastifyReply } from 'fastify'
import { Type } from 'typebox'
import { requestContext } from '../../platform/auth/request-context.ts'
import { ValidationError } from '../../platform/errors.ts'
import { paths } from '../../platform/paths.ts'
import type { Services } from '../../services.ts'
import type { FeatureRoutes } from '../../platform/surfaces.ts'
import { formErrors } from '../../platform/views/form-errors.ts'

const hidden = { hide: true } as const
const VIEWS = {
  form: 'features/account-set-up/views/set-up.njk',
  done: 'features/account-set-up/views/set-up-done.njk',
  invalid: 'features/account-set-up/views/set-up-invalid.njk',
}
const text = (max: number) => Type.Optional(Type.String({ maxLength: max }))
const Params = Type.Object({ token: Type.String({ maxLength: 200 }) })
const Body = Type.Object(
  { password: text(1024), confirm: text(1024), _csrf: text(200) },
  { additionalProperties: false },
)

/** The page a set-up link opens: the person chooses their password, then signs in. Public (the link is the key). */
export function accountSetUpRoutes(services: Services): FeatureRoutes {
  // One message for unknown, used, expired and disabled: a link never tells which.
  const invalid = (reply: FastifyReply) => reply.code(404).view(VIEWS.invalid, {})

  return {
    pages: async (app) => {
      app.get(
        paths.account.setUp.pattern,
        { config: { access: 'public' }, schema: { ...hidden, params: Params } },
        async function accountSetUpGet(request, reply) {
          const check = await services.accountSetUp.check(request.params.token)
          if (!check.ok) return invalid(reply)
          return reply.view(VIEWS.form, {
            email: check.email,
            action: paths.account.setUp(request.params.token),
            csrfToken: reply.csrfToken(),
          })
        },
      )

      app.post(
        paths.account.setUp.pattern,
        { config: { access: 'public' }, schema: { ...hidden, params: Params, body: Body } },
        async function accountSetUpPost(request, reply) {
          const { token } = request.params
          try {
            const done = await services.accountSetUp.complete(
              token,
              { password: request.body.password ?? '', confirm: request.body.confirm ?? '' },
              requestContext(request),
            )
            if (!done) return await invalid(reply)
          } catch (error) {
            if (!(error instanceof ValidationError)) throw error
            const check = await services.accountSetUp.check(token)
            if (!check.ok) return invalid(reply)
            // The password is never sent back to the page.
            return reply.code(400).view(VIEWS.form, {
              email: check.email,
              action: paths.account.setUp(token),
              csrfToken: reply.csrfToken(),
              ...formErrors(error.fieldErrors),
            })
          }
          return reply.view(VIEWS.done, {})
        },
      )
    },
  }
}
