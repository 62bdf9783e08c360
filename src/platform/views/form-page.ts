import type { FastifyReply, FastifyRequest } from 'fastify'
import { Type, type Static, type TObject, type TProperties, type TSchema } from 'typebox'
import { ConflictError, NotFoundError, ValidationError, type FieldError } from '../errors.ts'
import type { RouteAccess } from '../route-access.ts'
import type { SurfaceApp } from '../surfaces.ts'
import { formErrors } from './form-errors.ts'
import { UUID } from './form-fields.ts'

/** What a form shows in its fields: the user's input (kept on an error) or the stored values. */
export type FormValues = Record<string, unknown>

/**
 * A `submit` that saved nothing and asks the user to confirm first (e.g. "Add a person" showing possible
 * duplicates): the form again (200), the input kept, with `again` added to the view.
 */
export interface FormAgain {
  again: Record<string, unknown>
}

/**
 * One form page: a GET that shows the form and a POST that saves it. The page states its path, access, body
 * schema, view, what it loads and how it saves; the helper does the rest the same way everywhere:
 * - path parameters must be UUIDs (anything else is 404, as for a record that does not exist);
 * - `load` runs for the GET and for every re-render (so a 409 shows what is there now);
 * - `submit` saves and says where to go next (303); a ValidationError answers 400 with the GOV.UK error summary
 *   and the input kept, a ConflictError 409 with the current version and the input kept. Services write nothing
 *   partial (each change is one transaction), so nothing is written on either.
 */
export interface FormPageSpec<Body extends TProperties, Loaded extends object> {
  /** Registered for both GET and POST (`paths.x.y`, or a plain path). */
  path: { readonly pattern: string } | string
  access: RouteAccess
  view: string
  /** The posted fields (strings from the form); `_csrf` is added. */
  body: Body
  /**
   * Fields named after reference data (e.g. `evidence-<item code>` for each item of a guide), by the pattern of
   * their names: JSON Schema `patternProperties`. Any other field is refused, as without it.
   */
  patternFields?: Record<string, TSchema>
  /**
   * What the page shows. Throws NotFoundError when the reader may not see it. `again` is true when the page is
   * shown again after a refused POST (whose outcome may have changed what the page would offer).
   */
  load: (request: FastifyRequest, params: Record<string, string>, again: boolean) => Promise<Loaded>
  /** The form's values for a fresh GET (with the record's `version`). */
  values?: (loaded: Loaded) => FormValues
  /** How the posted body is shown again on an error (e.g. a checkbox list as an array); the body by default. */
  keep?: (body: Static<TObject<Body>>) => FormValues
  /**
   * Saves, and answers the URL to go to next (303); or, having saved nothing, FormAgain (the form again, 200);
   * or a page to show once in the response (ShownOnce: a secret that must never be in a URL, a set-up link, a new
   * token). Throws ValidationError (400) or ConflictError (409); anything else is a fault.
   */
  submit: (
    request: FastifyRequest,
    body: Static<TObject<Body>>,
    params: Record<string, string>,
  ) => Promise<string | FormAgain | ShownOnce>
  /** The field a conflict's message is shown on (or, from the posted body, the input that holds it). */
  conflictField: string | ((body: Static<TObject<Body>>) => string)
  /** Fields entered as day, month and year: their summary link goes to the day input. */
  dateFields?: readonly string[]
  /** Only the POST (the form is shown by another page, which `load` and the view render again on an error). */
  postOnly?: boolean
  /** Path parameters that are not record ids (a set-up token): checked by the page itself. */
  opaqueParams?: readonly string[]
  /** A named rate limit for the POST (src/platform/rate-limits.ts). */
  rateLimit?: object
}

/** A page a form's submit answers with (200) instead of a redirect. */
export interface ShownOnce {
  view: string
  data: object
}

const csrf = { _csrf: Type.Optional(Type.String({ maxLength: 200 })) }
const param = Type.String({ maxLength: 200 })

function paramsSchema(pattern: string) {
  const names = [...pattern.matchAll(/:([A-Za-z]+)/g)].map((m) => m[1] as string)
  if (names.length === 0) return undefined
  return Type.Object(Object.fromEntries(names.map((name) => [name, param])))
}

/** GOV.UK error summary and field messages; a date's summary link goes to its day input. */
export function pageErrors(errors: readonly FieldError[], dateFields: readonly string[] = []) {
  const page = formErrors([...errors])
  return {
    ...page,
    errorSummary: errors.map((e) => ({
      text: e.message,
      href: `#${e.field}${dateFields.includes(e.field) ? '-day' : ''}`,
    })),
  }
}

export function formPage<Body extends TProperties, Loaded extends object>(
  app: SurfaceApp,
  spec: FormPageSpec<Body, Loaded>,
): void {
  const pattern = typeof spec.path === 'string' ? spec.path : spec.path.pattern
  const params = paramsSchema(pattern)
  const body = Type.Object(
    { ...spec.body, ...csrf },
    {
      additionalProperties: false,
      ...(spec.patternFields === undefined ? {} : { patternProperties: spec.patternFields }),
    },
  )
  const config = {
    access: spec.access,
    ...(spec.rateLimit === undefined ? {} : { rateLimit: spec.rateLimit }),
  }

  const paramsOf = (request: FastifyRequest): Record<string, string> => {
    const given = (request.params ?? {}) as Record<string, string>
    for (const [name, value] of Object.entries(given)) {
      if (!(spec.opaqueParams ?? []).includes(name) && !UUID.test(value)) throw new NotFoundError()
    }
    return given
  }

  const render = async (
    request: FastifyRequest,
    reply: FastifyReply,
    ids: Record<string, string>,
    status: number,
    posted?: { values: FormValues; errors: FieldError[]; stale: boolean },
    again: Record<string, unknown> = {},
  ) => {
    const loaded = await spec.load(request, ids, posted !== undefined)
    const stored = spec.values?.(loaded) ?? {}
    const values =
      posted === undefined
        ? stored
        : // A stale form is shown with the version now stored, so saving again applies the input over it.
          { ...stored, ...posted.values, ...(posted.stale ? { version: stored.version } : {}) }
    return reply.code(status).view(spec.view, {
      ...loaded,
      values,
      csrfToken: reply.csrfToken(),
      ...(posted === undefined || posted.errors.length === 0
        ? {}
        : pageErrors(posted.errors, spec.dateFields)),
      ...(posted?.stale === true ? { stale: true } : {}),
      ...again,
    })
  }

  if (spec.postOnly !== true) {
    app.get(
      pattern,
      { config: { access: spec.access }, ...(params === undefined ? {} : { schema: { params } }) },
      async function formGet(request, reply) {
        return render(request, reply, paramsOf(request), 200)
      },
    )
  }

  app.post(
    pattern,
    { config, schema: { body, ...(params === undefined ? {} : { params }) } },
    async function formPost(request, reply) {
      const ids = paramsOf(request)
      const posted = request.body as Static<TObject<Body>>
      const values = spec.keep?.(posted) ?? (posted as FormValues)
      let next: string | FormAgain | ShownOnce
      try {
        next = await spec.submit(request, posted, ids)
      } catch (error) {
        if (error instanceof ValidationError) {
          return render(request, reply, ids, 400, { values, errors: error.fieldErrors, stale: false })
        }
        if (error instanceof ConflictError) {
          const field =
            typeof spec.conflictField === 'string' ? spec.conflictField : spec.conflictField(posted)
          const errors = [{ field, message: error.message }]
          return render(request, reply, ids, 409, { values, errors, stale: true })
        }
        throw error
      }
      if (typeof next !== 'string') {
        if ('again' in next)
          return render(request, reply, ids, 200, { values, errors: [], stale: false }, next.again)
        return reply.view(next.view, next.data)
      }
      return reply.redirect(next, 303)
    },
  )
}
