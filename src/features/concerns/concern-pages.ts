import type { FastifyReply, FastifyRequest } from 'fastify'
import { Type, type Static } from 'typebox'
import { signedInActor } from '../../platform/access/actor.ts'
import { can } from '../../platform/access/policy.ts'
import { requestContext } from '../../platform/auth/request-context.ts'
import { ValidationError } from '../../platform/errors.ts'
import { paths } from '../../platform/paths.ts'
import type { SurfaceApp } from '../../platform/surfaces.ts'
import { pageErrors } from '../../platform/views/form-page.ts'
import { formPage } from '../../platform/views/form-page.ts'
import { dateOf, fieldOf, UUID, versionOf, type PostedForm } from '../../platform/views/form-fields.ts'
import type { Services } from '../../services.ts'
import type { DuplicateCandidate } from '../duplicates/duplicate-service.ts'
import {
  CHECK_BODY,
  checklist,
  DANGER_BODY,
  dangerValues,
  DETAILS_BODY,
  detailsInput,
  detailsValues,
  OPTIONS,
  START_FIELDS,
  startInput,
  TICK_FIELDS,
} from './concern-forms.ts'

const VIEWS = {
  start: 'features/concerns/views/concern-start.njk',
  details: 'features/concerns/views/concern-details.njk',
  check: 'features/concerns/views/concern-check.njk',
  danger: 'features/concerns/views/concern-danger.njk',
  show: 'features/concerns/views/concern.njk',
}

const access = { capability: 'concern:create' } as const
const StartBody = Type.Object(
  { ...START_FIELDS, _csrf: Type.Optional(Type.String({ maxLength: 200 })) },
  { additionalProperties: false },
)
const StartQuery = Type.Object({ child: Type.Optional(Type.String({ maxLength: 64 })) })
const ShowQuery = Type.Object({
  referred: Type.Optional(Type.String({ maxLength: 2 })),
  recorded: Type.Optional(Type.String({ maxLength: 2 })),
})

/** A version the form sent, or 0 (no version: answered as stale, 409). */
const versionIn = (body: PostedForm) => versionOf(fieldOf(body, 'version')) ?? 0

/**
 * The concern's pages: page 1 (the child and immediate danger) makes the draft; page 2 (what was seen or heard,
 * and the screening), the immediate-danger answers and page 3 (check answers and the judgement) are form pages on
 * the draft, 409 when someone changed it meanwhile; then the recorded concern.
 */
export function concernPages(services: Services) {
  const concerns = services.concerns

  /** Possible records of a new child the actor may read (each one shown is audited as a read), until checked. */
  async function possibleMatches(request: FastifyRequest, body: PostedForm): Promise<DuplicateCandidate[]> {
    if (fieldOf(body, 'child') !== 'new' || fieldOf(body, 'matchesChecked') === 'yes') return []
    const dob = dateOf(body, 'dateOfBirth')
    const iso =
      /^\d{4}$/.test(dob.year) && /^\d{1,2}$/.test(dob.month) && /^\d{1,2}$/.test(dob.day)
        ? `${dob.year}-${dob.month.padStart(2, '0')}-${dob.day.padStart(2, '0')}`
        : ''
    try {
      return await services.duplicates.forNew(
        signedInActor(request),
        {
          givenName: fieldOf(body, 'givenName'),
          familyName: fieldOf(body, 'familyName'),
          ...(iso === '' ? {} : { dateOfBirth: iso }),
        },
        requestContext(request),
      )
    } catch (error) {
      if (error instanceof ValidationError) return []
      throw error
    }
  }

  /** Page 1, with the children the actor may name (a child given by id chosen already). */
  const startPage = async (
    request: FastifyRequest,
    reply: FastifyReply,
    extra: Record<string, unknown> = {},
    status = 200,
  ) => {
    const query = request.query as Static<typeof StartQuery>
    const childId = typeof query.child === 'string' && UUID.test(query.child) ? query.child : undefined
    const form = await concerns.startForm(signedInActor(request), requestContext(request), childId)
    return reply.code(status).view(VIEWS.start, {
      ...form,
      values: childId === undefined ? {} : { child: childId },
      csrfToken: reply.csrfToken(),
      ...extra,
    })
  }

  /** The recorder's draft for a form page (a concern already recorded, or someone else's, is not found). */
  const draftOf = (request: FastifyRequest, id: string) =>
    concerns.draft(signedInActor(request), id, requestContext(request))

  /** Check answers: the draft with the labels, the risk levels and whether the actor may refer it. */
  const checkOf = async (request: FastifyRequest, id: string) => {
    const { concern, guide } = await draftOf(request, id)
    return {
      concern,
      labels: Object.fromEntries(guide.items.map((i) => [i.code, i.label])),
      levels: guide.levels,
      ...OPTIONS,
      canRefer: can(signedInActor(request), 'referral:create'),
    }
  }

  return async (app: SurfaceApp) => {
    app.get(
      paths.concerns.new,
      { config: { access }, schema: { querystring: StartQuery } },
      async function concernNewGet(request, reply) {
        return startPage(request, reply)
      },
    )

    // Page 1 is not a form page: a new child's possible records are offered (200) before the draft is made.
    app.post(
      paths.concerns.new,
      { config: { access }, schema: { body: StartBody } },
      async function concernNewPost(request, reply) {
        const body = request.body as PostedForm
        try {
          const matches = await possibleMatches(request, body)
          if (matches.length > 0) return await startPage(request, reply, { values: body, matches })
          const id = await concerns.start(signedInActor(request), startInput(body), requestContext(request))
          return await reply.redirect(paths.concerns.details(id), 303)
        } catch (error) {
          if (error instanceof ValidationError) {
            const errors = pageErrors(error.fieldErrors, ['policeCalledOn', 'dateOfBirth'])
            return startPage(request, reply, { values: body, ...errors }, 400)
          }
          throw error
        }
      },
    )

    formPage(app, {
      path: paths.concerns.details,
      access,
      view: VIEWS.details,
      body: DETAILS_BODY,
      patternFields: TICK_FIELDS,
      load: async (request, { id = '' }) => {
        const { concern, guide } = await draftOf(request, id)
        return { concern, groups: checklist(guide), ...OPTIONS }
      },
      values: ({ concern }) => detailsValues(concern),
      keep: (body) => ({ ...body, tick: [body.tick ?? []].flat() }),
      conflictField: 'narrative',
      dateFields: ['happenedOn'],
      submit: async (request, body, { id = '' }) => {
        const posted = body as PostedForm
        const input = detailsInput(posted)
        await concerns.saveDetails(
          signedInActor(request),
          id,
          versionIn(posted),
          input,
          requestContext(request),
        )
        return paths.concerns.check(id)
      },
    })

    formPage(app, {
      path: paths.concerns.danger,
      access,
      view: VIEWS.danger,
      body: DANGER_BODY,
      load: async (request, { id = '' }) => ({ concern: (await draftOf(request, id)).concern }),
      values: ({ concern }) => dangerValues(concern),
      conflictField: 'immediateDanger',
      dateFields: ['policeCalledOn'],
      submit: async (request, body, { id = '' }) => {
        const posted = body as PostedForm
        const actor = signedInActor(request)
        await concerns.changeDanger(actor, id, versionIn(posted), startInput(posted), requestContext(request))
        return paths.concerns.check(id)
      },
    })

    // Check answers: before page 2 is saved there is nothing to check, so its GET sends the reader back there.
    app.get(
      paths.concerns.check.pattern,
      { config: { access } },
      async function concernCheckGet(request, reply) {
        const { id } = request.params as { id: string }
        const check = await checkOf(request, id)
        if (check.concern.narrative === null) return reply.redirect(paths.concerns.details(id), 303)
        return reply.view(VIEWS.check, { ...check, values: {}, csrfToken: reply.csrfToken() })
      },
    )

    formPage(app, {
      path: paths.concerns.check,
      access,
      view: VIEWS.check,
      body: CHECK_BODY,
      postOnly: true,
      load: (request, { id = '' }) => checkOf(request, id),
      conflictField: 'judgedLevel',
      submit: async (request, body, { id = '' }) => {
        const posted = body as PostedForm
        const input = {
          judgedLevel: fieldOf(posted, 'judgedLevel'),
          judgementReason: fieldOf(posted, 'judgementReason'),
          discussedWith: fieldOf(posted, 'discussedWith'),
          discussionNote: fieldOf(posted, 'discussionNote'),
        }
        const actor = signedInActor(request)
        const ctx = requestContext(request)
        // Recording refers it, in the same transaction, for anyone who may refer.
        const { referralId } = await concerns.record(
          actor,
          id,
          versionIn(posted),
          input,
          ctx,
          services.referrals,
        )
        return `${paths.concerns.show(id)}?${referralId === null ? 'recorded' : 'referred'}=1`
      },
    })

    app.get(
      paths.concerns.show.pattern,
      { config: { access }, schema: { querystring: ShowQuery } },
      async function concernGet(request, reply) {
        const { id } = request.params as { id: string }
        const actor = signedInActor(request)
        const concern = await concerns.read(actor, id, requestContext(request), 'page')
        if (concern.status === 'draft') return reply.redirect(paths.concerns.details(id), 303)
        const q = request.query
        return reply.view(VIEWS.show, {
          concern,
          ...OPTIONS,
          justReferred: q.referred === '1',
          justRecorded: q.recorded === '1',
        })
      },
    )
  }
}
