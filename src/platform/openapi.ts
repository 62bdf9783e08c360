import swagger from '@fastify/swagger'
import type { FastifyInstance } from 'fastify'
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

/** The OpenAPI document is generated from the same route schemas that validate requests. */
export async function setUpOpenApi(app: FastifyInstance): Promise<void> {
  app.addSchema(ProblemSchema)
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'OpenMACE API',
        version,
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
      ],
    },
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) =>
        typeof json.$id === 'string' ? json.$id : `def-${i}`,
    },
    transform: ({ schema, url }) => {
      const documented = url.startsWith(`${API_PREFIX}/`) || url.startsWith(paths.health.liveness)
      return { schema: documented ? schema : { ...schema, hide: true }, url }
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
