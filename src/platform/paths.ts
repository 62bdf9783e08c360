/** Every URL of the service, defined once and used by routes, redirects, templates and tests. */

export const API_PREFIX = '/api/v1'

export const paths = {
  start: '/',
  signIn: '/sign-in',
  signInSecurityCode: '/sign-in/security-code',
  signOut: '/sign-out',
  home: '/home',
  admin: {
    users: '/admin/users',
    user: (id: string) => `/admin/users/${encodeURIComponent(id)}`,
    userRoles: (id: string) => `/admin/users/${encodeURIComponent(id)}/roles`,
    userDisable: (id: string) => `/admin/users/${encodeURIComponent(id)}/disable`,
  },
  audit: {
    trail: '/audit',
    export: '/audit/export.csv',
  },
  account: {
    show: '/account',
    securityCodeSetUp: '/account/security-code/set-up',
  },
  accessibility: '/accessibility',
  health: {
    liveness: '/health',
    readiness: '/health/ready',
  },
  assets: '/assets',
  api: {
    openapi: `${API_PREFIX}/openapi.json`,
    service: `${API_PREFIX}/service`,
    me: `${API_PREFIX}/me`,
  },
} as const

export function isApiPath(url: string): boolean {
  return url === API_PREFIX || url.startsWith(`${API_PREFIX}/`)
}
