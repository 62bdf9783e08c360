import * as client from 'openid-client'
import type { OidcConfig } from '../../config.ts'

/**
 * The relying-party side of single sign-on, on `openid-client`: discovery, the authorisation code flow with
 * PKCE (S256), state and nonce, and ID token validation are all the library's; this module only keeps the
 * discovered configuration and turns the library's errors into reason codes for the page and the audit trail.
 * See docs/adr/0010-oidc-sign-in.md.
 */

export const OIDC_SCOPE = 'openid email profile'
/** RFC 8176 `amr` values that say the provider used more than a password: these satisfy OPENMACE_REQUIRE_MFA. */
export const MFA_AMR_VALUES: readonly string[] = ['mfa', 'otp', 'hwk']
/** How long a started sign-in may take at the provider before the callback is refused. */
export const LOGIN_TIMEOUT_MS = 10 * 60 * 1000
/** Provider metadata is re-read this often (and after a failed attempt), so a key or endpoint change is seen. */
const DISCOVERY_MAX_AGE_MS = 60 * 60 * 1000
const REQUEST_TIMEOUT_SECONDS = 10

/** What the pre-sign-in session keeps between the redirect to the provider and the callback. */
export interface PendingLogin {
  state: string
  nonce: string
  codeVerifier: string
  /** Milliseconds since the epoch. */
  startedAt: number
}

/** Who the provider says signed in, from a validated ID token (and the userinfo endpoint if needed). */
export interface ProviderIdentity {
  issuer: string
  subject: string
  /** The configured claim's value, when it is a string. */
  value: string | undefined
  /** True unless the claim is `email` and the provider does not say `email_verified: true`. */
  verified: boolean
  /** The provider asserted a second factor (`amr`). */
  mfa: boolean
}

export type OidcFailure =
  | 'provider-unavailable'
  | 'no-login-in-progress'
  | 'login-expired'
  | 'state-mismatch'
  | 'provider-error'
  | 'token-refused'
  | 'token-invalid'

export class OidcError extends Error {
  override name = 'OidcError'
  constructor(
    readonly reason: OidcFailure,
    /** The provider's OAuth error code (e.g. access_denied), when it sent one. */
    readonly providerError?: string,
    options?: { cause?: unknown },
  ) {
    super(
      `single sign-on failed: ${reason}${providerError !== undefined ? ` (${providerError})` : ''}`,
      options,
    )
  }
}

/** A provider's error code is shown to no one but kept in the audit trail: only a plain code, never free text. */
function errorCode(value: unknown): string {
  return typeof value === 'string' && /^[a-z_]{1,60}$/.test(value) ? value : 'other'
}

function isNetworkFailure(error: unknown): boolean {
  if (!(error instanceof Error)) return false
  // fetch() rejects with a TypeError without a code (openid-client's own argument errors carry one); timeouts
  // abort the request.
  return (
    error.name === 'TimeoutError' ||
    error.name === 'AbortError' ||
    (error instanceof TypeError && !('code' in error) && error.cause !== undefined)
  )
}

function classify(error: unknown): OidcError {
  if (error instanceof OidcError) return error
  if (error instanceof client.AuthorizationResponseError) {
    return new OidcError('provider-error', errorCode(error.error), { cause: error })
  }
  if (error instanceof client.ResponseBodyError) {
    return new OidcError('token-refused', errorCode(error.error), { cause: error })
  }
  if (isNetworkFailure(error)) return new OidcError('provider-unavailable', undefined, { cause: error })
  return new OidcError('token-invalid', undefined, { cause: error })
}

export function oidcClient(config: OidcConfig) {
  // Plain http only reaches here outside production (src/config.ts refuses it there): tests and local providers.
  // eslint-disable-next-line @typescript-eslint/no-deprecated -- deprecated only to stand out, as here
  const execute = new URL(config.issuer).protocol === 'http:' ? [client.allowInsecureRequests] : []
  let discovered: { configuration: client.Configuration; at: number } | undefined
  let inFlight: Promise<client.Configuration> | undefined

  async function configuration(): Promise<client.Configuration> {
    if (discovered !== undefined && Date.now() - discovered.at < DISCOVERY_MAX_AGE_MS) {
      return discovered.configuration
    }
    inFlight ??= client
      .discovery(new URL(config.issuer), config.clientId, config.clientSecret, undefined, {
        execute,
        timeout: REQUEST_TIMEOUT_SECONDS,
      })
      .then((found) => {
        discovered = { configuration: found, at: Date.now() }
        return found
      })
      .finally(() => {
        inFlight = undefined
      })
    try {
      return await inFlight
    } catch (error) {
      // Unreachable, or answering something that is not this issuer's metadata: either way, not usable now.
      throw new OidcError('provider-unavailable', undefined, { cause: error })
    }
  }

  return {
    label: config.label,

    /** A new login: the provider's authorisation URL to redirect to, and what to keep for the callback. */
    async start(): Promise<{ url: string; pending: PendingLogin }> {
      const found = await configuration()
      const codeVerifier = client.randomPKCECodeVerifier()
      const pending: PendingLogin = {
        state: client.randomState(),
        nonce: client.randomNonce(),
        codeVerifier,
        startedAt: Date.now(),
      }
      const url = client.buildAuthorizationUrl(found, {
        redirect_uri: config.redirectUrl,
        scope: OIDC_SCOPE,
        code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
        code_challenge_method: 'S256',
        state: pending.state,
        nonce: pending.nonce,
      })
      return { url: url.href, pending }
    },

    /**
     * The callback: `search` is the query string the provider sent to the redirect URL. Exchanges the code
     * (with the PKCE verifier), validates the ID token (signature, issuer, audience, expiry, nonce) and returns
     * the identity; throws OidcError with a reason code otherwise.
     */
    async finish(search: string, pending: PendingLogin | undefined): Promise<ProviderIdentity> {
      if (pending === undefined) throw new OidcError('no-login-in-progress')
      if (!(Date.now() - pending.startedAt <= LOGIN_TIMEOUT_MS)) throw new OidcError('login-expired')
      // The URL the provider redirected to, rebuilt from configuration rather than the Host header.
      const current = new URL(config.redirectUrl)
      current.search = search
      // openid-client checks state too; checking first only gives the audit trail a precise reason.
      if (current.searchParams.get('state') !== pending.state) throw new OidcError('state-mismatch')
      try {
        const found = await configuration()
        const tokens = await client.authorizationCodeGrant(found, current, {
          pkceCodeVerifier: pending.codeVerifier,
          expectedState: pending.state,
          expectedNonce: pending.nonce,
          idTokenExpected: true,
        })
        const idToken = tokens.claims()
        if (idToken === undefined) throw new OidcError('token-invalid')
        let claims: Record<string, unknown> = idToken
        const wanted = config.claim === 'email' ? ['email', 'email_verified'] : [config.claim]
        if (wanted.some((name) => idToken[name] === undefined)) {
          // Many providers put profile claims only in userinfo; openid-client checks its `sub` is the token's.
          const userInfo = await client.fetchUserInfo(found, tokens.access_token, idToken.sub)
          claims = { ...userInfo, ...idToken }
        }
        const value = claims[config.claim]
        const amr = Array.isArray(idToken.amr) ? idToken.amr : []
        return {
          issuer: idToken.iss,
          subject: idToken.sub,
          value: typeof value === 'string' ? value : undefined,
          verified: config.claim !== 'email' || claims.email_verified === true,
          mfa: amr.some((method) => typeof method === 'string' && MFA_AMR_VALUES.includes(method)),
        }
      } catch (error) {
        throw classify(error)
      }
    },
  }
}

export type OidcClient = ReturnType<typeof oidcClient>
