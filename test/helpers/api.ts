import type { FastifyInstance, InjectOptions, LightMyRequestResponse as Response } from 'fastify'

type Payload = InjectOptions['payload']

/** A caller of the JSON API with fixed headers (a bearer token, usually): `app.inject` by method. */
export interface ApiCaller {
  get(url: string): Promise<Response>
  post(url: string, payload?: Payload): Promise<Response>
  patch(url: string, payload?: Payload): Promise<Response>
  put(url: string, payload?: Payload): Promise<Response>
  delete(url: string, payload?: Payload): Promise<Response>
}

/** Calls the app's API with the given headers on every request (e.g. `api(w.app, await bearer(...))`). */
export function api(app: FastifyInstance, headers: Record<string, string>): ApiCaller {
  const send = (method: InjectOptions['method'], url: string, payload?: Payload) =>
    app.inject(payload === undefined ? { method, url, headers } : { method, url, headers, payload })
  return {
    get: (url) => send('GET', url),
    post: (url, payload) => send('POST', url, payload),
    patch: (url, payload) => send('PATCH', url, payload),
    put: (url, payload) => send('PUT', url, payload),
    delete: (url, payload) => send('DELETE', url, payload),
  }
}

/** The fields named by a problem+json validation answer, in order. */
export const errorFields = (res: Response): string[] =>
  res.json<{ errors: Array<{ field: string }> }>().errors.map((e) => e.field)
