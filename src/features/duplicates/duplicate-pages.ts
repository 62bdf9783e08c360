import { Type } from 'typebox'
import { signedInActor } from '../../platform/access/actor.ts'
import { can } from '../../platform/access/policy.ts'
import { requestContext } from '../../platform/auth/request-context.ts'
import { ConflictError, NotFoundError, ValidationError } from '../../platform/errors.ts'
import { paths } from '../../platform/paths.ts'
import { RATE_LIMITS } from '../../platform/rate-limits.ts'
import type { SurfaceApp } from '../../platform/surfaces.ts'
import { formText, UUID, versionOf } from '../../platform/views/form-fields.ts'
import { formPage } from '../../platform/views/form-page.ts'
import type { Services } from '../../services.ts'

const VIEWS = {
  duplicates: 'features/duplicates/views/duplicates.njk',
  merge: 'features/duplicates/views/merge.njk',
  merges: 'features/duplicates/views/merges.njk',
}
const merging = { capability: 'person:merge' } as const
const SELF_MERGE = 'Choose a different record: a record cannot be merged into itself'

/** The duplicates page (limited per user, RATE_LIMITS.duplicateCheck), the merge form, and merges with reversal. */
export function duplicatePages(services: Services) {
  const { duplicates, merges } = services
  const idOf = (params: unknown) => {
    const { id } = params as { id: string }
    if (!UUID.test(id)) throw new NotFoundError()
    return id
  }

  return async (app: SurfaceApp) => {
    app.get(
      paths.people.duplicates.pattern,
      { config: { access: { capability: 'person:read' }, rateLimit: RATE_LIMITS.duplicateCheck } },
      async function duplicatesGet(request, reply) {
        const actor = signedInActor(request)
        const result = await duplicates.forPerson(actor, idOf(request.params), requestContext(request))
        return reply.view(VIEWS.duplicates, { ...result, canMerge: can(actor, 'person:merge') })
      },
    )

    // The merge form is reached from a possible duplicate (?with=): without a record to merge, back to the list.
    app.get(
      paths.people.merge.pattern,
      { config: { access: merging }, schema: { querystring: Type.Object({ with: formText(64) }) } },
      async function mergeGet(request, reply) {
        const id = idOf(request.params)
        const mergedId = request.query.with ?? ''
        if (!UUID.test(mergedId)) return reply.redirect(paths.people.duplicates(id), 303)
        if (mergedId === id) throw new ValidationError([{ field: 'mergedId', message: SELF_MERGE }])
        const pair = await merges.preview(signedInActor(request), id, mergedId, requestContext(request))
        return reply.view(VIEWS.merge, { ...pair, values: {}, csrfToken: reply.csrfToken() })
      },
    )

    formPage(app, {
      path: paths.people.merge,
      postOnly: true,
      access: merging,
      view: VIEWS.merge,
      body: {
        mergedId: formText(64),
        reason: formText(5000),
        survivorVersion: formText(12),
        mergedVersion: formText(12),
      },
      // The pair posted; a pair that cannot be merged is shown as such, with the way back to the list.
      load: async (request, { id = '' }) => {
        const mergedId = (request.body as { mergedId?: string } | undefined)?.mergedId ?? ''
        if (!UUID.test(mergedId) || mergedId === id) {
          return { invalidPair: true, backHref: paths.people.duplicates(id) }
        }
        return merges.preview(signedInActor(request), id, mergedId, requestContext(request))
      },
      conflictField: 'reason',
      submit: async (request, body, { id = '' }) => {
        const input = {
          mergedId: body.mergedId ?? '',
          reason: body.reason ?? '',
          survivorVersion: versionOf(body.survivorVersion) ?? 0,
          mergedVersion: versionOf(body.mergedVersion) ?? 0,
        }
        try {
          await merges.merge(signedInActor(request), id, input, requestContext(request))
        } catch (error) {
          if (error instanceof ConflictError) {
            throw new ConflictError(`${error.message}. Check both records again, then merge.`)
          }
          throw error
        }
        return paths.people.merges(id)
      },
    })

    app.get(
      paths.people.merges.pattern,
      { config: { access: merging } },
      async function mergesGet(request, reply) {
        const result = await merges.mergesInto(
          signedInActor(request),
          idOf(request.params),
          requestContext(request),
        )
        return reply.view(VIEWS.merges, { ...result, values: {}, csrfToken: reply.csrfToken() })
      },
    )

    // Reversing is a form on the merges page (one a merge): a refusal is shown there, on that merge's form.
    formPage(app, {
      path: paths.people.unmerge,
      postOnly: true,
      access: merging,
      view: VIEWS.merges,
      body: { mergeId: formText(64), reason: formText(5000), version: formText(12) },
      load: (request, { id = '' }) => merges.mergesInto(signedInActor(request), id, requestContext(request)),
      conflictField: 'reason',
      submit: async (request, body, { id = '' }) => {
        const input = {
          mergeId: body.mergeId ?? '',
          reason: body.reason ?? '',
          version: versionOf(body.version) ?? 0,
        }
        await merges.unmerge(signedInActor(request), id, input, requestContext(request))
        return paths.people.merges(id)
      },
    })
  }
}
