import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import { signedInActor } from '../../platform/access/actor.ts'
import { requestContext } from '../../platform/auth/request-context.ts'
import { ConflictError, NotFoundError, ValidationError } from '../../platform/errors.ts'
import { paths } from '../../platform/paths.ts'
import { dateOf, datePartsOf, fieldOf, versionOf, type PostedForm } from '../../platform/views/form-fields.ts'
import { formPage } from '../../platform/views/form-page.ts'
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

  return async (app) => {
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

    formPage(app, {
      path: paths.people.edit,
      access,
      view: VIEWS.edit,
      body: EDIT_FORM,
      load: (request, { id = '' }) => record(request, id),
      values: (loaded) => ({ ...formOf(personInputOf(loaded.person)), ...versioned(loaded) }),
      conflictField: 'givenName',
      dateFields: DATE_FIELDS,
      submit: async (request, body, { id = '' }) => {
        const [actor, ctx] = who(request)
        await saving(() => edit.update(actor, id, versionOf(body.version), personFromForm(body), ctx))
        return paths.people.show(id)
      },
    })

    // Other names --------------------------------------------------------------------------------------------
    formPage(app, {
      path: paths.people.names,
      access,
      view: VIEWS.names,
      body: NAMES_FORM,
      load: (request, { id = '' }) => record(request, id),
      values: versioned,
      conflictField: 'alias0Name',
      submit: async (request, body, { id = '' }) => {
        const [actor, ctx] = who(request)
        await saving(() => edit.addAliases(actor, id, versionOf(body.version), aliasesFromForm(body), ctx))
        return paths.people.names(id)
      },
    })

    // Removing a name is a button on the names page, which shows a refusal.
    formPage(app, {
      path: paths.people.nameRemove,
      postOnly: true,
      // The alias is looked for among the record's own, once the policy allowed the record (an unknown one: 404).
      opaqueParams: ['aliasId'],
      access,
      view: VIEWS.names,
      body: { version: NAMES_FORM.version },
      load: (request, { id = '' }) => record(request, id),
      values: versioned,
      keep: () => ({}),
      conflictField: 'alias0Name',
      submit: async (request, body, { id = '', aliasId = '' }) => {
        const [actor, ctx] = who(request)
        await saving(() => edit.removeAlias(actor, id, versionOf(body.version), aliasId, ctx))
        return paths.people.names(id)
      },
    })

    // Statutory statuses -------------------------------------------------------------------------------------
    formPage(app, {
      path: paths.people.statuses,
      access,
      view: VIEWS.statuses,
      body: STATUS_ADD_FORM,
      load: (request, { id = '' }) => record(request, id),
      values: versioned,
      conflictField: 'statutoryStatus',
      dateFields: DATE_FIELDS,
      submit: async (request, body, { id = '' }) => {
        const [actor, ctx] = who(request)
        await saving(() => edit.addStatus(actor, id, versionOf(body.version), statusFromForm(body), ctx))
        return paths.people.statuses(id)
      },
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
        const [actor, ctx] = who(request)
        const toDate = dateOf(body, 'statusTo')
        await saving(() => edit.endStatus(actor, id, versionOf(body.version), statusId, toDate, ctx))
        return paths.people.statuses(id)
      },
    })
  }
}
