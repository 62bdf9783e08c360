import { RATE_LIMITS } from '../../platform/rate-limits.ts'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import type { Config } from '../../config.ts'
import { requestContext } from '../../platform/auth/request-context.ts'
import type { SignInStage } from '../../platform/auth/auth-service.ts'
import { OidcError, type OidcFailure } from '../../platform/auth/oidc-client.ts'
import { NotFoundError } from '../../platform/errors.ts'
import { paths } from '../../platform/paths.ts'
import type { SsoNotice } from '../../platform/session/session.ts'
import type { Services } from '../../services.ts'
import type { FeatureRoutes } from '../../platform/surfaces.ts'
import { formErrors, type FormError } from '../../platform/views/form-errors.ts'
import { formText } from '../../platform/views/form-fields.ts'

/** Per network address (RATE_LIMITS.signIn), on top of the per-account lockout: slows password spraying. */
const TOO_MANY_SIGN_INS =
  'There have been too many attempts to sign in from your network. Wait a few minutes, then try again.'

const VIEWS = {
  signIn: 'features/sign-in/views/sign-in.njk',
  securityCode: 'features/sign-in/views/security-code.njk',
}

/** Same words for an unknown address and a wrong password: the page never says whether an account exists. */
export const WRONG_CREDENTIALS = 'Enter a correct email address and password'
export const LOCKED =
  'There have been too many attempts to sign in with these details. Wait 15 minutes, then try again.'
export const WRONG_CODE = 'Enter a correct security code or recovery code'

/**
 * Single sign-on that did not sign anyone in. An unknown, disabled or mismatched account all read the same, so
 * the page never says whether an account exists.
 */
export const SSO_MESSAGES: Record<SsoNotice, string> = {
  'sso-refused':
    'We could not sign you in with single sign-on. Ask your system administrator to check that your account is set up for it.',
  'sso-cancelled':
    'Single sign-on was cancelled or refused by your organisation’s sign-in service. Try again, or sign in with your email address and password.',
  'sso-unavailable':
    'We could not reach your organisation’s sign-in service. Try again in a few minutes, or sign in with your email address and password.',
  'sso-interrupted': 'Single sign-on took too long or was interrupted. Try again.',
}

const SSO_NOTICE: Record<OidcFailure, SsoNotice> = {
  'provider-unavailable': 'sso-unavailable',
  'provider-error': 'sso-cancelled',
  'no-login-in-progress': 'sso-interrupted',
  'login-expired': 'sso-interrupted',
  'state-mismatch': 'sso-interrupted',
  'token-refused': 'sso-interrupted',
  'token-invalid': 'sso-interrupted',
}

const SignInBody = Type.Object(
  { email: formText(320), password: formText(1024), _csrf: formText(200) },
  { additionalProperties: false },
)
const CodeBody = Type.Object({ code: formText(64), _csrf: formText(200) }, { additionalProperties: false })

/** What the log may say about a failed single sign-on: codes and the library's message, never claims or tokens. */
function ssoLogFields(error: OidcError) {
  const cause = error.cause instanceof Error ? error.cause : undefined
  return {
    reason: error.reason,
    providerError: error.providerError,
    cause: cause?.name,
    code: (cause as { code?: unknown } | undefined)?.code,
    detail: cause?.message,
  }
}

function nextPage(stage: SignInStage): string {
  return stage === 'security-code'
    ? paths.signInSecurityCode
    : stage === 'set-up'
      ? paths.account.securityCodeSetUp
      : paths.home
}

export function signInRoutes(services: Services, config: Config): FeatureRoutes {
  const renderSignIn = (
    request: FastifyRequest,
    reply: FastifyReply,
    values: { email?: string },
    errors: FormError[] = [],
    status = 200,
  ) => {
    const notice = request.session.get('notice')
    if (notice !== undefined) request.session.set('notice', undefined)
    const ssoError =
      notice !== undefined && notice !== 'session-ended'
        ? [{ field: services.oidc !== undefined ? 'oidc' : 'email', message: SSO_MESSAGES[notice] }]
        : []
    return reply.code(status).view(VIEWS.signIn, {
      values,
      ...formErrors([...ssoError, ...errors]),
      sessionEnded: notice === 'session-ended',
      sso: services.oidc === undefined ? undefined : { label: services.oidc.label, href: paths.signInOidc },
      csrfToken: reply.csrfToken(),
    })
  }

  const pendingUser = (request: FastifyRequest): string | undefined =>
    request.session.get('stage') === 'security-code' ? request.session.get('userId') : undefined

  return {
    pages: async (app) => {
      app.get(paths.signIn, { config: { access: 'public' } }, async function signInGet(request, reply) {
        if (request.user !== undefined) return reply.redirect(paths.home, 303)
        return renderSignIn(request, reply, {})
      })

      app.post(
        paths.signIn,
        {
          config: { access: 'public', rateLimit: RATE_LIMITS.signIn, rateLimitMessage: TOO_MANY_SIGN_INS },
          schema: { body: SignInBody },
        },
        async function signInPost(request, reply) {
          const email = (request.body.email ?? '').trim()
          const password = request.body.password ?? ''
          const missing: FormError[] = []
          if (email === '') missing.push({ field: 'email', message: 'Enter your email address' })
          if (password === '') missing.push({ field: 'password', message: 'Enter your password' })
          if (missing.length > 0) return renderSignIn(request, reply, { email }, missing, 400)

          const result = await services.auth.checkPassword(email, password, requestContext(request))
          if (!result.ok) {
            request.log.info({ event: 'sign-in-failed', reason: result.reason }, 'sign-in refused')
            const message = result.reason === 'locked' ? LOCKED : WRONG_CREDENTIALS
            return renderSignIn(request, reply, { email }, [{ field: 'email', message }], 400)
          }
          const stage = result.totpEnabled ? 'security-code' : config.requireMfa ? 'set-up' : 'signed-in'
          request.session.regenerate({ userId: result.userId, stage })
          if (stage === 'signed-in')
            await services.auth.recordSignIn(result.userId, 'password', requestContext(request))
          request.log.info(
            { event: 'sign-in-password-ok', userId: result.userId, stage },
            'password accepted',
          )
          return reply.redirect(nextPage(stage), 303)
        },
      )

      /** Single sign-on, step 1: remember state, nonce and PKCE verifier in this session; off to the provider. */
      app.get(
        paths.signInOidc,
        { config: { access: 'public' } },
        async function oidcStartGet(request, reply) {
          const oidc = services.oidc
          if (oidc === undefined) throw new NotFoundError()
          if (request.user !== undefined) return reply.redirect(paths.home, 303)
          try {
            const { url, pending } = await oidc.start()
            request.session.set('oidc', pending)
            return await reply.redirect(url, 303)
          } catch (error) {
            if (!(error instanceof OidcError)) throw error
            // Nobody has tried to authenticate yet: an operational fault for the log, not a security event.
            request.log.error({ event: 'sso-start-failed', ...ssoLogFields(error) }, 'SSO unavailable')
            request.session.set('notice', SSO_NOTICE[error.reason])
            return reply.redirect(paths.signIn, 303)
          }
        },
      )

      /** Single sign-on, step 2: the provider sends the user back with a code (or an error). */
      app.get(
        paths.signInOidcCallback,
        {
          config: { access: 'public', rateLimit: RATE_LIMITS.sso, rateLimitMessage: TOO_MANY_SIGN_INS },
        },
        async function oidcCallbackGet(request, reply) {
          const oidc = services.oidc
          if (oidc === undefined) throw new NotFoundError()
          const pending = request.session.get('oidc')
          // One use only: a replayed or reloaded callback finds nothing in progress.
          if (pending !== undefined) request.session.set('oidc', undefined)
          const query = request.url.indexOf('?')
          const search = query === -1 ? '' : request.url.slice(query)
          const ctx = requestContext(request)
          let identity
          try {
            identity = await oidc.finish(search, pending)
          } catch (error) {
            if (!(error instanceof OidcError)) throw error
            request.log.warn({ event: 'sso-failed', ...ssoLogFields(error) }, 'single sign-on failed')
            await services.auth.recordSsoFailure(error.reason, ctx, error.providerError)
            request.session.set('notice', SSO_NOTICE[error.reason])
            return reply.redirect(paths.signIn, 303)
          }
          const result = await services.auth.signInWithSso(identity, ctx, { requireMfa: config.requireMfa })
          if (!result.ok) {
            request.log.info({ event: 'sso-refused', reason: result.reason }, 'single sign-on refused')
            request.session.set('notice', 'sso-refused')
            return reply.redirect(paths.signIn, 303)
          }
          request.session.regenerate({ userId: result.userId, stage: result.stage })
          request.log.info(
            { event: 'sso-ok', userId: result.userId, stage: result.stage },
            'single sign-on accepted',
          )
          return reply.redirect(nextPage(result.stage), 303)
        },
      )

      app.get(
        paths.signInSecurityCode,
        { config: { access: 'public' } },
        async function securityCodeGet(request, reply) {
          if (pendingUser(request) === undefined) return reply.redirect(paths.signIn, 303)
          return reply.view(VIEWS.securityCode, { values: {}, csrfToken: reply.csrfToken() })
        },
      )

      app.post(
        paths.signInSecurityCode,
        {
          config: { access: 'public', rateLimit: RATE_LIMITS.signIn, rateLimitMessage: TOO_MANY_SIGN_INS },
          schema: { body: CodeBody },
        },
        async function securityCodePost(request, reply) {
          const userId = pendingUser(request)
          if (userId === undefined) return reply.redirect(paths.signIn, 303)
          const code = (request.body.code ?? '').trim()
          const render = (message: string) =>
            reply.code(400).view(VIEWS.securityCode, {
              values: {},
              ...formErrors([{ field: 'code', message }]),
              csrfToken: reply.csrfToken(),
            })
          if (code === '') return render('Enter the security code from your authenticator app')
          const result = await services.auth.checkSecurityCode(userId, code, requestContext(request))
          if (!result.ok) {
            request.log.info({ event: 'security-code-failed', reason: result.reason, userId }, 'code refused')
            if (result.reason === 'locked') {
              request.session.regenerate()
              return renderSignIn(request, reply, {}, [{ field: 'email', message: LOCKED }], 400)
            }
            return render(WRONG_CODE)
          }
          request.session.regenerate({ userId, stage: 'signed-in' })
          request.log.info(
            { event: 'sign-in', userId, recoveryCode: result.usedRecoveryCode },
            'signed in with a security code',
          )
          return reply.redirect(paths.home, 303)
        },
      )

      app.post(
        paths.signOut,
        { config: { access: 'public' }, schema: { body: Type.Object({ _csrf: formText(200) }) } },
        async function signOutPost(request, reply) {
          request.log.info({ event: 'sign-out', userId: request.user?.id }, 'signed out')
          if (request.user !== undefined)
            await services.auth.recordSignOut(request.user.id, requestContext(request))
          request.session.destroy()
          return reply.redirect(paths.start, 303)
        },
      )
    },
  }
}
