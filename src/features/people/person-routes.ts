import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { Transaction } from 'kysely'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { DB } from '../../db/schema.ts'
import { signedInActor } from '../../platform/access/actor.ts'
import { can, type Actor } from '../../platform/access/policy.ts'
import type { AuditEvent } from '../../platform/audit/audit-writer.ts'
import type { RequestContext } from '../../platform/auth/auth-service.ts'
import { requestContext } from '../../platform/auth/request-context.ts'
import { NotFoundError } from '../../platform/errors.ts'
import { paths } from '../../platform/paths.ts'
import { apiActor } from '../../platform/tokens/api-auth.ts'
import type { Services } from '../../services.ts'
import type { FeatureRoutes } from '../../platform/surfaces.ts'
import { formText, UUID } from '../../platform/views/form-fields.ts'
import { formPage } from '../../platform/views/form-page.ts'
import type { PersonWithFacts } from './person-repository.ts'
import { PeopleResponse, PersonParams, PersonReadResponse, readProblems } from './person-schema.ts'
import type { PersonRead, PersonView, ReadChannel } from './person-service.ts'

/**
 * A child's record: the caseload, the record's pages (overview, links, who has viewed it; its chronology is the
 * chronology feature's), break-glass, and the read API. Every page of the record shares one layout
 * (views/record-layout.njk): the identity bar and the sub-navigation of the sections the reader may open.
 */

const VIEWS = {
  list: 'features/people/views/people.njk',
  show: 'features/people/views/person.njk',
  links: 'features/people/views/person-links.njk',
  notFound: 'features/people/views/not-found.njk',
  breakGlass: 'features/people/views/break-glass.njk',
  views: 'features/people/views/record-views.njk',
}
const read = { access: { capability: 'person:read' as const } }

export function personRoutes(services: Services): FeatureRoutes {
  const people = services.people

  /** The not-found page for a person id, offering break-glass to roles that may ask (for any id). */
  const notFound = (request: FastifyRequest, reply: FastifyReply, id: string) =>
    reply.code(404).view(VIEWS.notFound, {
      breakGlassHref:
        UUID.test(id) && people.mayAskForBreakGlass(signedInActor(request))
          ? paths.people.breakGlass(id)
          : null,
    })

  /** The record's links (their other ends' reads go with the page's) and its flags, in the page's transaction. */
  const linksAndFlags =
    (actor: Actor, ctx: RequestContext) =>
    async (trx: Transaction<DB>, _allowed: PersonRead, found: PersonWithFacts, events: AuditEvent[]) => {
      const id = found.person.id
      const flags = await services.flags.onSubject(actor, 'person', id, ctx, { trx, row: found })
      return {
        personLinks: await services.links.forPerson(actor, id, ctx, { trx, events, person: found }),
        flags: flags.flags,
        canWriteFlags: flags.canWrite,
        // Entries about the child that the reader may see (each audited): none for most readers.
        intelligence: await services.intelligence.concerning(trx, actor, { kind: 'person', id }, ctx, 'page'),
        // a13: who the child has been allocated to, when and why (issue 13).
        allocationHistory: await services.allocations.historyOfChild(trx, actor, found),
      }
    }

  /** A page of the record: the record, its links and its flags in one transaction; 404 (with break-glass). */
  const recordPage = (view: string, section: 'overview' | 'links', via: ReadChannel) =>
    async function recordPageGet(request: FastifyRequest, reply: FastifyReply) {
      const { id } = request.params as { id: string }
      if (!UUID.test(id)) return notFound(request, reply, id)
      const actor = signedInActor(request)
      const ctx = requestContext(request)
      try {
        const page = await people.readWith(actor, id, ctx, linksAndFlags(actor, ctx), { via })
        const { personLinks, flags, canWriteFlags, intelligence, allocationHistory } = page.more
        return await reply.view(view, {
          person: page.read.person,
          hub: page.hub(section, flags),
          breakGlassUntil: page.read.breakGlassUntil,
          personLinks,
          canAddLink: can(actor, 'link:write'),
          flags,
          canWriteFlags,
          intelligence,
          canRecordIntelligence: can(actor, 'intelligence:write'),
          canEdit: page.read.mayWrite,
          allocationHistory,
        })
      } catch (error) {
        if (error instanceof NotFoundError) return notFound(request, reply, id)
        throw error
      }
    }

  const pages: FastifyPluginAsyncTypebox = async (app) => {
    app.get(paths.people.list, { config: read }, async function peopleGet(request, reply) {
      const reads = await people.caseload(signedInActor(request), requestContext(request))
      return reply.view(VIEWS.list, {
        people: reads.map((r) => r.person),
        canAdd: can(signedInActor(request), 'person:write'),
      })
    })

    app.get(paths.people.show.pattern, { config: read }, recordPage(VIEWS.show, 'overview', 'page'))
    app.get(paths.people.links.pattern, { config: read }, recordPage(VIEWS.links, 'links', 'links'))

    app.get(
      paths.people.views.pattern,
      { config: { access: { capability: 'record-views:read' } } },
      async function recordViewsGet(request, reply) {
        const { id } = request.params as { id: string }
        if (!UUID.test(id)) throw new NotFoundError()
        const actor = signedInActor(request)
        const ctx = requestContext(request)
        const result = await people.views(
          actor,
          id,
          ctx,
          async (trx) => (await services.flags.onSubject(actor, 'person', id, ctx, { trx })).flags,
        )
        return reply.view(VIEWS.views, result)
      },
    )

    // Break-glass: a reason and the password; the password is never shown again.
    formPage(app, {
      path: paths.people.breakGlass,
      access: { capability: 'break-glass:use' },
      view: VIEWS.breakGlass,
      body: { reason: formText(5000), password: formText(1000) },
      load: async (_request, { id = '' }) => ({ id, hours: services.breakGlassHours }),
      keep: (body) => ({ reason: body.reason ?? '' }),
      conflictField: 'reason',
      submit: async (request, body, { id = '' }) => {
        const input = { reason: body.reason ?? '', password: body.password ?? '' }
        await people.breakGlass(signedInActor(request), id, input, requestContext(request))
        return paths.people.show(id)
      },
    })
  }

  const api: FastifyPluginAsyncTypebox = async (app) => {
    // The same service, the caller's actor narrowed by the token's scopes.
    app.get(
      paths.api.people.pattern,
      {
        config: read,
        schema: {
          tags: ['people'],
          summary: 'The people the caller works with (allocated, team, agency, current MACE, break-glass)',
          response: { 200: PeopleResponse, ...readProblems },
        },
      },
      async function peopleApiGet(request) {
        const reads = await people.caseload(apiActor(request), requestContext(request))
        return { people: reads.map((r) => r.person) }
      },
    )

    app.get(
      paths.api.person.pattern,
      {
        config: read,
        schema: {
          tags: ['people'],
          summary: 'One person, with only the fields the caller may see; 404 for a record they may not see',
          params: PersonParams,
          response: { 200: PersonReadResponse, ...readProblems },
        },
      },
      async function personApiGet(request) {
        const found = await people.read(apiActor(request), request.params.id, requestContext(request), {
          via: 'api',
        })
        return {
          person: found.person satisfies PersonView,
          access: {
            relationships: found.decision.relationships,
            breakGlassUntil: found.breakGlassUntil?.toISOString() ?? null,
          },
        }
      },
    )
  }

  return { pages, api }
}
