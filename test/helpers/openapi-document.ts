import { buildApp } from '../../src/app.ts'
import { loadConfig } from '../../src/config.ts'
import { createDatabase } from '../../src/db/database.ts'
import type { RegisteredRoute } from '../../src/platform/route-access.ts'
import { latestMigration } from '../../src/runtime.ts'
import { services } from '../../src/services.ts'

export interface OpenApiOperation {
  operationId?: string
  summary?: string
  security?: Record<string, string[]>[]
  responses: Record<string, unknown>
}

export interface OpenApiDocument {
  openapi: string
  paths: Record<string, Record<string, OpenApiOperation>>
  [key: string]: unknown
}

/**
 * The app's OpenAPI document and route table, built without a database: the real app and services on a pool
 * that never connects (`app.ready()` and `app.swagger()` run no query; one that did would fail on the closed
 * port). For `npm run lint:openapi` and the document's tests.
 */
export async function openApiDocument(): Promise<{ document: OpenApiDocument; routes: RegisteredRoute[] }> {
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent' })
  const database = createDatabase('postgres://openapi@127.0.0.1:1/openapi', { connectTimeoutMs: 500 })
  try {
    const app = await buildApp({
      config,
      services: services(config, database, { latestMigration: await latestMigration() }),
    })
    try {
      await app.ready()
      return { document: app.swagger() as unknown as OpenApiDocument, routes: app.routeTable() }
    } finally {
      await app.close()
    }
  } finally {
    await database.close()
  }
}
