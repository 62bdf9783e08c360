import type { FastifyInstance, RouteOptions } from 'fastify'
import type { Capability } from './access/roles.ts'

/**
 * Every route declares who may call it, in its `config.access`: 'public' (no sign-in: start page, health,
 * OpenAPI, sign-in itself), 'signed-in' (any signed-in user: home, own account) or the capability
 * (src/platform/access/roles.ts) the caller's roles must grant; src/platform/access/route-guard.ts enforces it.
 * Start-up fails if any route has no declaration, so nothing can be added that bypasses the policy by omission.
 */
export type RouteAccess = 'public' | 'signed-in' | { capability: Capability }

/** Which surface (src/platform/surfaces.ts) registered a route; set by the surface itself. */
export type Surface = 'pages' | 'api' | 'probes'

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: RouteAccess
    surface?: Surface
  }
}

export interface RegisteredRoute {
  method: string
  url: string
  access: RouteAccess | undefined
  /** Undefined for static assets, which belong to no surface. */
  surface: Surface | undefined
}

export class MissingAccessDeclarationError extends Error {
  override name = 'MissingAccessDeclarationError'
}

/** Collects every route as it is added; checks declarations when the app is ready. */
export function setUpRouteAccess(app: FastifyInstance): () => RegisteredRoute[] {
  const routes: RouteOptions[] = []
  app.addHook('onRoute', (route) => {
    routes.push(route)
  })
  const table = (): RegisteredRoute[] =>
    routes.flatMap((route) =>
      [route.method].flat().map((method) => ({
        method,
        url: route.url,
        access: route.config?.access,
        surface: route.config?.surface,
      })),
    )
  app.addHook('onReady', async () => {
    const missing = table().filter((r) => r.access === undefined)
    if (missing.length > 0) {
      throw new MissingAccessDeclarationError(
        `routes without an access declaration: ${missing.map((r) => `${r.method} ${r.url}`).join(', ')}`,
      )
    }
  })
  return table
}
