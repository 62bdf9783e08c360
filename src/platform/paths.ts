/** Every URL of the service, defined once and used by routes, redirects, templates and tests. */

export const API_PREFIX = '/api/v1'

export const paths = {
  start: '/',
  signIn: '/sign-in',
  signInSecurityCode: '/sign-in/security-code',
  signInOidc: '/sign-in/oidc',
  signInOidcCallback: '/sign-in/oidc/callback',
  signOut: '/sign-out',
  home: '/home',
  admin: {
    users: '/admin/users',
    user: (id: string) => `/admin/users/${encodeURIComponent(id)}`,
    userRoles: (id: string) => `/admin/users/${encodeURIComponent(id)}/roles`,
    userDisable: (id: string) => `/admin/users/${encodeURIComponent(id)}/disable`,
    userNew: '/admin/users/new',
    userDetails: (id: string) => `/admin/users/${encodeURIComponent(id)}/details`,
    userEnable: (id: string) => `/admin/users/${encodeURIComponent(id)}/enable`,
    userSetUpLink: (id: string) => `/admin/users/${encodeURIComponent(id)}/set-up-link`,
    agencies: '/admin/agencies',
    agencyNew: '/admin/agencies/new',
    agency: (id: string) => `/admin/agencies/${encodeURIComponent(id)}`,
    agencyRename: (id: string) => `/admin/agencies/${encodeURIComponent(id)}/name`,
    agencyDisable: (id: string) => `/admin/agencies/${encodeURIComponent(id)}/disable`,
    agencyEnable: (id: string) => `/admin/agencies/${encodeURIComponent(id)}/enable`,
    agencyTeams: (id: string) => `/admin/agencies/${encodeURIComponent(id)}/teams`,
    tokens: '/admin/tokens',
    tokenNew: '/admin/tokens/new',
    tokenRevoke: (id: string) => `/admin/tokens/${encodeURIComponent(id)}/revoke`,
  },
  audit: {
    trail: '/audit',
    export: '/audit/export.csv',
    breakGlass: '/audit/break-glass',
    breakGlassReview: (id: string) => `/audit/break-glass/${encodeURIComponent(id)}`,
  },
  account: {
    show: '/account',
    securityCodeSetUp: '/account/security-code/set-up',
    setUp: (token: string) => `/account/set-up/${encodeURIComponent(token)}`,
    setUpRoute: '/account/set-up/:token',
  },
  people: {
    list: '/people',
    show: (id: string) => `/people/${encodeURIComponent(id)}`,
    breakGlass: (id: string) => `/people/${encodeURIComponent(id)}/break-glass`,
    views: (id: string) => `/people/${encodeURIComponent(id)}/views`,
    chronology: (id: string) => `/people/${encodeURIComponent(id)}/chronology`,
  },
  locations: {
    root: '/locations',
    new: '/locations/new',
    show: (id: string) => `/locations/${encodeURIComponent(id)}`,
    edit: (id: string) => `/locations/${encodeURIComponent(id)}/edit`,
  },
  objects: {
    root: '/objects',
    new: '/objects/new',
    show: (id: string) => `/objects/${encodeURIComponent(id)}`,
    edit: (id: string) => `/objects/${encodeURIComponent(id)}/edit`,
  },
  flags: {
    root: '/flags',
    newOnPerson: (id: string) => `/people/${encodeURIComponent(id)}/flags/new`,
    newOnLocation: (id: string) => `/locations/${encodeURIComponent(id)}/flags/new`,
    review: (id: string) => `/flags/${encodeURIComponent(id)}/review`,
    remove: (id: string) => `/flags/${encodeURIComponent(id)}/remove`,
  },
  tasks: '/tasks',
  links: {
    show: (id: string) => `/links/${encodeURIComponent(id)}`,
    end: (id: string) => `/links/${encodeURIComponent(id)}/end`,
    newForPerson: (personId: string) => `/people/${encodeURIComponent(personId)}/links/new`,
  },
  accessibility: '/accessibility',
  health: {
    liveness: '/health',
    readiness: '/health/ready',
  },
  assets: '/assets',
  api: {
    openapi: `${API_PREFIX}/openapi.json`,
    locations: `${API_PREFIX}/locations`,
    objects: `${API_PREFIX}/objects`,
    flags: `${API_PREFIX}/flags`,
    personFlags: (id: string) => `${API_PREFIX}/people/${encodeURIComponent(id)}/flags`,
    locationFlags: (id: string) => `${API_PREFIX}/locations/${encodeURIComponent(id)}/flags`,
    flagReviewsDue: `${API_PREFIX}/tasks/flag-reviews`,
    service: `${API_PREFIX}/service`,
    me: `${API_PREFIX}/me`,
    people: `${API_PREFIX}/people`,
    links: `${API_PREFIX}/links`,
    link: (id: string) => `${API_PREFIX}/links/${encodeURIComponent(id)}`,
    linkEnd: (id: string) => `${API_PREFIX}/links/${encodeURIComponent(id)}/end`,
    personLinks: (id: string) => `${API_PREFIX}/people/${encodeURIComponent(id)}/links`,
    chronology: (id: string) => `${API_PREFIX}/people/${encodeURIComponent(id)}/chronology`,
  },
} as const

export function isApiPath(url: string): boolean {
  return url === API_PREFIX || url.startsWith(`${API_PREFIX}/`)
}
