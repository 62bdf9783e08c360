/**
 * Every URL of the service, defined once. A page or API path with parameters is an entry made by `path()` or
 * `apiPath()`: call it to build a URL (`paths.people.show(id)`, in code and templates alike) and give its
 * `pattern` to register the route (`app.get(paths.people.show.pattern, …)`), so a renamed URL cannot leave a
 * dead link or a route behind. A path without parameters is a plain string, which is both.
 *
 * API entries build full URLs (`/api/v1/people/…`); their `pattern` is relative to the API surface, which is
 * registered under API_PREFIX (src/platform/surfaces.ts).
 */

export const API_PREFIX = '/api/v1'

/** One string argument per `:parameter` of the pattern, in order. */
type Args<P extends string> = P extends `${string}:${string}/${infer Rest}`
  ? [string, ...Args<Rest>]
  : P extends `${string}:${string}`
    ? [string]
    : []

export type PathEntry<P extends string = string> = ((...args: Args<P>) => string) & {
  /** What the route registers (relative to its surface: the API's under API_PREFIX). */
  readonly pattern: P
}

function entry<P extends string>(pattern: P, prefix: string): PathEntry<P> {
  const parts = pattern.split(/(:[A-Za-z]+)/)
  const build = (...args: string[]): string => {
    let i = 0
    return (
      prefix +
      parts
        .map((part) => {
          if (!part.startsWith(':')) return part
          const value = args[i++]
          if (value === undefined) throw new Error(`path ${pattern}: missing ${part}`)
          return encodeURIComponent(value)
        })
        .join('')
    )
  }
  return Object.assign(build as (...args: Args<P>) => string, { pattern })
}

/** A page path with parameters. */
export function path<P extends `/${string}`>(pattern: P): PathEntry<P> {
  return entry(pattern, '')
}

/** An API path, with or without parameters: builds `/api/v1…`; its pattern is relative to the API surface. */
export function apiPath<P extends `/${string}`>(pattern: P): PathEntry<P> {
  return entry(pattern, API_PREFIX)
}

const people = '/people'

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
    userNew: '/admin/users/new',
    user: path('/admin/users/:id'),
    userRoles: path('/admin/users/:id/roles'),
    userDisable: path('/admin/users/:id/disable'),
    userDetails: path('/admin/users/:id/details'),
    userEnable: path('/admin/users/:id/enable'),
    userSetUpLink: path('/admin/users/:id/set-up-link'),
    agencies: '/admin/agencies',
    agencyNew: '/admin/agencies/new',
    agency: path('/admin/agencies/:id'),
    agencyRename: path('/admin/agencies/:id/name'),
    agencyDisable: path('/admin/agencies/:id/disable'),
    agencyEnable: path('/admin/agencies/:id/enable'),
    agencyTeams: path('/admin/agencies/:id/teams'),
    tokens: '/admin/tokens',
    tokenNew: '/admin/tokens/new',
    tokenRevoke: path('/admin/tokens/:id/revoke'),
    // Street terms (issue 12, slice i12-terms)
    streetTerms: '/admin/street-terms',
    streetTermNew: '/admin/street-terms/new',
    streetTerm: path('/admin/street-terms/:id'),
  },
  audit: {
    trail: '/audit',
    export: '/audit/export.csv',
    breakGlass: '/audit/break-glass',
    breakGlassReview: path('/audit/break-glass/:id'),
  },
  account: {
    show: '/account',
    securityCodeSetUp: '/account/security-code/set-up',
    setUp: path('/account/set-up/:token'),
  },
  people: {
    list: people,
    new: `${people}/new`,
    show: path('/people/:id'),
    breakGlass: path('/people/:id/break-glass'),
    views: path('/people/:id/views'),
    links: path('/people/:id/links'),
    duplicates: path('/people/:id/duplicates'),
    merge: path('/people/:id/merge'),
    merges: path('/people/:id/merges'),
    unmerge: path('/people/:id/unmerge'),
    edit: path('/people/:id/edit'),
    names: path('/people/:id/names'),
    nameRemove: path('/people/:id/names/:aliasId/remove'),
    statuses: path('/people/:id/statuses'),
    statusEnd: path('/people/:id/statuses/:statusId/end'),
    chronology: path('/people/:id/chronology'),
  },
  locations: {
    new: '/locations/new',
    show: path('/locations/:id'),
    edit: path('/locations/:id/edit'),
  },
  objects: {
    new: '/objects/new',
    show: path('/objects/:id'),
    edit: path('/objects/:id/edit'),
  },
  flags: {
    newOnPerson: path('/people/:id/flags/new'),
    newOnLocation: path('/locations/:id/flags/new'),
    review: path('/flags/:id/review'),
    remove: path('/flags/:id/remove'),
  },
  tasks: '/tasks',
  links: {
    show: path('/links/:id'),
    end: path('/links/:id/end'),
    newForPerson: path('/people/:id/links/new'),
  },
  search: { page: '/search' },
  concerns: {
    new: '/concerns/new',
    show: path('/concerns/:id'),
    details: path('/concerns/:id/details'),
    check: path('/concerns/:id/check'),
    danger: path('/concerns/:id/danger'),
  },
  referrals: {
    mine: '/referrals',
    show: path('/referrals/:id'),
    review: path('/referrals/:id/review'),
    decision: path('/referrals/:id/decision'),
    withdraw: path('/referrals/:id/withdraw'),
    notify: path('/referrals/:id/notifications/new'),
  },
  frontDoor: '/front-door',
  notifications: {
    outstanding: '/notifications',
    acknowledge: path('/notifications/:id/acknowledge'),
  },
  // Intelligence (issue 12): entries with 3x5x2 grading and handling conditions.
  intelligence: {
    list: '/intelligence',
    new: '/intelligence/new',
    show: path('/intelligence/:id'),
  },
  // Suggested links (issue 12, i12-suggest).
  suggestions: {
    queue: '/suggestions',
    show: path('/suggestions/:id'),
    accept: path('/suggestions/:id/accept'),
    reject: path('/suggestions/:id/reject'),
  },
  // a13: allocation (issue 13): team managers' queues, allocating a worker, one allocation.
  allocations: {
    queue: '/allocations',
    show: path('/allocations/:id'),
    allocate: path('/allocations/:id/allocate'),
  },
  accessibility: '/accessibility',
  health: {
    liveness: '/health',
    readiness: '/health/ready',
  },
  assets: '/assets',
  api: {
    openapi: apiPath('/openapi.json'),
    service: apiPath('/service'),
    me: apiPath('/me'),
    locations: apiPath('/locations'),
    location: apiPath('/locations/:id'),
    objects: apiPath('/objects'),
    object: apiPath('/objects/:id'),
    flag: apiPath('/flags/:id'),
    flagReview: apiPath('/flags/:id/review'),
    flagRemove: apiPath('/flags/:id/remove'),
    personFlags: apiPath('/people/:id/flags'),
    locationFlags: apiPath('/locations/:id/flags'),
    flagReviewsDue: apiPath('/tasks/flag-reviews'),
    people: apiPath('/people'),
    person: apiPath('/people/:id'),
    search: apiPath('/search'),
    duplicateCandidates: apiPath('/people/duplicate-candidates'),
    personDuplicates: apiPath('/people/:id/duplicate-candidates'),
    personMerge: apiPath('/people/:id/merge'),
    personMerges: apiPath('/people/:id/merges'),
    personUnmerge: apiPath('/people/:id/unmerge'),
    personAliases: apiPath('/people/:id/aliases'),
    personAlias: apiPath('/people/:id/aliases/:aliasId'),
    personStatuses: apiPath('/people/:id/statuses'),
    personStatus: apiPath('/people/:id/statuses/:statusId'),
    concerns: apiPath('/concerns'),
    concern: apiPath('/concerns/:id'),
    screeningGuide: apiPath('/screening/guide'),
    screeningSuggest: apiPath('/screening/suggest'),
    links: apiPath('/links'),
    link: apiPath('/links/:id'),
    linkEnd: apiPath('/links/:id/end'),
    personLinks: apiPath('/people/:id/links'),
    chronology: apiPath('/people/:id/chronology'),
    referrals: apiPath('/referrals'),
    referral: apiPath('/referrals/:id'),
    referralReview: apiPath('/referrals/:id/review'),
    referralDecision: apiPath('/referrals/:id/decision'),
    referralWithdraw: apiPath('/referrals/:id/withdraw'),
    referralNotifications: apiPath('/referrals/:id/notifications'),
    notifications: apiPath('/notifications'),
    notificationAcknowledge: apiPath('/notifications/:id/acknowledge'),
    // Intelligence (issue 12).
    intelligence: apiPath('/intelligence'),
    intelligenceEntry: apiPath('/intelligence/:id'),
    // Street terms (issue 12, slice i12-terms)
    streetTerms: apiPath('/street-terms'),
    streetTerm: apiPath('/street-terms/:id'),
    // Suggested links (issue 12, i12-suggest).
    suggestions: apiPath('/suggestions'),
    suggestion: apiPath('/suggestions/:id'),
    suggestionAccept: apiPath('/suggestions/:id/accept'),
    suggestionReject: apiPath('/suggestions/:id/reject'),
    // a13: allocation (issue 13)
    allocations: apiPath('/allocations'),
    allocationsMine: apiPath('/allocations/mine'),
    allocation: apiPath('/allocations/:id'),
    allocationAllocate: apiPath('/allocations/:id/allocate'),
    // i12d: an entry's new versions, and descriptions of places and things from it.
    intelligenceVersions: apiPath('/intelligence/:id/versions'),
    intelligenceDescriptions: apiPath('/intelligence/:id/descriptions'),
  },
  // t13: the task engine: my tasks, my team's tasks, completing and reassigning a task (pages and API).
  work: {
    mine: '/tasks/mine',
    team: '/tasks/team',
    complete: path('/tasks/:id/complete'),
    reassign: path('/tasks/:id/reassign'),
    api: {
      mine: apiPath('/tasks'),
      team: apiPath('/tasks/team'),
      task: apiPath('/tasks/:id'),
      complete: apiPath('/tasks/:id/complete'),
      reassign: apiPath('/tasks/:id/reassign'),
    },
  },
  // i12d: an entry's new version, and a description of a place or thing from it.
  intelligenceDerived: {
    newVersion: path('/intelligence/:id/new-version'),
    describe: path('/intelligence/:id/describe'),
  },
} as const
