import assert from 'node:assert/strict'
import type { LightMyRequestResponse as Response } from 'fastify'

/**
 * Sends `max` requests that a rate limit lets through (whatever else they answer), then one more, which the limit
 * must refuse with 429: returns that refusal.
 */
export async function exhaustRateLimit(max: number, send: () => Promise<Response>): Promise<Response> {
  for (let i = 1; i <= max; i++) {
    const res = await send()
    assert.notEqual(res.statusCode, 429, `request ${String(i)} of ${String(max)} was refused`)
  }
  const refused = await send()
  assert.equal(refused.statusCode, 429, `request ${String(max + 1)} was not refused`)
  return refused
}

/** A page's refusal: the GOV.UK error page, saying why. */
export function assertPageRefusal(res: Response): void {
  assert.equal(res.statusCode, 429)
  assert.match(String(res.headers['content-type']), /text\/html/)
  assert.match(res.body, /Too many requests/)
  assert.match(res.body, /govuk-/)
}

/** The API's refusal: problem+json with status 429. */
export function assertProblemRefusal(res: Response): void {
  assert.equal(res.statusCode, 429)
  assert.match(String(res.headers['content-type']), /application\/problem\+json/)
  assert.equal(res.json<{ status: number }>().status, 429)
}
