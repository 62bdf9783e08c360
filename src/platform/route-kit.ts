import type { FastifySchema } from 'fastify'
import { Type, type TSchema } from 'typebox'
import type { Capability } from './access/roles.ts'
import { ValidationError } from './errors.ts'
import type { RouteAccess } from './route-access.ts'

/**
 * The pieces every feature's API schemas are built of, declared once: the `:id` parameter, the problem+json
 * responses by status, a nullable field, and the fields of a person as any API shows one (people, search,
 * duplicates). A feature's own schemas say only what is its own.
 */

/**
 * An API route's options: the capability a caller needs, or 'public' or 'signed-in' (the route guard's `access`), and the tag the OpenAPI
 * document lists it under, with its own schema (summary, params, body, responses). The bearer security, the 4XX
 * problem and the operationId are added centrally (src/platform/openapi.ts).
 */
export function apiRoute<const S extends FastifySchema>(
  access: Capability | 'public' | 'signed-in',
  tag: string,
  schema: S,
) {
  const declared: RouteAccess =
    access === 'public' || access === 'signed-in' ? access : { capability: access }
  return { config: { access: declared }, schema: { tags: [tag], ...schema } }
}

/** A route's `:id` path parameter: a record's UUID. */
export const IdParams = Type.Object({ id: Type.String({ format: 'uuid' }) })

/** A field that may be null. */
export const nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()])

const PROBLEM = { $ref: 'Problem#' } as const

/** The problem+json responses of a route, one for each status given. */
export function problemsOf<S extends number>(...statuses: S[]): Record<S, typeof PROBLEM> {
  return Object.fromEntries(statuses.map((status) => [status, PROBLEM])) as Record<S, typeof PROBLEM>
}

/** A read of a record: not signed in, refused, or not there (or not the caller's to see). */
export const readProblems = problemsOf(401, 403, 404)

/** A read with input (a query or body) that can be invalid. */
export const inputProblems = problemsOf(400, 401, 403, 404)

/** A change of a record that can also be stale (409). */
export const changeProblems = problemsOf(400, 401, 403, 404, 409)

/**
 * The fields of a person as every API shows one, whatever else it adds: those the caller may not see are absent,
 * not null.
 */
export const personFields = {
  id: Type.String({ format: 'uuid' }),
  kind: Type.Optional(Type.String()),
  kindLabel: Type.Optional(Type.String()),
  givenName: Type.Optional(Type.String()),
  familyName: Type.Optional(nullable(Type.String())),
  dateOfBirth: Type.Optional(nullable(Type.String({ format: 'date' }))),
}

/**
 * Runs an API call with its field errors named as JSON pointers into the body: `/body/<field>`, or the pointer
 * `names` gives for a service field that the body spells differently.
 */
export async function apiFields<T>(
  work: () => Promise<T>,
  names: Readonly<Record<string, string>> = {},
): Promise<T> {
  try {
    return await work()
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error
    throw new ValidationError(
      error.fieldErrors.map((e) => ({ field: names[e.field] ?? `/body/${e.field}`, message: e.message })),
    )
  }
}
