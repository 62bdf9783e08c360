import type { FastifyInstance, RouteOptions } from 'fastify'

/**
 * Every route declares who may call it, in its `config.access`. Today the only value is 'public' (no
 * sign-in needed: start page, health, OpenAPI); the access-control work adds capability declarations that
 * the one access policy module enforces. Start-up fails if any route has no declaration, so nothing can be
 * added that bypasses the policy by omission.
 */
export type RouteAccess = 'public'

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: RouteAccess
  }
}

export interface RegisteredRoute {
  method: string
  url: string
  access: RouteAccess | undefined
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
      [route.method].flat().map((method) => ({ method, url: route.url, access: route.config?.access })),
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
