import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import type { Config } from '../config.ts'
import type { Services } from '../services.ts'
import { setUpRouteGuard } from './access/route-guard.ts'
import { setUpCurrentUser } from './auth/auth-plugin.ts'
import { setUpApiErrors, setUpPageErrors } from './error-handler.ts'
import { setUpInputHygiene } from './input-hygiene.ts'
import { API_PREFIX } from './paths.ts'
import { setUpSessions } from './session/session-plugin.ts'
import { setUpApiAuth } from './tokens/api-auth.ts'

/**
 * A feature's routes, by surface. Each surface is an encapsulated Fastify plugin with its own hooks, so a guard
 * or an error format is chosen by the route a request matched, never by reading the raw URL:
 * - `pages`: HTML pages on the GOV.UK Design System. Sessions, CSRF on every state-changing request, the
 *   signed-in user re-read from the database, the page guard (sign-in redirect, 403 page), GOV.UK error pages.
 *   Page routes are left out of the OpenAPI document.
 * - `api`: the JSON API, registered under API_PREFIX (so its patterns are relative: `paths.api.x.pattern`).
 *   Bearer tokens (or a session's cookie for a read), no session writes and no CSRF, problem+json errors, and a
 *   problem+json 404 for any path under the prefix that matches no route.
 * - `probes`: health checks outside both: no session (they must answer with the database down), problem+json.
 */
export interface FeatureRoutes {
  pages?: FastifyPluginAsyncTypebox
  api?: FastifyPluginAsyncTypebox
  probes?: FastifyPluginAsyncTypebox
}

export async function registerSurfaces(
  app: FastifyInstance,
  config: Config,
  services: Services,
  features: readonly FeatureRoutes[],
): Promise<void> {
  await app.register(
    async (api) => {
      api.addHook('onRoute', (route) => {
        route.config = { ...route.config, surface: 'api' }
      })
      setUpApiAuth(api, services)
      setUpInputHygiene(api, 'api')
      setUpApiErrors(api, config.bodyLimitBytes)
      for (const feature of features) if (feature.api !== undefined) await api.register(feature.api)
    },
    { prefix: API_PREFIX },
  )

  await app.register(async (pages) => {
    pages.addHook('onRoute', (route) => {
      route.config = { ...route.config, surface: 'pages' }
      route.schema = { ...route.schema, hide: true }
    })
    await setUpSessions(pages, services.sessions)
    setUpCurrentUser(pages, services.auth)
    setUpRouteGuard(pages, services)
    setUpInputHygiene(pages, 'pages')
    setUpPageErrors(pages, config.bodyLimitBytes)
    for (const feature of features) if (feature.pages !== undefined) await pages.register(feature.pages)
  })

  await app.register(async (probes) => {
    probes.addHook('onRoute', (route) => {
      route.config = { ...route.config, surface: 'probes' }
    })
    setUpApiErrors(probes, config.bodyLimitBytes, { notFound: false })
    for (const feature of features) if (feature.probes !== undefined) await probes.register(feature.probes)
  })
}

/** The Fastify instance a surface gives a feature's routes (with TypeBox types for params, query and body). */
export type SurfaceApp = Parameters<FastifyPluginAsyncTypebox>[0]
