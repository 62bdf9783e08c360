import AjvCompiler from '@fastify/ajv-compiler'
import { SerializerSelector } from '@fastify/fast-json-stringify-compiler'
import type { FastifyServerOptions } from 'fastify'

/**
 * Fastify's own schema compilers (Ajv for requests, fast-json-stringify for responses), with what they compile
 * kept for the life of the process and keyed by what it was compiled from: the route's definition (method, URL,
 * the part of the request or the response status, and the schema), the shared schemas and the options.
 *
 * Compiling every route's schemas is most of the cost of building the app. A server builds it once, so this
 * changes nothing there; the tests build one app per test (hundreds a run) from the same schemas, and the CLI
 * and the benchmarks build more than one, so they compile each schema once instead of once an app. A compiled
 * validator or serializer is a pure function of its inputs (a validator keeps only the last call's `errors`,
 * which Fastify reads at once), so one compiled from the same inputs serves every app in the process.
 */

type CompilersFactory = NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>
type BuildValidator = NonNullable<CompilersFactory['buildValidator']>
type BuildSerializer = NonNullable<CompilersFactory['buildSerializer']>

const validatorPool = AjvCompiler()
const serializerPool = SerializerSelector()
const validators = new Map<string, ReturnType<ReturnType<BuildValidator>>>()
const serializers = new Map<string, ReturnType<ReturnType<BuildSerializer>>>()

function kept<T>(cache: Map<string, T>, key: string, compile: () => T): T {
  let compiled = cache.get(key)
  if (compiled === undefined) {
    compiled = compile()
    cache.set(key, compiled)
  }
  return compiled
}

const buildValidator: BuildValidator = (externalSchemas, options) => {
  const compile = validatorPool(externalSchemas, options)
  const shared = JSON.stringify([externalSchemas, options])
  return (route) => kept(validators, shared + JSON.stringify(route), () => compile(route))
}

const buildSerializer: BuildSerializer = (externalSchemas, options) => {
  const compile = serializerPool(externalSchemas, options)
  const shared = JSON.stringify([externalSchemas, options])
  return (route) => kept(serializers, shared + JSON.stringify(route), () => compile(route))
}

/** For `Fastify({ schemaController })`. */
export const schemaController = { compilersFactory: { buildValidator, buildSerializer } }
