import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import type { TProperties } from 'typebox'
import { signedInActor } from '../../platform/access/actor.ts'
import type { Actor } from '../../platform/access/policy.ts'
import type { RequestContext } from '../../platform/auth/auth-service.ts'
import { requestContext } from '../../platform/auth/request-context.ts'
import { ConflictError, NotFoundError, ValidationError } from '../../platform/errors.ts'
import { paths } from '../../platform/paths.ts'
import { dateOf, datePartsOf, fieldOf, versionOf, type PostedForm } from '../../platform/views/form-fields.ts'
import { formPage, type FormPageSpec } from '../../platform/views/form-page.ts'
import type { Services } from '../../services.ts'
import type { DuplicateCandidate } from '../duplicates/duplicate-service.ts'
import { personInputOf } from './person-edit-service.ts'
import {
  aliasesFromForm,
  DATE_FIELDS,
  EDIT_FORM,
  formOf,
  NAMES_FORM,
  NEW_PERSON_FORM,
  personFromForm,
  STATUS_ADD_FORM,
  STATUS_END_FORM,
  statusFromForm,
  typedDate,
} from './person-forms.ts'
import { ALIAS_KINDS } from './person-validation.ts'

/**
 * The pages that add and change a person's record (details, other names, statutory statuses), each a form page
 * (src/platform/views/form-page.ts). Handlers parse and render; the rules, the policy's decision and the audit
 * are in the edit service.
 */

const VIEWS = {
  new: 'features/people/views/new-person.njk',
  edit: 'features/people/views/edit-person.njk',
  names: 'features/people/views/person-names.njk',
  statuses: 'features/people/views/person-statuses.njk',
  statusEnd: 'features/people/views/person-status-end.njk',
}
const access = { capability: 'person:write' as const }
const STALE = 'Someone else changed this record while you were editing it. Check the record and save again.'

/** A change saved, or the page's own message for a stale form (the service's 409). */
async function saving(work: () => Promise<unknown>): Promise<void> {
  try {
    await work()
  } catch (error) {
    if (error instanceof ConflictError) throw new ConflictError(STALE)
    throw error
  }
}

export function personEditPages(services: Services): FastifyPluginAsyncTypebox {
  const edit = services.personEdit
  const who = (request: FastifyRequest) => [signedInActor(request), requestContext(request)] as const

  /** The record's edit pages show it, its other names and statuses, with the forms' options. */
  const record = async (request: FastifyRequest, id: string) => {
    const found = await edit.forEdit(signedInActor(request), id, requestContext(request))
    return { ...found, options: { ...found.options, aliasKinds: ALIAS_KINDS } }
  }
  const versioned = (loaded: { person: { version: number } }) => ({ version: String(loaded.person.version) })
  /** Saves as the signed-in user (a stale version or refused value is answered on the form); then where to go. */
  const saved = async (
    request: FastifyRequest,
    next: string,
    work: (actor: Actor, ctx: RequestContext) => Promise<unknown>,
  ): Promise<string> => {
    const [actor, ctx] = who(request)
    await saving(() => work(actor, ctx))
    return next
  }

  /**
   * The "Add a person" step before saving: possible duplicates of what the user typed, among the records they may
   * see (the duplicates service decides which). Input the check cannot use (a malformed NHS number, an impossible
   * date) is left to the create form's own validation, which answers it on the field: the check finds nothing.
   */
  async function duplicatesOf(request: FastifyRequest, body: PostedForm): Promise<DuplicateCandidate[]> {
    const [actor, ctx] = who(request)
    const value = (name: string) => fieldOf(body, name)
    const wouldBe = {
      givenName: value('givenName'),
      familyName: value('familyName'),
      dateOfBirth: typedDate(body, 'dateOfBirth') ?? '',
      nhsNumber: value('nhsNumber'),
      upn: value('upn'),
      laChildId: value('laChildId'),
      policeId: value('policeId'),
    }
    try {
      return await services.duplicates.forNew(actor, wouldBe, ctx)
    } catch (error) {
      if (error instanceof ValidationError) return []
      throw error
    }
  }

  type RecordLoaded = Awaited<ReturnType<typeof record>>
  type RecordFormSpec<Body extends TProperties> = Omit<
    FormPageSpec<Body, RecordLoaded>,
    'access' | 'load' | 'values'
  > &
    Partial<Pick<FormPageSpec<Body, RecordLoaded>, 'values'>>

  return async (app) => {
    /** A form about the record itself (details, names, statuses): it loaded for the form, its version kept. */
    const recordForm = <Body extends TProperties>(spec: RecordFormSpec<Body>) =>
      formPage(app, {
        access,
        load: (request, { id = '' }) => record(request, id),
        values: versioned,
        ...spec,
      })

    formPage(app, {
      path: paths.people.new,
      access,
      view: VIEWS.new,
      body: NEW_PERSON_FORM,
      load: async (request) => ({
        options: { ...(await edit.options(signedInActor(request))), aliasKinds: ALIAS_KINDS },
      }),
      values: () => ({ kind: 'child' }),
      conflictField: 'givenName',
      dateFields: DATE_FIELDS,
      submit: async (request, body) => {
        // Before saving: possible duplicates the user may see, with "this is the same person" (their record) or
        // "create a new record anyway" (the same form again, now marked as checked).
        if (body.duplicatesChecked !== 'yes') {
          const duplicates = await duplicatesOf(request, body)
          if (duplicates.length > 0) return { again: { duplicates } }
        }
        const input = {
          person: personFromForm(body),
          aliases: aliasesFromForm(body),
          statuses: [statusFromForm(body)],
        }
        const [actor, ctx] = who(request)
        return paths.people.show(await edit.create(actor, input, ctx))
      },
    })

    recordForm({
      path: paths.people.edit,
      view: VIEWS.edit,
      body: EDIT_FORM,
      values: (loaded) => ({ ...formOf(personInputOf(loaded.person)), ...versioned(loaded) }),
      conflictField: 'givenName',
      dateFields: DATE_FIELDS,
      submit: (request, body, { id = '' }) =>
        saved(request, paths.people.show(id), (actor, ctx) =>
          edit.update(actor, id, versionOf(body.version), personFromForm(body), ctx),
        ),
    })

    // Other names --------------------------------------------------------------------------------------------
    recordForm({
      path: paths.people.names,
      view: VIEWS.names,
      body: NAMES_FORM,
      conflictField: 'alias0Name',
      submit: (request, body, { id = '' }) =>
        saved(request, paths.people.names(id), (actor, ctx) =>
          edit.addAliases(actor, id, versionOf(body.version), aliasesFromForm(body), ctx),
        ),
    })

    // Removing a name is a button on the names page, which shows a refusal.
    recordForm({
      path: paths.people.nameRemove,
      postOnly: true,
      // The alias is looked for among the record's own, once the policy allowed the record (an unknown one: 404).
      opaqueParams: ['aliasId'],
      view: VIEWS.names,
      body: { version: NAMES_FORM.version },
      keep: () => ({}),
      conflictField: 'alias0Name',
      submit: (request, body, { id = '', aliasId = '' }) =>
        saved(request, paths.people.names(id), (actor, ctx) =>
          edit.removeAlias(actor, id, versionOf(body.version), aliasId, ctx),
        ),
    })

    // Statutory statuses -------------------------------------------------------------------------------------
    recordForm({
      path: paths.people.statuses,
      view: VIEWS.statuses,
      body: STATUS_ADD_FORM,
      conflictField: 'statutoryStatus',
      dateFields: DATE_FIELDS,
      submit: (request, body, { id = '' }) =>
        saved(request, paths.people.statuses(id), (actor, ctx) =>
          edit.addStatus(actor, id, versionOf(body.version), statusFromForm(body), ctx),
        ),
    })

    formPage(app, {
      path: paths.people.statusEnd,
      access,
      // The status is looked for among the record's own, after the record's audited read (an unknown one: 404).
      opaqueParams: ['statusId'],
      view: VIEWS.statusEnd,
      body: STATUS_END_FORM,
      load: async (request, { id = '', statusId = '' }) => {
        const found = await record(request, id)
        const status = found.statuses.find((s) => s.id === statusId)
        if (status === undefined) throw new NotFoundError()
        return { person: found.person, status }
      },
      values: (loaded) => ({ ...datePartsOf('statusTo', loaded.status.toDate), ...versioned(loaded) }),
      conflictField: 'statusTo',
      dateFields: DATE_FIELDS,
      submit: async (request, body, { id = '', statusId = '' }) => {
        const toDate = dateOf(body, 'statusTo')
        return saved(request, paths.people.statuses(id), (actor, ctx) =>
          edit.endStatus(actor, id, versionOf(body.version), statusId, toDate, ctx),
        )
      },
    })
  }
}
