import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { fakerEN_GB as faker } from '@faker-js/faker'
import type { FastifyInstance, InjectOptions, LightMyRequestResponse as Response } from 'fastify'
import { generate } from 'otplib'
import { withTransaction } from '../../src/db/database.ts'
import { partnershipRepository } from '../../src/features/partnerships/partnership-repository.ts'
import { actorOf } from '../../src/platform/access/actor.ts'
import type { Actor } from '../../src/platform/access/policy.ts'
import { paths } from '../../src/platform/paths.ts'
import { SESSION_COOKIE } from '../../src/platform/session/session-plugin.ts'
import type { Services } from '../../src/services.ts'
import { createPartnership } from '../factories/partnership-factory.ts'
import { build, type TestCtx } from './build.ts'
import type { TestDatabase } from './database.ts'
import { headingText } from './html.ts'

/** The CSRF token of the (first) form on a page, as a browser would send it back. */
export function csrfFrom(html: string): string {
  const token = /name="_csrf" value="([^"]+)"/.exec(html)?.[1]
  if (token === undefined) throw new Error('no CSRF token on the page')
  return token
}

/**
 * A browser-like client for `app.inject`: keeps cookies between requests (including the `__Host-` session
 * cookie, which inject does not filter) and posts forms with the token of the page it last loaded.
 */
export class Agent {
  readonly cookies = new Map<string, string>()
  lastPage = ''

  constructor(readonly app: FastifyInstance) {}

  async request(options: InjectOptions): Promise<Response> {
    const res = await this.app.inject({
      ...options,
      cookies: {
        ...Object.fromEntries(this.cookies),
        ...(options.cookies as Record<string, string> | undefined),
      },
    })
    const sessionBefore = this.cookies.get(SESSION_COOKIE)
    for (const cookie of res.cookies as Array<{
      name: string
      value: string
      expires?: Date
      maxAge?: number
    }>) {
      const cleared =
        cookie.value === '' || (cookie.expires !== undefined && cookie.expires.getTime() <= Date.now())
      if (cleared) this.cookies.delete(cookie.name)
      else this.cookies.set(cookie.name, cookie.value)
    }
    // A new session (signing in or out) makes the last page's CSRF token stale: it belonged to the old session.
    if (this.cookies.get(SESSION_COOKIE) !== sessionBefore) this.lastPage = ''
    if ((res.headers['content-type'] ?? '').toString().startsWith('text/html')) this.lastPage = res.body
    return res
  }

  get(url: string): Promise<Response> {
    return this.request({ method: 'GET', url })
  }

  /** Posts a form; `_csrf` comes from the last page loaded unless given. */
  post(url: string, fields: Record<string, string>): Promise<Response> {
    const payload = new URLSearchParams({ _csrf: csrfFrom(this.lastPage), ...fields }).toString()
    return this.request({
      method: 'POST',
      url,
      payload,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    })
  }

  /** Loads a form page, then posts it. */
  async submit(formUrl: string, fields: Record<string, string>, postUrl = formUrl): Promise<Response> {
    await this.get(formUrl)
    return this.post(postUrl, fields)
  }
}

/** An id no record has. */
export const MISSING_ID = '00000000-0000-4000-8000-000000000000'

/**
 * A record's page (`page` of its id) for an agent who may not see it, asserted the same 404 as the page of a
 * record that does not exist: both responses, for the test to compare further.
 */
export async function deniedAsMissing(
  agent: Agent,
  page: (id: string) => string,
  id: string,
): Promise<{ denied: Response; missing: Response }> {
  const denied = await agent.get(page(id))
  const missing = await agent.get(page(MISSING_ID))
  assert.equal(denied.statusCode, 404)
  assert.equal(missing.statusCode, 404)
  return { denied, missing }
}

export const TEST_PASSWORD = 'a long test passphrase for openmace'

export interface TestUser {
  id: string
  email: string
  password: string
  displayName: string
  partnershipId: string
  agencyId: string
}

/**
 * A user with a password and the given roles (no security code yet), in a new fictional partnership or, with
 * `partnershipOf`, in the same partnership and agency as another test user.
 */
export async function createUser(
  db: TestDatabase,
  services: Services,
  options: {
    roles?: string[]
    password?: string | null
    partnershipOf?: TestUser
    /** A system's account instead of a person's: no password, never signs in, may hold API tokens. */
    serviceAccount?: boolean
  } = {},
): Promise<TestUser> {
  const partnership =
    options.partnershipOf === undefined
      ? await createPartnership(db.database)
      : { id: options.partnershipOf.partnershipId }
  const agencies = await withTransaction(db.database, {}, (trx) =>
    partnershipRepository().agencies(trx, partnership.id),
  )
  const agencyId = options.partnershipOf?.agencyId ?? agencies[0]!.id
  // Letters only (faker can give O'Brien): tests match names in HTML, where an apostrophe is escaped.
  const plain = (name: string) => name.replace(/[^A-Za-z]/g, '') || 'Sam'
  const first = plain(faker.person.firstName())
  const last = plain(faker.person.lastName())
  const email = `${first}.${last}.${faker.string.alphanumeric(5)}@test.example`.toLowerCase()
  const serviceAccount = options.serviceAccount ?? false
  const password = serviceAccount ? null : options.password === undefined ? TEST_PASSWORD : options.password
  const id = await services.auth.createUser({
    partnershipId: partnership.id,
    agencyId,
    email,
    displayName: `${first} ${last}`,
    password,
    roles: options.roles ?? ['practitioner'],
    serviceAccount,
  })
  return {
    id,
    email,
    password: password ?? '',
    displayName: `${first} ${last}`,
    partnershipId: partnership.id,
    agencyId,
  }
}

/** Signs in with email and password (and a security code when `totpSecret` is given); returns the agent. */
export async function signIn(
  app: FastifyInstance,
  user: { email: string; password: string },
  totpSecret?: string,
): Promise<Agent> {
  const agent = new Agent(app)
  const res = await agent.submit(paths.signIn, { email: user.email, password: user.password })
  if (res.statusCode !== 303) throw new Error(`sign-in failed with ${res.statusCode}`)
  if (res.headers.location === paths.signInSecurityCode) {
    if (totpSecret === undefined) throw new Error('this user needs a security code')
    const code = await agent.submit(paths.signInSecurityCode, {
      code: await generate({ secret: totpSecret }),
    })
    if (code.headers.location !== paths.home) throw new Error(`security code refused (${code.statusCode})`)
  }
  return agent
}

/**
 * Asserts that a sign-in's answer (`res`) went home on a new session, not the pre-sign-in one (`before`), and that
 * home then greets the user by name; returns the home page.
 */
export async function assertSignedIn(
  agent: Agent,
  res: Response,
  before: string | undefined,
  user: { displayName: string },
): Promise<Response> {
  assert.equal(res.statusCode, 303)
  assert.equal(res.headers.location, paths.home)
  assert.notEqual(agent.cookies.get(SESSION_COOKIE), before, 'a new session id at sign-in')
  const home = await agent.get(paths.home)
  assert.equal(home.statusCode, 200)
  assert.equal(headingText(home.body), user.displayName)
  return home
}

/** The actor the access policy sees for a test user, as their session would load them (for service calls). */
export async function currentActor(built: { services: Services }, user: { id: string }): Promise<Actor> {
  const current = await built.services.auth.currentUser(user.id)
  assert.ok(current !== undefined, `no current user ${user.id}`)
  return actorOf(current)
}

/** Signs a user in and opens a first page, which must answer 200: the signed-in agent and that page. */
export async function signInAt(
  app: FastifyInstance,
  user: { email: string; password: string },
  url: string,
): Promise<{ agent: Agent; page: Response }> {
  const agent = await signIn(app, user)
  const page = await agent.get(url)
  assert.equal(page.statusCode, 200, `${url} answered ${String(page.statusCode)}`)
  return { agent, page }
}

/** A system administrator of the test user's partnership, as the access policy sees one (for service calls). */
export function adminOf(user: TestUser): Actor {
  return {
    userId: randomUUID(),
    partnershipId: user.partnershipId,
    agencyId: user.agencyId,
    teamIds: [],
    managedTeamIds: [],
    roles: ['system-admin'],
  }
}

export const TEST_REQUEST = { requestId: 'test-request', ip: '127.0.0.1' } as const

/** The app on its own database with one user (a social worker unless `options` say), not yet signed in. */
export async function appWithUser(t: TestCtx, options: Parameters<typeof createUser>[2] = {}) {
  const built = await build(t)
  const user = await createUser(built.db, built.services, options)
  return { ...built, user }
}
