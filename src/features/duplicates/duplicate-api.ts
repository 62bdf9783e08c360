import type { FastifySchema } from 'fastify'
import type { Capability } from '../../platform/access/roles.ts'
import { requestContext } from '../../platform/auth/request-context.ts'
import { paths } from '../../platform/paths.ts'
import { RATE_LIMITS } from '../../platform/rate-limits.ts'
import { apiRoute } from '../../platform/route-kit.ts'
import type { SurfaceApp } from '../../platform/surfaces.ts'
import { apiActor } from '../../platform/tokens/api-auth.ts'
import type { Services } from '../../services.ts'
import {
  ApiMerge,
  ApiParams,
  ApiUnmerge,
  Candidates,
  changeProblems,
  checkProblems,
  MergeSchema,
  MovedSchema,
  problems,
  WouldBe,
} from './duplicate-schema.ts'
import { Type } from 'typebox'

/** A duplicate check: declared as the route kit declares any route, and limited per caller. */
function duplicateCheck<const S extends FastifySchema>(capability: Capability, schema: S) {
  const route = apiRoute(capability, 'people', schema)
  return { ...route, config: { ...route.config, rateLimit: RATE_LIMITS.duplicateCheck } }
}

/** The duplicates and merges API: possible duplicates (limited per caller, RATE_LIMITS.duplicateCheck), merges. */
export function duplicateApi(services: Services) {
  const { duplicates, merges } = services

  return async (app: SurfaceApp) => {
    app.get(
      paths.api.personDuplicates.pattern,
      duplicateCheck('person:read', {
        summary: 'Possible duplicates of a person, scored with the reasons; only records the caller may see',
        params: ApiParams,
        response: { 200: Candidates, ...checkProblems },
      }),
      async function duplicatesApiGet(request) {
        const { candidates } = await duplicates.forPerson(
          apiActor(request),
          request.params.id,
          requestContext(request),
        )
        return { candidates }
      },
    )

    app.post(
      paths.api.duplicateCandidates.pattern,
      duplicateCheck('person:write', {
        summary:
          'Before creating a person: possible duplicates of the would-be record among those the caller may see',
        body: WouldBe,
        response: { 200: Candidates, ...checkProblems },
      }),
      async function duplicatesNewApiPost(request) {
        return {
          candidates: await duplicates.forNew(apiActor(request), request.body, requestContext(request)),
        }
      },
    )

    app.post(
      paths.api.personMerge.pattern,
      apiRoute('person:merge', 'people', {
        summary:
          'Merge another record (mergedId) into this one; both versions must be current (409 otherwise)',
        params: ApiParams,
        body: ApiMerge,
        response: {
          200: Type.Object({ mergeId: Type.String({ format: 'uuid' }), moved: MovedSchema }),
          ...changeProblems,
        },
      }),
      async function mergeApiPost(request) {
        return merges.merge(apiActor(request), request.params.id, request.body, requestContext(request))
      },
    )

    app.get(
      paths.api.personMerges.pattern,
      apiRoute('person:merge', 'people', {
        summary: 'Merges into this person (with what moved), newest first, including reversed ones',
        params: ApiParams,
        response: { 200: Type.Object({ merges: Type.Array(MergeSchema) }), ...problems },
      }),
      async function mergesApiGet(request) {
        const result = await merges.mergesInto(apiActor(request), request.params.id, requestContext(request))
        return {
          merges: result.merges.map((m) => ({
            ...m,
            mergedAt: m.mergedAt.toISOString(),
            unmergedAt: m.unmergedAt?.toISOString() ?? null,
          })),
        }
      },
    )

    app.post(
      paths.api.personUnmerge.pattern,
      apiRoute('person:merge', 'people', {
        summary:
          'Reverse a merge into this person: exactly what moved goes back; the merge version must be current',
        params: ApiParams,
        body: ApiUnmerge,
        response: { 200: Type.Object({ mergedId: Type.String({ format: 'uuid' }) }), ...changeProblems },
      }),
      async function unmergeApiPost(request) {
        return merges.unmerge(apiActor(request), request.params.id, request.body, requestContext(request))
      },
    )
  }
}
