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
import { setUpRouteGuard } from './platform/access/route-guard.ts'
import { setUpApiAuth } from './platform/tokens/api-auth.ts'
import { setUpCurrentUser } from './platform/auth/auth-plugin.ts'
import { setUpErrorHandling } from './platform/error-handler.ts'
import { httpEdgeOptions, setUpHttpEdges } from './platform/http-edges.ts'
import { loggerOptions, type Logger } from './platform/logger.ts'
import { setUpOpenApi } from './platform/openapi.ts'
import { setUpRouteAccess, type RegisteredRoute } from './platform/route-access.ts'
import { setUpSessions } from './platform/session/session-plugin.ts'
import { setUpAssets, setUpViews } from './platform/views.ts'
import { setUpWebSecurity } from './platform/web-security.ts'
import type { Services } from './services.ts'

export interface AppDeps {
  config: Config
  services: Services
  /** A logger to use instead of one built from config (tests capture logs with it). */
  logger?: Logger
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
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: true } },
    ...httpEdgeOptions(config),
  }).withTypeProvider<TypeBoxTypeProvider>()

  setUpHttpEdges(app)
  app.decorate('routeTable', setUpRouteAccess(app))
  // Only JSON (API) and urlencoded forms (pages) are accepted; anything else is 415.
  app.removeContentTypeParser('text/plain')
  await app.register(formbody, { bodyLimit: config.bodyLimitBytes })

  await setUpWebSecurity(app, config)
  await setUpOpenApi(app)
  await setUpViews(app, config)
  await setUpAssets(app)
  // After the views (whose onRequest hook starts reply.locals): sessions, CSRF, then the signed-in user.
  await setUpSessions(app, config, services.sessions)
  setUpCurrentUser(app, services.auth)
  setUpRouteGuard(app, services)
  setUpApiAuth(app, services)
  setUpErrorHandling(app, config.bodyLimitBytes)

  await app.register(healthRoutes(services))
  await app.register(startRoutes(services))
  await app.register(serviceRoutes(services))
  await app.register(meRoutes(services))
  await app.register(signInRoutes(services, config))
  await app.register(accountRoutes(services))
  await app.register(auditRoutes(services))
  await app.register(adminUserRoutes(services))
  await app.register(adminAgencyRoutes(services))
  await app.register(adminTokenRoutes(services))
  await app.register(accountSetUpRoutes(services))
  await app.register(personRoutes(services))
  await app.register(searchRoutes(services))
  await app.register(duplicateRoutes(services))
  await app.register(locationRoutes(services))
  await app.register(objectRoutes(services))
  await app.register(flagRoutes(services))
  await app.register(personEditRoutes(services))
  await app.register(linkRoutes(services))
  await app.register(breakGlassReviewRoutes(services))
  await app.register(chronologyRoutes(services))
  await app.register(referralRoutes(services))
  await app.register(notificationRoutes(services))
  await app.register(concernRoutes(services))

  return app
}
