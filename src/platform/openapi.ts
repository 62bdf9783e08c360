import swagger from '@fastify/swagger'
import type { FastifyInstance, FastifySchema, RouteOptions } from 'fastify'
import { Type } from 'typebox'
import { version } from '../version.ts'
import { API_PREFIX, paths } from './paths.ts'
import type { FeatureRoutes } from './surfaces.ts'

export const ProblemSchema = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    instance: Type.String(),
    requestId: Type.String(),
    errors: Type.Optional(Type.Array(Type.Object({ field: Type.String(), message: Type.String() }))),
  },
  { $id: 'Problem', description: 'RFC 9457 problem details (application/problem+json)' },
)

export class DuplicateOperationIdError extends Error {
  override name = 'DuplicateOperationIdError'
}

const BEARER = [{ bearer: [] }]

/** Whether a route is in the API document: the API and health routes, unless hidden. */
function documented(route: RouteOptions): boolean {
  if (route.schema?.hide === true) return false
  return route.url.startsWith(`${API_PREFIX}/`) || route.url.startsWith(paths.health.liveness)
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/

const capitalised = (word: string) => word.charAt(0).toUpperCase() + word.slice(1)

/** `GET /api/v1/people/:id/duplicate-candidates` → getPeopleByIdDuplicateCandidates. */
function idFromMethodAndUrl(method: string, url: string): string {
  const words = url
    .replace(API_PREFIX, '')
    .split('/')
    .filter((segment) => segment !== '')
    .map((segment) => {
      const parts = segment.replace(/^:/, '').split(/[^A-Za-z0-9]+/)
      const word = parts
        .filter((p) => p !== '')
        .map(capitalised)
        .join('')
      return segment.startsWith(':') ? `By${word}` : word
    })
  return `${method.toLowerCase()}${words.join('')}`
}

/**
 * An operationId for every documented route, fixed at start-up: the route's own `schema.operationId`, else its
 * handler's name (`referralApiGet`), else, for an anonymous handler or a name that more than one documented
 * route shares, one derived from method and path (getHealthReady). Throws on an id given twice, and on a
 * documented route with more than one method (its methods would share one operation's id).
 */
function operationIds(routes: RouteOptions[]): Map<RouteOptions, string> {
  const named = (route: RouteOptions) =>
    IDENTIFIER.test(route.handler.name) ? route.handler.name : undefined
  const nameUses = new Map<string, number>()
  for (const route of routes) {
    const name = named(route)
    if (route.schema?.operationId === undefined && name !== undefined)
      nameUses.set(name, (nameUses.get(name) ?? 0) + 1)
  }
  const ids = new Map<RouteOptions, string>()
  const owners = new Map<string, string>()
  for (const route of routes) {
    const methods = [route.method].flat()
    const where = `${methods.join(',')} ${route.url}`
    if (methods.length !== 1) {
      throw new DuplicateOperationIdError(
        `${where}: a documented route needs one method, so that each operation has its own operationId`,
      )
    }
    const name = named(route)
    const id =
      route.schema?.operationId ??
      (name !== undefined && nameUses.get(name) === 1
        ? name
        : idFromMethodAndUrl(methods.join(''), route.url))
    const owner = owners.get(id)
    if (owner !== undefined) {
      throw new DuplicateOperationIdError(`operationId ${id} is given to both ${owner} and ${where}`)
    }
    owners.set(id, where)
    ids.set(route, id)
  }
  return ids
}

const CLIENT_ERROR = {
  description: 'Client error: an RFC 9457 problem document',
  content: { 'application/problem+json': { schema: { $ref: 'Problem#' } } },
}

/**
 * What the document says about a route beyond its own schema, decided here for every route: its operationId;
 * its security (none for `access: 'public'`, else the bearer token, unless the route says more); a summary
 * when it has none; and a client error response when it lists no 4xx.
 */
function documentedSchema(schema: FastifySchema, route: RouteOptions, operationId: string): FastifySchema {
  const response = (schema.response ?? {}) as Record<string, unknown>
  const public_ = route.config?.access === 'public'
  return {
    ...schema,
    operationId,
    summary: schema.summary ?? `${[route.method].flat().join(',')} ${route.url}`,
    security: public_ ? [] : (schema.security ?? BEARER),
    response: Object.keys(response).some((status) => status.startsWith('4'))
      ? response
      : { ...response, '4XX': CLIENT_ERROR },
  }
}

/** The OpenAPI document is generated from the same route schemas that validate requests. */
export async function setUpOpenApi(app: FastifyInstance): Promise<void> {
  app.addSchema(ProblemSchema)
  // Routes as @fastify/swagger sees them (it leaves out the HEAD routes Fastify adds for GET).
  const routes: RouteOptions[] = []
  app.addHook('onRoute', (route) => {
    if (route.method !== 'HEAD' && documented(route)) routes.push(route)
  })
  let ids = new Map<RouteOptions, string>()
  app.addHook('onReady', async () => {
    ids = operationIds(routes)
  })
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'OpenMACE API',
        version,
        license: { name: 'MIT', identifier: 'MIT' },
        description:
          'JSON API of OpenMACE. Errors are RFC 9457 problem documents (application/problem+json). Every call is subject to the same access rules and audit as the pages.',
      },
      servers: [{ url: '/' }],
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      tags: [
        { name: 'identity', description: 'The caller' },
        { name: 'service', description: 'About this deployment' },
        { name: 'health', description: 'Liveness and readiness' },
        { name: 'people', description: 'People: records, search, duplicates, merges' },
        { name: 'locations', description: 'Addresses, premises and public places' },
        { name: 'objects', description: 'Phones (E.164), vehicles, online handles and other things' },
        {
          name: 'flags',
          description: 'Flags on people and locations, set on the policy definitions, with reviews',
        },
        {
          name: 'links',
          description: 'Typed, dated links between people, places and things, with provenance',
        },
        {
          name: 'chronology',
          description: 'A child’s chronology: everything dated about them, newest first',
        },
        {
          name: 'referrals',
          description:
            'Referrals to the front door: submit, queue, review, decide, withdraw; feedback to the referrer',
        },
        {
          name: 'notifications',
          description:
            'Notifications to other local authorities and police forces, and their acknowledgements',
        },
        {
          name: 'concerns',
          description: 'Concerns about a child, with the screening, recorded by any practitioner',
        },
        {
          name: 'screening',
          description: 'The CSE/CCE vulnerabilities and risk indicators guide and its suggested level',
        },
        // Intelligence (issue 12).
        {
          name: 'intelligence',
          description:
            'Police intelligence with 3x5x2 grading and handling conditions: in full for handlers, sanitised for MACE members',
        },
        // Street terms (issue 12, slice i12-terms)
        {
          name: 'street-terms',
          description:
            'The partnership’s street-terms glossary (term, variants, meaning) that screening finds in words',
        },
        // Suggested links (issue 12, i12-suggest).
        {
          name: 'suggestions',
          description:
            'Suggested links between records of different sources (the same phone, place or person), with explained scores, for review',
        },
        // a13: allocation (issue 13)
        {
          name: 'allocation',
          description:
            'Team allocation queues after a front-door decision, allocating and re-allocating a worker, with history',
        },
        // t13: the task engine.
        {
          name: 'tasks',
          description:
            'Work that is due: my tasks and my team’s tasks (overdue first), completing a task with its outcome, reassigning within the team',
        },
      ],
    },
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) =>
        typeof json.$id === 'string' ? json.$id : `def-${i}`,
    },
    transform: ({ schema, url, route }) => {
      if (!documented(route)) return { schema: { ...schema, hide: true }, url }
      const id = ids.get(route)
      if (id === undefined) throw new Error(`no operationId for ${String(route.method)} ${url}`)
      return { schema: documentedSchema(schema, route, id), url }
    },
  })
}

/** The OpenAPI document itself, on the API surface. */
export function openApiRoutes(root: FastifyInstance): FeatureRoutes {
  return {
    api: async (app) => {
      app.get(
        paths.api.openapi.pattern,
        { config: { access: 'public' }, schema: { hide: true } },
        async function openapiGet() {
          return root.swagger()
        },
      )
    },
  }
}
