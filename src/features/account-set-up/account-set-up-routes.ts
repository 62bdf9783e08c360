import { requestContext } from '../../platform/auth/request-context.ts'
import { NotFoundError } from '../../platform/errors.ts'
import { paths } from '../../platform/paths.ts'
import type { FeatureRoutes } from '../../platform/surfaces.ts'
import { formText } from '../../platform/views/form-fields.ts'
import { formPage } from '../../platform/views/form-page.ts'
import type { Services } from '../../services.ts'

const VIEWS = {
  form: 'features/account-set-up/views/set-up.njk',
  done: 'features/account-set-up/views/set-up-done.njk',
  invalid: 'features/account-set-up/views/set-up-invalid.njk',
}

/** A set-up link that does not work: one answer for unknown, used, expired and disabled (a link never tells which). */
class InvalidSetUpLink extends NotFoundError {}

/** The page a set-up link opens: the person chooses their password, then signs in. Public (the link is the key). */
export function accountSetUpRoutes(services: Services): FeatureRoutes {
  const setUp = services.accountSetUp

  return {
    pages: async (app) => {
      // This feature's own not-found page for a link that does not work; every other error as the surface has it.
      app.setErrorHandler(async (error, _request, reply) => {
        if (error instanceof InvalidSetUpLink) return reply.code(404).view(VIEWS.invalid, {})
        throw error
      })

      formPage(app, {
        path: paths.account.setUp,
        access: 'public',
        // The token is the link's secret, not a record id: the set-up service checks it.
        opaqueParams: ['token'],
        view: VIEWS.form,
        body: { password: formText(1024), confirm: formText(1024) },
        load: async (_request, { token = '' }) => {
          const check = await setUp.check(token)
          if (!check.ok) throw new InvalidSetUpLink()
          return { email: check.email, action: paths.account.setUp(token) }
        },
        // The password is never sent back to the page.
        keep: () => ({}),
        conflictField: 'password',
        submit: async (request, body, { token = '' }) => {
          const input = { password: body.password ?? '', confirm: body.confirm ?? '' }
          if (!(await setUp.complete(token, input, requestContext(request)))) throw new InvalidSetUpLink()
          return { view: VIEWS.done, data: {} }
        },
      })
    },
  }
}
