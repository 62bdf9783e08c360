import { createHash, randomBytes } from 'node:crypto'
import type { PendingLogin } from '../auth/oidc-client.ts'
import type { CurrentUser } from '../auth/user-repository.ts'

/** Why a single sign-on came back to the sign-in page without signing in (the words are in sign-in-routes.ts). */
export type SsoNotice = 'sso-refused' | 'sso-cancelled' | 'sso-unavailable' | 'sso-interrupted'

/** What a session may hold: the sign-in state, a single sign-on in progress and the CSRF secret. Never case data. */
export interface SessionData {
  userId?: string
  /** Where the user is in signing in: a second step is pending, enrolment is pending, or fully signed in. */
  stage?: 'security-code' | 'set-up' | 'signed-in'
  csrfSecret?: string
  /** A one-off notice for the next page (the previous session expired, or single sign-on did not succeed). */
  notice?: 'session-ended' | SsoNotice
  /** A single sign-on in progress (state, nonce, PKCE verifier): kept until the provider sends the user back. */
  oidc?: PendingLogin
}

/** 256 bits from the CSPRNG (ASVS 7.2.3). */
export function newSessionId(): string {
  return randomBytes(32).toString('base64url')
}

export function hashSessionId(id: string): string {
  return createHash('sha256').update(id).digest('hex')
}

/**
 * One request's view of its session. Nothing is written until the response is sent (session-plugin.ts): a
 * visitor who never submits a form never gets a session row or a cookie.
 */
export class Session {
  /** The id of a row to delete when the response is sent (after regenerate or destroy). */
  discardedId: string | undefined
  changed = false
  destroyed = false
  /** The session row's user as read with it, if still live (saves the auth plugin a second query). */
  loadedUser: CurrentUser | undefined

  constructor(
    /** The id in the cookie; undefined until the session is first saved. */
    public id: string | undefined,
    public data: SessionData,
    public lastSeenAt: Date | undefined,
    /** True when the request carried a session cookie that is expired, unknown or tampered with. */
    readonly ended: boolean,
  ) {}

  get isNew(): boolean {
    return this.lastSeenAt === undefined
  }

  get<K extends keyof SessionData>(key: K): SessionData[K] {
    return this.data[key]
  }

  set<K extends keyof SessionData>(key: K, value: SessionData[K]): void {
    // An undefined value is dropped when the data is saved as JSON.
    this.data = { ...this.data, [key]: value }
    this.changed = true
  }

  /**
   * A new id (ASVS 7.2.4: at every change of privilege, so no fixation) and a new CSRF secret; `keep` lists the
   * data to carry over. The old row is deleted when the response is sent.
   */
  regenerate(keep: SessionData = {}): void {
    if (this.id !== undefined && !this.isNew) this.discardedId ??= this.id
    this.id = newSessionId()
    this.data = { ...keep }
    this.changed = true
    this.lastSeenAt = undefined
  }

  destroy(): void {
    if (this.id !== undefined && !this.isNew) this.discardedId ??= this.id
    this.id = undefined
    this.data = {}
    this.destroyed = true
    this.changed = false
    this.lastSeenAt = undefined
  }
}
