import path from 'node:path'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import fastifyStatic from '@fastify/static'
import fastifyView from '@fastify/view'
import type { FastifyInstance } from 'fastify'
import nunjucks from 'nunjucks'
import { format } from './format.ts'
import type { Config } from '../config.ts'
import { paths } from './paths.ts'

const require = createRequire(import.meta.url)

declare module 'fastify' {
  interface FastifyReply {
    locals?: Record<string, unknown>
  }
}
const SRC_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const GOVUK_DIST = path.resolve(path.dirname(require.resolve('govuk-frontend/package.json')), 'dist')
const MOJ_ROOT = path.dirname(require.resolve('@ministryofjustice/frontend/package.json'))

/**
 * Nunjucks' `trim`, without its regex: `replace(/^\s*|\s*$/g, '')` tries `\s*$` again from every space in the
 * string, which is slow on a whole page (the GOV.UK template trims each page's body). String's trim removes the
 * same characters; safe (already escaped) markup stays safe.
 */
export function trimFilter(
  value: string | nunjucks.runtime.SafeString,
): string | nunjucks.runtime.SafeString {
  return value instanceof nunjucks.runtime.SafeString
    ? new nunjucks.runtime.SafeString(value.val.trim())
    : value.trim()
}

/**
 * Nunjucks pages on the GOV.UK Design System (and MOJ components). Templates are found from src/ (so a page is
 * named by its feature folder, e.g. "features/start/views/start.njk"), govuk-frontend and MOJ frontend.
 * Request-wide locals are written here only.
 */
export async function setUpViews(app: FastifyInstance, config: Config): Promise<void> {
  await app.register(fastifyView, {
    engine: { nunjucks },
    templates: [SRC_DIR, GOVUK_DIST, MOJ_ROOT],
    options: {
      autoescape: true,
      throwOnUndefined: false,
      noCache: config.env === 'development',
      // The MOJ components' date filter (used by the timeline), on our own formats rather than moment.
      onConfigure: (env: nunjucks.Environment) => {
        env.addFilter('mojDate', (value: string, type?: string) =>
          type === 'date' ? format.calendarDate(value) : format.dateTime(value),
        )
        env.addFilter('trim', trimFilter)
      },
    },
    defaultContext: {
      paths,
      format,
      brand: config.brand,
      serviceName: config.serviceName,
      organisationName: config.organisationName,
    },
  })

  app.addHook('onRequest', async (request, reply) => {
    reply.locals = {
      requestId: request.id,
      cspNonce: reply.cspNonce.script,
    }
  })
}

/** Static assets: only the built CSS/JS/fonts/images of the front-end packages and our own public folder. */
export async function setUpAssets(app: FastifyInstance): Promise<void> {
  await app.register(async (assets) => {
    assets.addHook('onRoute', (route) => {
      route.config = { ...route.config, access: 'public' }
    })
    const common = { maxAge: '1d', immutable: false, index: false, list: false } as const
    await assets.register(fastifyStatic, {
      ...common,
      root: path.join(GOVUK_DIST, 'govuk', 'assets'),
      prefix: `${paths.assets}/`,
    })
    await assets.register(fastifyStatic, {
      ...common,
      root: path.join(GOVUK_DIST, 'govuk'),
      prefix: `${paths.assets}/govuk/`,
      decorateReply: false,
      allowedPath: (pathname) => /^\/govuk-frontend\.min\.(css|js)(\.map)?$/.test(pathname),
    })
    await assets.register(fastifyStatic, {
      ...common,
      root: path.join(MOJ_ROOT, 'moj'),
      prefix: `${paths.assets}/moj/`,
      decorateReply: false,
      allowedPath: (pathname) => /^\/(moj-frontend\.min\.(css|js)(\.map)?|assets\/.+)$/.test(pathname),
    })
    await assets.register(fastifyStatic, {
      ...common,
      root: path.join(SRC_DIR, 'platform', 'public'),
      prefix: `${paths.assets}/openmace/`,
      decorateReply: false,
    })
  })
}
