import type { FastifyInstance, RouteOptions } from 'fastify'

/**
 * Every number a request may carry fits a PostgreSQL `integer`. A `version` of 2^53+1 or 2147483648 used to
 * pass the schema and overflow its column (a 500); now the schema refuses it (a 400 naming the field).
 * An onRoute hook gives each `integer` and `number` node of a route's body, querystring and params schema a
 * `minimum` and `maximum` within −2147483648…2147483647 where it has none (or a looser one), before Fastify
 * compiles the route's validator (at preReady, lib/route.js) and before the OpenAPI document is generated
 * (which therefore shows the bounds). Schemas are copied where changed, never mutated: TypeBox schemas are
 * shared module constants, some also used for responses.
 */

export const PG_INTEGER_MIN = -2_147_483_648
export const PG_INTEGER_MAX = 2_147_483_647

type Schema = Record<string, unknown>

const isSchema = (value: unknown): value is Schema =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/** Keywords whose value is a subschema or a list of them. */
const NESTED = [
  ...['additionalProperties', 'items', 'not', 'if', 'then', 'else', 'contains', 'unevaluatedItems'],
  ...['anyOf', 'oneOf', 'allOf', 'prefixItems'],
]
/** Keywords whose value maps names to subschemas. */
const MAP = ['properties', 'patternProperties', 'dependentSchemas', '$defs', 'definitions']

function isNumeric(schema: Schema): boolean {
  const type = schema.type
  const types = Array.isArray(type) ? type : [type]
  return types.includes('integer') || types.includes('number')
}

/** A copy keeping every own property (TypeBox's non-enumerable markers too). */
function copyOf(schema: Schema): Schema {
  return Object.create(
    Object.getPrototypeOf(schema) as object | null,
    Object.getOwnPropertyDescriptors(schema),
  ) as Schema
}

/** The bounds a numeric node needs: only those it lacks or has looser than the column's. */
function missingBounds(schema: Schema): Schema {
  const needed: Schema = {}
  const lower = [schema.minimum, schema.exclusiveMinimum].filter((v) => typeof v === 'number')
  if (!lower.some((v) => v >= PG_INTEGER_MIN)) needed.minimum = PG_INTEGER_MIN
  const upper = [schema.maximum, schema.exclusiveMaximum].filter((v) => typeof v === 'number')
  if (!upper.some((v) => v <= PG_INTEGER_MAX)) needed.maximum = PG_INTEGER_MAX
  return needed
}

/**
 * The schema with every numeric node bounded to a PostgreSQL integer; the same object when nothing needed
 * bounding (so a schema without numbers is untouched, and shared subschemas stay shared).
 */
export function boundIntegers<T>(schema: T): T {
  return bound(schema, new Map()) as T
}

function bound(node: unknown, seen: Map<object, unknown>): unknown {
  if (Array.isArray(node)) {
    const items = node.map((item) => bound(item, seen))
    return items.some((item, i) => item !== node[i]) ? items : node
  }
  if (!isSchema(node)) return node
  const known = seen.get(node)
  if (known !== undefined) return known
  seen.set(node, node) // a cycle (not expected in request schemas) ends here unchanged
  let result: Schema | undefined
  const set = (key: string, value: unknown) => {
    result ??= copyOf(node)
    result[key] = value
  }
  if (isNumeric(node)) {
    for (const [key, value] of Object.entries(missingBounds(node))) set(key, value)
  }
  for (const key of NESTED) {
    const child = node[key]
    if (child === undefined) continue
    const next = bound(child, seen)
    if (next !== child) set(key, next)
  }
  for (const key of MAP) {
    const children = node[key]
    if (!isSchema(children)) continue
    let copy: Schema | undefined
    for (const [name, child] of Object.entries(children)) {
      const next = bound(child, seen)
      if (next === child) continue
      copy ??= copyOf(children)
      copy[name] = next
    }
    if (copy !== undefined) set(key, copy)
  }
  const out = result ?? node
  seen.set(node, out)
  return out
}

const REQUEST_PARTS = ['body', 'querystring', 'params'] as const

/** The route's schema with its request parts bounded (a new object only when something changed). */
export function boundRouteSchema(schema: RouteOptions['schema']): RouteOptions['schema'] {
  if (schema === undefined) return schema
  let result: RouteOptions['schema'] | undefined
  for (const part of REQUEST_PARTS) {
    const original = schema[part]
    if (original === undefined) continue
    const bounded = boundIntegers(original)
    if (bounded !== original) result = { ...(result ?? schema), [part]: bounded }
  }
  return result ?? schema
}

/** Registers the hook (call once, on the root instance, before any route with a schema is added). */
export function setUpIntegerBounds(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    const bounded = boundRouteSchema(route.schema)
    if (bounded !== route.schema) route.schema = bounded
  })
}

/**
 * Whether a number can be a record's version (an `integer` column counting from 1). Services that compare a
 * version in SQL check it first: any other number is a stale form (409), not a query the database refuses.
 */
export function isRowVersion(value: number): boolean {
  return Number.isInteger(value) && value >= 1 && value <= PG_INTEGER_MAX
}
