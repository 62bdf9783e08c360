import { Type } from 'typebox'
import { signedInActor } from '../../platform/access/actor.ts'
import { requestContext } from '../../platform/auth/request-context.ts'
import { paths } from '../../platform/paths.ts'
import { changeProblems, IdParams } from '../../platform/route-kit.ts'
import type { SurfaceApp } from '../../platform/surfaces.ts'
import { apiActor } from '../../platform/tokens/api-auth.ts'
import { formText, formVersion, versionOf } from '../../platform/views/form-fields.ts'
import { formPage } from '../../platform/views/form-page.ts'
import type { Services } from '../../services.ts'
import { entryRecorded, intelligenceRoute } from './intelligence-api-kit.ts'
import {
  apiFields,
  EntrySchema,
  FORM_FIELDS,
  formInput,
  GRADES,
  keptEntryForm,
  VersionBody,
} from './intelligence-forms.ts'

/**
 * What is built on an intelligence entry (i12d): its new version (an entry is never edited once recorded), and a
 * place's or thing's description from it; pages and API. Flags based on an entry are set through the flag pages
 * and API (with the entry's id). Each needs `intelligence:write` and full sight of the current version
 * (decideIntelligenceBasis); anyone else is answered 404, a superseded or stale version 409.
 */

const VIEWS = {
  version: 'features/intelligence/views/intelligence-new.njk',
  describe: 'features/intelligence/views/intelligence-describe.njk',
}
const write = { capability: 'intelligence:write' } as const
const VERSION_FIELDS = { ...FORM_FIELDS, ...formVersion }
const DESCRIBE_FIELDS = { subject: formText(100), description: formText(4000) }

const DescriptionBody = Type.Object(
  {
    subject: Type.String({
      maxLength: 100,
      description: 'The place or thing the entry is about, as "location:<id>" or "object:<id>"',
    }),
    description: Type.String({
      maxLength: 4000,
      description: 'Shown with the record where the entry may be seen',
    }),
  },
  { additionalProperties: false },
)

/** Where a described place or thing is. */
const describedHref = (described: { kind: 'location' | 'object'; id: string }) =>
  described.kind === 'location' ? paths.locations.show(described.id) : paths.objects.show(described.id)

/** The form's values of an entry (for its new version): what it says now, to change. */
function entryValues(loaded: Awaited<ReturnType<Services['intelligence']['basisForm']>>) {
  const { entry } = loaded
  const [year = '', month = '', day = ''] = entry.reportedOn.split('-')
  const conditions = (effect: 'allow' | 'deny', key: 'agencyId' | 'agencyType') =>
    entry.conditions.filter((c) => c.effect === effect && c[key] !== null).map((c) => c[key])
  const reportingAgencyId = loaded.agencies.find((a) => a.name === entry.reportingAgencyName)?.id ?? ''
  return {
    reportedOn: { day: String(Number(day)), month: String(Number(month)), year },
    reportingAgencyId,
    sanitisedText: entry.sanitisedText,
    fullText: entry.fullText ?? '',
    sourceReference: entry.sourceReference ?? '',
    sourceEvaluation: entry.sourceEvaluation,
    intelligenceAssessment: entry.intelligenceAssessment,
    handlingCode: entry.handlingCode,
    restriction: entry.restriction ?? '',
    allowAgency: conditions('allow', 'agencyId'),
    allowType: conditions('allow', 'agencyType'),
    denyAgency: conditions('deny', 'agencyId'),
    denyType: conditions('deny', 'agencyType'),
    version: String(entry.version),
  }
}

export function derivedPages(app: SurfaceApp, services: Services) {
  const intelligence = services.intelligence
  const basis = (request: Parameters<typeof signedInActor>[0], id: string, via: string) =>
    intelligence.basisForm(signedInActor(request), id, requestContext(request), via)

  formPage(app, {
    path: paths.intelligenceDerived.newVersion,
    access: write,
    view: VIEWS.version,
    body: VERSION_FIELDS,
    load: async (request, { id = '' }) => ({
      ...(await basis(request, id, 'version-form')),
      grades: GRADES,
      offered: [],
      formAction: paths.intelligenceDerived.newVersion(id),
    }),
    values: entryValues,
    keep: keptEntryForm,
    conflictField: 'sanitisedText',
    dateFields: ['reportedOn'],
    submit: async (request, body, { id = '' }) => {
      // The new version keeps the old one's subjects (the service reads them): the form has none.
      const fields = formInput(body)
      const successor = await intelligence.newVersion(
        signedInActor(request),
        id,
        versionOf(body.version) ?? 0,
        fields,
        requestContext(request),
      )
      return paths.intelligence.show(successor)
    },
  })

  formPage(app, {
    path: paths.intelligenceDerived.describe,
    access: write,
    view: VIEWS.describe,
    body: DESCRIBE_FIELDS,
    load: async (request, { id = '' }) => {
      const loaded = await basis(request, id, 'describe-form')
      const things = loaded.subjects.filter((s) => s.kind !== 'person')
      // Opened from the entry's page for one place or thing (`?subject=location:<id>`).
      const { subject } = request.query as { subject?: unknown }
      return {
        entry: loaded.entry,
        things,
        chosen: typeof subject === 'string' ? subject : '',
        action: paths.intelligenceDerived.describe(id),
      }
    },
    values: (loaded) => ({ subject: loaded.chosen, description: loaded.entry.sanitisedText }),
    conflictField: 'description',
    submit: async (request, body, { id = '' }) => {
      const described = await intelligence.describe(
        signedInActor(request),
        id,
        { subject: body.subject ?? '', description: body.description ?? '' },
        requestContext(request),
      )
      return describedHref(described)
    },
  })
}

export function derivedApi(app: SurfaceApp, services: Services) {
  const intelligence = services.intelligence
  app.post(
    paths.api.intelligenceVersions.pattern,
    intelligenceRoute(
      write,
      'Record a new version of an entry (never edited once recorded): it supersedes the old one, which is kept for its handlers, and its links, flags and descriptions move onto it; 409 when `version` is not the current one',
      {
        params: IdParams,
        body: VersionBody,
        response: { 201: Type.Object({ entry: EntrySchema }), ...changeProblems },
      },
    ),
    async function intelligenceVersionApiPost(request, reply) {
      const actor = apiActor(request)
      const ctx = requestContext(request)
      const { version, ...body } = request.body
      return entryRecorded(intelligence, reply, actor, ctx, () =>
        intelligence.newVersion(
          actor,
          request.params.id,
          version,
          apiFields({ ...body, version }),
          ctx,
          'api',
        ),
      )
    },
  )

  app.post(
    paths.api.intelligenceDescriptions.pattern,
    intelligenceRoute(
      write,
      'Describe a place or thing the entry is about, from the entry: the description is shown with the record only to those who may see the entry',
      {
        params: IdParams,
        body: DescriptionBody,
        response: {
          201: Type.Object({ kind: Type.String(), id: Type.String({ format: 'uuid' }) }),
          ...changeProblems,
        },
      },
    ),
    async function intelligenceDescriptionApiPost(request, reply) {
      const described = await intelligence.describe(
        apiActor(request),
        request.params.id,
        request.body,
        requestContext(request),
        'api',
      )
      return reply.code(201).send(described)
    },
  )
}
