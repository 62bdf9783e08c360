import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { isDatabaseUnavailable } from '../db/errors.ts'
import { API_PREFIX } from './paths.ts'
import { AppError, PROBLEM_CONTENT_TYPE, ValidationError, type FieldError, type Problem } from './errors.ts'

/**
 * The one place errors become responses. API callers get RFC 9457 problem+json; people get a GOV.UK page.
 * Neither ever sees a stack trace: server faults carry a correlation id (the request id) that is in the logs.
 */

interface Described {
  status: number
  title: string
  detail: string
  errors?: FieldError[]
  view: string
}

const VIEWS = {
  notFound: 'platform/views/errors/not-found.njk',
  client: 'platform/views/errors/client-error.njk',
  server: 'platform/views/errors/server-error.njk',
  unavailable: 'platform/views/errors/unavailable.njk',
}

function schemaErrors(error: FastifyError): FieldError[] {
  const context = error.validationContext ?? 'body'
  return (error.validation ?? []).map((issue) => {
    const missing = (issue.params as { missingProperty?: string } | undefined)?.missingProperty
    const pointer = `/${context}${issue.instancePath}${missing !== undefined ? `/${missing}` : ''}`
    return { field: pointer, message: issue.message ?? 'is not valid' }
  })
}

function describe(error: FastifyError, bodyLimit: number): Described {
  if (error instanceof ValidationError) {
    return {
      status: 400,
      title: error.title,
      detail: error.message,
      errors: error.fieldErrors,
      view: VIEWS.client,
    }
  }
  if (error instanceof AppError) {
    const view =
      error.status === 404 ? VIEWS.notFound : error.status === 503 ? VIEWS.unavailable : VIEWS.client
    return { status: error.status, title: error.title, detail: error.message, view }
  }
  if (error.validation !== undefined) {
    const errors = schemaErrors(error)
    return {
      status: 400,
      title: 'Invalid request',
      detail: errors.map((e) => `${e.field} ${e.message}`).join('; '),
      errors,
      view: VIEWS.client,
    }
  }
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return {
        status: 413,
        title: 'Request body too large',
        detail: `The request body is larger than the limit of ${bodyLimit} bytes`,
        view: VIEWS.client,
      }
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return {
        status: 415,
        title: 'Unsupported media type',
        detail: 'Send application/json to the API, or submit the form from its page',
        view: VIEWS.client,
      }
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return {
        status: 400,
        title: 'Malformed JSON',
        detail: 'The request body is not valid JSON',
        view: VIEWS.client,
      }
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return {
        status: 414,
        title: 'URI too long',
        detail: 'A part of the address is longer than 100 characters',
        view: VIEWS.client,
      }
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return {
        status: 400,
        title: 'Bad request',
        detail: 'The Content-Length header is wrong',
        view: VIEWS.client,
      }
  }
  if (isDatabaseUnavailable(error)) {
    return {
      status: 503,
      title: 'Service unavailable',
      detail: 'The database cannot be reached at the moment; try again shortly',
      view: VIEWS.unavailable,
    }
  }
  const status = error.statusCode
  if (status !== undefined && status >= 400 && status < 500) {
    // Other client errors from Fastify (e.g. a JSON body with __proto__): their messages hold no internals.
    return { status, title: 'Bad request', detail: error.message, view: VIEWS.client }
  }
  return {
    status: 500,
    title: 'Internal server error',
    detail: 'Something went wrong on our side. Quote the request id if you report it',
    view: VIEWS.server,
  }
}

export async function sendProblem(
  request: FastifyRequest,
  reply: FastifyReply,
  described: Omit<Described, 'view'>,
): Promise<FastifyReply> {
  const problem: Problem = {
    type: 'about:blank',
    title: described.title,
    status: described.status,
    detail: described.detail,
    instance: request.url.split('?')[0] ?? request.url,
    requestId: request.id,
    ...(described.errors !== undefined ? { errors: described.errors } : {}),
  }
  return reply.code(described.status).type(PROBLEM_CONTENT_TYPE).send(problem)
}

async function sendPage(
  request: FastifyRequest,
  reply: FastifyReply,
  described: Described,
): Promise<FastifyReply> {
  try {
    return await reply.code(described.status).view(described.view, {
      title: described.title,
      detail: described.detail,
      requestId: request.id,
    })
  } catch (error) {
    request.log.error({ err: error }, 'error page failed to render')
    return reply
      .code(described.status)
      .type('text/plain; charset=utf-8')
      .send(`${described.title}. Reference: ${request.id}`)
  }
}

const NOT_FOUND: Described = {
  status: 404,
  title: 'Not found',
  detail: 'The page or record was not found',
  view: VIEWS.notFound,
}

/** Logs a refusal or a fault and sets the headers its status needs; the format is the caller's to choose. */
function described(error: FastifyError, request: FastifyRequest, reply: FastifyReply, bodyLimit: number) {
  const result = describe(error, bodyLimit)
  if (error.code === 'ECONNRESET' && request.raw.destroyed) {
    // The client went away mid-request (its body cut off, or refused at the HTTP edge): not the database.
    request.log.info({ code: error.code }, 'client went away')
  } else if (result.status >= 500) {
    request.log.error({ err: error, requestId: request.id }, 'request failed')
    if (result.status === 503) reply.header('retry-after', '30')
  } else {
    request.log.info({ code: error.code, status: result.status }, 'request refused')
  }
  if (result.status === 401)
    reply.header('www-authenticate', 'Bearer realm="openmace", error="invalid_token"')
  return result
}

/** The API surface (and the health probes): problem+json for every error, and for unknown paths under it. */
export function setUpApiErrors(
  app: FastifyInstance,
  bodyLimit: number,
  options: { notFound: boolean } = { notFound: true },
): void {
  if (options.notFound) {
    app.setNotFoundHandler(async (request, reply) => sendProblem(request, reply, NOT_FOUND))
  }
  app.setErrorHandler(async (error: FastifyError, request, reply) =>
    sendProblem(request, reply, described(error, request, reply, bodyLimit)),
  )
}

/** The pages surface: a GOV.UK error page for every error. */
export function setUpPageErrors(app: FastifyInstance, bodyLimit: number): void {
  app.setErrorHandler(async (error: FastifyError, request, reply) =>
    sendPage(request, reply, described(error, request, reply, bodyLimit)),
  )
}

/**
 * Outside the surfaces (a path that matches no route, an error before routing): no route says which format the
 * caller wants, so the Accept header does: problem+json for a client that prefers JSON, a GOV.UK page otherwise.
 */
function underApiPrefix(url: string): boolean {
  return url === API_PREFIX || url.startsWith(`${API_PREFIX}/`)
}

function wantsJson(request: FastifyRequest): boolean {
  const accept = request.headers.accept ?? ''
  return /json/i.test(accept) && !/text\/html/i.test(accept)
}

export function setUpErrorHandling(app: FastifyInstance, bodyLimit: number): void {
  app.setNotFoundHandler(async (request, reply) =>
    wantsJson(request) ? sendProblem(request, reply, NOT_FOUND) : sendPage(request, reply, NOT_FOUND),
  )
  app.setErrorHandler(async (error: FastifyError, request, reply) => {
    const result = described(error, request, reply, bodyLimit)
    return wantsJson(request) ? sendProblem(request, reply, result) : sendPage(request, reply, result)
  })
}

/**
 * Errors Fastify raises before routing, which never reach the error handler: a URL that does not decode
 * (FST_ERR_BAD_URL, 400) and a path parameter longer than the router's maxParamLength (FST_ERR_MAX_PARAM_LENGTH,
 * 414). Fastify answered them with its own application/json; given as `frameworkErrors` (app.ts) they are
 * problem+json and GOV.UK pages like every other error. No hook has run for them, and their reply is Fastify's
 * undecorated one (no reply.view): a page is rendered by the instance's view instead, without a CSP nonce.
 */
export function frameworkErrorHandler(bodyLimit: number) {
  return (error: FastifyError, request: FastifyRequest, reply: FastifyReply): void => {
    const described = describe(error, bodyLimit)
    request.log.info({ code: error.code, status: described.status }, 'request refused')
    // What web-security.ts's hooks would have set, strictly (the page's one inline script does not run).
    reply.headers({
      'x-request-id': request.id,
      'cache-control': 'no-store',
      'content-security-policy':
        "default-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'SAMEORIGIN',
    })
    // No route was matched, so no surface says which format: a JSON client, or a path under the API's prefix,
    // gets problem+json (the path chooses only the error's format here, never what anyone may do).
    if (wantsJson(request) || underApiPrefix(request.url)) {
      void sendProblem(request, reply, described)
      return
    }
    const data = { title: described.title, detail: described.detail, requestId: request.id }
    Promise.resolve()
      .then(() => request.server.view(described.view, data))
      .then(
        (html) => reply.code(described.status).type('text/html; charset=utf-8').send(html),
        () =>
          reply
            .code(described.status)
            .type('text/plain; charset=utf-8')
            .send(`${described.title}. Reference: ${request.id}`),
      )
  }
}
