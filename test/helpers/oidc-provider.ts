import { generateKeyPairSync, randomBytes } from 'node:crypto'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import Provider, { type Account, type AdapterPayload, type KoaContextWithOIDC } from 'oidc-provider'

/**
 * A real OpenID Connect provider (`oidc-provider`) in this process on a free local port, with one confidential
 * client (PKCE S256 required) and a tiny login page instead of the library's development interactions: a
 * username picks an account, and "Cancel" answers access_denied. Consent is granted without a page, as a
 * council's provider does for its own applications.
 */

export interface IdpAccount {
  /** Also the username typed on the login page. */
  sub: string
  email?: string
  emailVerified?: boolean
  /** Authentication methods the provider asserts for this login (RFC 8176), e.g. ['pwd', 'mfa']. */
  amr?: string[]
}

export interface TestIdp {
  issuer: string
  /** The OPENMACE_OIDC_* variables that point OpenMACE at this provider. */
  env: Record<string, string>
  accounts: Map<string, IdpAccount>
  addAccount(account: IdpAccount): IdpAccount
  /** Stops the provider now (it is stopped after the test anyway): the issuer becomes unreachable. */
  stop(): Promise<void>
}

type Hooks = { after: (fn: () => unknown) => void }

/** The provider's storage, in memory for one test (its own in-memory default warns on every start). */
function memoryAdapter() {
  const store = new Map<string, { payload: AdapterPayload; expiresAt: number }>()
  const live = (key: string) => {
    const entry = store.get(key)
    if (entry === undefined || entry.expiresAt < Date.now()) return undefined
    return entry.payload
  }
  return class MemoryAdapter {
    constructor(readonly model: string) {}
    key(id: string) {
      return `${this.model}:${id}`
    }
    async upsert(id: string, payload: AdapterPayload, expiresIn: number) {
      store.set(this.key(id), { payload, expiresAt: Date.now() + expiresIn * 1000 })
    }
    async find(id: string) {
      return live(this.key(id))
    }
    async findByUid(uid: string) {
      for (const [key, entry] of store) {
        if (key.startsWith(`${this.model}:`) && entry.payload.uid === uid) return live(key)
      }
      return undefined
    }
    async findByUserCode(userCode: string) {
      for (const [key, entry] of store) {
        if (key.startsWith(`${this.model}:`) && entry.payload.userCode === userCode) return live(key)
      }
      return undefined
    }
    async consume(id: string) {
      const payload = live(this.key(id))
      if (payload !== undefined) payload.consumed = Math.floor(Date.now() / 1000)
    }
    async destroy(id: string) {
      store.delete(this.key(id))
    }
    async revokeByGrantId(grantId: string) {
      for (const [key, entry] of store) if (entry.payload.grantId === grantId) store.delete(key)
    }
  }
}

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

function loginPage(uid: string, error?: string): string {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Test provider: sign in</title></head>
<body><main>
<h1>Test identity provider</h1>
${error !== undefined ? `<p role="alert">${escape(error)}</p>` : ''}
<form method="post" action="/interaction/${escape(uid)}/login">
  <label for="login">Username</label>
  <input id="login" name="login" autocomplete="off">
  <button type="submit">Continue</button>
</form>
<form method="post" action="/interaction/${escape(uid)}/abort"><button type="submit">Cancel</button></form>
</main></body></html>`
}

async function formBody(req: http.IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'))
}

export async function startTestIdp(t: Hooks, options: { redirectUrl: string }): Promise<TestIdp> {
  const accounts = new Map<string, IdpAccount>()
  const server = http.createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => {
      res.statusCode = 500
      res.end(String(error))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const stop = () =>
    new Promise<void>((resolve) => {
      if (!server.listening) return resolve()
      server.close(() => resolve())
      server.closeAllConnections()
    })
  t.after(stop)
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const clientId = 'openmace-test'
  const clientSecret = randomBytes(24).toString('base64url')
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })

  const provider = new Provider(issuer, {
    adapter: memoryAdapter(),
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: [options.redirectUrl],
        response_types: ['code'],
        grant_types: ['authorization_code'],
        token_endpoint_auth_method: 'client_secret_post',
      },
    ],
    jwks: { keys: [{ ...privateKey.export({ format: 'jwk' }), kid: 'test', alg: 'RS256', use: 'sig' }] },
    cookies: { keys: [randomBytes(16).toString('hex')] },
    // amr and auth_time in the ID token (the provider leaves out claims no scope lists).
    claims: { openid: ['sub', 'amr', 'auth_time'], email: ['email', 'email_verified'] },
    ttl: {
      AccessToken: 600,
      AuthorizationCode: 60,
      Grant: 3600,
      IdToken: 600,
      Interaction: 600,
      Session: 3600,
    },
    pkce: { methods: ['S256'], required: () => true },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    async findAccount(_ctx: KoaContextWithOIDC, id: string): Promise<Account | undefined> {
      const account = accounts.get(id)
      if (account === undefined) return undefined
      return {
        accountId: id,
        claims: async () => ({
          sub: id,
          ...(account.email !== undefined ? { email: account.email } : {}),
          ...(account.emailVerified !== undefined ? { email_verified: account.emailVerified } : {}),
        }),
      }
    },
    // First-party client: every scope it asks for is granted without a consent page.
    async loadExistingGrant(ctx: KoaContextWithOIDC) {
      const oidc = ctx.oidc
      const clientIdOf = oidc.client?.clientId ?? clientId
      const accountId = oidc.session?.accountId
      if (accountId === undefined) return undefined
      const grantId = oidc.session?.grantIdFor(clientIdOf)
      if (grantId !== undefined) {
        const existing = await oidc.provider.Grant.find(grantId)
        if (existing !== undefined) return existing
      }
      const grant = new oidc.provider.Grant({ clientId: clientIdOf, accountId })
      grant.addOIDCScope('openid email profile')
      await grant.save()
      return grant
    },
  })
  const callback = provider.callback()

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', issuer)
    const match = /^\/interaction\/([\w-]+)(\/login|\/abort)?$/.exec(url.pathname)
    if (match === null) return callback(req, res)
    const uid = match[1]!
    const details = await provider.interactionDetails(req, res)
    if (details.uid !== uid) throw new Error('interaction mismatch')
    if (req.method === 'GET' && match[2] === undefined) {
      res.setHeader('content-type', 'text/html; charset=utf-8')
      res.end(loginPage(uid))
      return
    }
    if (req.method === 'POST' && match[2] === '/abort') {
      await provider.interactionFinished(
        req,
        res,
        { error: 'access_denied', error_description: 'End-User aborted interaction' },
        { mergeWithLastSubmission: false },
      )
      return
    }
    if (req.method === 'POST' && match[2] === '/login') {
      const login = (await formBody(req)).get('login') ?? ''
      const account = accounts.get(login)
      if (account === undefined) {
        res.statusCode = 400
        res.setHeader('content-type', 'text/html; charset=utf-8')
        res.end(loginPage(uid, 'Unknown username'))
        return
      }
      await provider.interactionFinished(
        req,
        res,
        { login: { accountId: account.sub, ...(account.amr !== undefined ? { amr: account.amr } : {}) } },
        { mergeWithLastSubmission: false },
      )
      return
    }
    res.statusCode = 405
    res.end()
  }

  return {
    issuer,
    accounts,
    env: {
      OPENMACE_OIDC_ISSUER: issuer,
      OPENMACE_OIDC_CLIENT_ID: clientId,
      OPENMACE_OIDC_CLIENT_SECRET: clientSecret,
      OPENMACE_OIDC_REDIRECT_URL: options.redirectUrl,
    },
    addAccount(account) {
      accounts.set(account.sub, account)
      return account
    },
    stop,
  }
}

/** A browser-like walk through the provider for `app.inject` tests: follows the provider's redirects with
 * its cookies, logs in on the login page (or cancels), and returns the URL it finally sends the user back to. */
export async function loginAtProvider(
  authorizationUrl: string,
  action: { login: string } | { cancel: true },
): Promise<URL> {
  const jar = new Map<string, string>()
  const send = async (url: string, init: RequestInit = {}) => {
    const res = await fetch(url, {
      ...init,
      redirect: 'manual',
      headers: {
        ...(init.headers as Record<string, string> | undefined),
        cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; '),
      },
    })
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';')
      const eq = pair!.indexOf('=')
      const name = pair!.slice(0, eq).trim()
      const value = pair!.slice(eq + 1).trim()
      if (value === '' || /expires=Thu, 01 Jan 1970/i.test(line)) jar.delete(name)
      else jar.set(name, value)
    }
    return res
  }
  const origin = new URL(authorizationUrl).origin
  let res = await send(authorizationUrl)
  for (let hops = 0; hops < 10; hops++) {
    const location = res.headers.get('location')
    if (res.status >= 300 && res.status < 400 && location !== null) {
      const next = new URL(location, res.url || authorizationUrl)
      if (next.origin !== origin) return next // back to the relying party
      res = await send(next.href)
      continue
    }
    const uid = /action="\/interaction\/([\w-]+)\/login"/.exec(await res.text())?.[1]
    if (uid === undefined) throw new Error(`the provider answered ${res.status} without a login page`)
    const body = 'login' in action ? new URLSearchParams({ login: action.login }).toString() : ''
    res = await send(`${origin}/interaction/${uid}/${'login' in action ? 'login' : 'abort'}`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    })
  }
  throw new Error('too many redirects at the provider')
}
