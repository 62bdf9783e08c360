import { signedInActor } from '../../platform/access/actor.ts'
import { requestContext } from '../../platform/auth/request-context.ts'
import { paths } from '../../platform/paths.ts'
import type { Services } from '../../services.ts'
import type { FeatureRoutes } from '../../platform/surfaces.ts'
import { formText, formVersion, versionOf } from '../../platform/views/form-fields.ts'
import { formPage } from '../../platform/views/form-page.ts'

const VIEWS = {
  queue: 'features/break-glass-review/views/queue.njk',
  review: 'features/break-glass-review/views/review.njk',
}
const access = { capability: 'break-glass:review' as const }

export function breakGlassReviewRoutes(services: Services): FeatureRoutes {
  const reviews = services.breakGlassReview
  return {
    pages: async (app) => {
      app.get(paths.audit.breakGlass, { config: { access } }, async function queueGet(request, reply) {
        return reply.view(VIEWS.queue, await reviews.queue(signedInActor(request)))
      })

      // One grant and the review form; a review made meanwhile by someone else is a 409 showing it.
      formPage(app, {
        path: paths.audit.breakGlassReview,
        access,
        view: VIEWS.review,
        body: { outcome: formText(40), note: formText(5000), ...formVersion },
        load: async (request, { id = '' }) => ({ grant: await reviews.find(signedInActor(request), id) }),
        values: ({ grant }) => ({ version: String(grant.version) }),
        conflictField: 'outcome',
        submit: async (request, body, { id = '' }) => {
          const input = {
            outcome: body.outcome ?? '',
            note: body.note ?? '',
            version: versionOf(body.version),
          }
          await reviews.review(signedInActor(request), id, input, requestContext(request))
          return paths.audit.breakGlass
        },
      })
    },
  }
}
