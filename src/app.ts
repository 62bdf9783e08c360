import { randomUUID } from 'node:crypto'
import formbody from '@fastify/formbody'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import Fastify, { type FastifyInstance } from 'fastify'
import type { Config } from './config.ts'
import { healthRoutes } from './features/health/health-routes.ts'
import { accountRoutes } from './features/account/account-routes.ts'
import { adminUserRoutes } from './features/admin-users/admin-user-routes.ts'
import { auditRoutes } from './features/audit/audit-routes.ts'
import { serviceRoutes } from './features/service/service-routes.ts'
import { meRoutes } from './features/api-identity/me-routes.ts'
import { signInRoutes } from './features/sign-in/sign-in-routes.ts'
import { adminAgencyRoutes } from './features/admin-agencies/admin-agency-routes.ts'
import { adminTokenRoutes } from './features/admin-tokens/admin-token-routes.ts'
import { accountSetUpRoutes } from './features/account-set-up/account-set-up-routes.ts'
import { startRoutes } from './features/start/start-routes.ts'
import { personEditRoutes } from './features/people/person-edit-routes.ts'
import { personRoutes } from './features/people/person-routes.ts'
import { searchRoutes } from './features/search/search-routes.ts'
import { duplicateRoutes } from './features/duplicates/duplicate-routes.ts'
import { locationRoutes } from './features/locations/location-routes.ts'
import { objectRoutes } from './features/objects/object-routes.ts'
import { flagRoutes } from './features/flags/flag-routes.ts'
import { referralRoutes } from './features/referrals/referral-routes.ts'
import { notificationRoutes } from './features/notifications/notification-routes.ts'
import { linkRoutes } from './features/links/link-routes.ts'
import { breakGlassReviewRoutes } from './features/break-glass-review/break-glass-review-routes.ts'
import { chronologyRoutes } from './features/chronology/chronology-routes.ts'
import { concernRoutes } from './features/concerns/concern-routes.ts'
import { intelligenceRoutes } from './features/intelligence/intelligence-routes.ts'
// Street terms (issue 12, slice i12-terms)
import { streetTermRoutes } from './features/street-terms/street-term-routes.ts'
// Suggested links (issue 12, i12-suggest).
import { suggestionRoutes } from './features/suggestions/suggestion-routes.ts'
// a13: allocation (issue 13)
import { allocationRoutes } from './features/allocation/allocation-routes.ts'
// t13: the task engine.
import { taskRoutes } from './features/tasks/task-routes.ts'
import { frameworkErrorHandler, setUpErrorHandling } from './platform/error-handler.ts'
import { httpEdgeOptions, setUpHttpEdges } from './platform/http-edges.ts'
import { setUpIntegerBounds } from './platform/integer-bounds.ts'
import { loggerOptions, type Logger } from './platform/logger.ts'
import { openApiRoutes, setUpOpenApi } from './platform/openapi.ts'
import { setUpRateLimits } from './platform/rate-limits.ts'
import { setUpRouteAccess, type RegisteredRoute } from './platform/route-access.ts'
import { setUpCookies } from './platform/session/session-plugin.ts'
import { registerSurfaces, type FeatureRoutes } from './platform/surfaces.ts'
import { schemaController } from './platform/schema-compilers.ts'
import { setUpAssets, setUpViews } from './platform/views.ts'
import { setUpWebSecurity } from './platform/web-security.ts'
import type { Services } from './services.ts'

export interface AppDeps {
  config: Config
  services: Services
  /** A logger to use instead of one built from config (tests capture logs with it). */
  logger?: Logger
  /** More routes on the surfaces (tests add routes that fail in ways no real route does). */
  extraRoutes?: readonly FeatureRoutes[]
}

declare module 'fastify' {
  interface FastifyInstance {
    routeTable: () => RegisteredRoute[]
  }
}

const REQUEST_ID = /^[A-Za-z0-9._-]{8,100}$/

/** Builds the whole web app with no side effects: no listening, no database start, no migrations. */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { config, services } = deps
  const app = Fastify({
    ...(deps.logger !== undefined
      ? { loggerInstance: deps.logger }
      : { logger: loggerOptions(config.logLevel) }),
    bodyLimit: config.bodyLimitBytes,
    requestTimeout: config.requestTimeoutMs,
    connectionTimeout: config.connectionTimeoutMs,
    return503OnClosing: true,
    trustProxy: config.production,
    // A request id from the load balancer is kept when it looks like one; otherwise we make one.
    genReqId: (request) => {
      const header = request.headers['x-request-id']
      return typeof header === 'string' && REQUEST_ID.test(header) ? header : randomUUID()
    },
    frameworkErrors: frameworkErrorHandler(config.bodyLimitBytes),
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: true } },
    schemaController,
    ...httpEdgeOptions(config),
  }).withTypeProvider<TypeBoxTypeProvider>()

  setUpHttpEdges(app)
  app.decorate('routeTable', setUpRouteAccess(app))
  setUpIntegerBounds(app) // before any route: bounds its integers before its validator is compiled
  // Only JSON (API) and urlencoded forms (pages) are accepted; anything else is 415.
  app.removeContentTypeParser('text/plain')
  await app.register(formbody, { bodyLimit: config.bodyLimitBytes })

  await setUpWebSecurity(app, config)
  await setUpOpenApi(app)
  await setUpViews(app, config)
  await setUpAssets(app)
  await setUpCookies(app, config)
  await setUpRateLimits(app)
  setUpErrorHandling(app, config.bodyLimitBytes)

  // Each surface (pages, API, probes) is its own plugin with its own guards and error format.
  await registerSurfaces(app, config, services, [
    healthRoutes(services),
    openApiRoutes(app),
    startRoutes(services),
    serviceRoutes(services),
    meRoutes(services),
    signInRoutes(services, config),
    accountRoutes(services),
    auditRoutes(services),
    adminUserRoutes(services),
    adminAgencyRoutes(services),
    adminTokenRoutes(services),
    accountSetUpRoutes(services),
    personRoutes(services),
    searchRoutes(services),
    duplicateRoutes(services),
    locationRoutes(services),
    objectRoutes(services),
    flagRoutes(services),
    personEditRoutes(services),
    linkRoutes(services),
    breakGlassReviewRoutes(services),
    chronologyRoutes(services),
    referralRoutes(services),
    notificationRoutes(services),
    concernRoutes(services),
    intelligenceRoutes(services),
    // Street terms (issue 12, slice i12-terms)
    streetTermRoutes(services),
    // Suggested links (issue 12, i12-suggest).
    suggestionRoutes(services),
    // a13: allocation (issue 13)
    allocationRoutes(services),
    // t13: the task engine.
    taskRoutes(services),
    ...(deps.extraRoutes ?? []),
  ])

  return app
}
