import type { Config } from './config.ts'
import type { Database } from './db/database.ts'
import { seedableClock } from './features/demo/demo-clock.ts'
import { demoService } from './features/demo/demo-service.ts'
import { healthService } from './features/health/health-service.ts'
import { partnershipRepository } from './features/partnerships/partnership-repository.ts'
import { partnershipService } from './features/partnerships/partnership-service.ts'
import { adminUserRepository } from './features/admin-users/admin-user-repository.ts'
import { adminUserService } from './features/admin-users/admin-user-service.ts'
import { adminAgencyRepository } from './features/admin-agencies/admin-agency-repository.ts'
import { adminAgencyService } from './features/admin-agencies/admin-agency-service.ts'
import { adminTokenService } from './features/admin-tokens/admin-token-service.ts'
import { accountSetUpRepository } from './features/account-set-up/account-set-up-repository.ts'
import { accountSetUpService } from './features/account-set-up/account-set-up-service.ts'
import { auditTrailService } from './features/audit/audit-trail-service.ts'
import { accessService } from './platform/access/access-service.ts'
import { recordAccess } from './platform/access/record-access.ts'
import { auditRepository, auditWriter } from './platform/audit/audit-writer.ts'
import { authService } from './platform/auth/auth-service.ts'
import { oidcClient } from './platform/auth/oidc-client.ts'
import { userRepository } from './platform/auth/user-repository.ts'
import { sessionRepository } from './platform/session/session-repository.ts'
import { tokenRepository } from './platform/tokens/token-repository.ts'
import { tokenService } from './platform/tokens/token-service.ts'
import { sessionService } from './platform/session/session-service.ts'
import { breakGlassRepository } from './platform/access/break-glass-repository.ts'
import { intelligenceRepository } from './features/intelligence/intelligence-repository.ts'
import { intelligenceService } from './features/intelligence/intelligence-service.ts'
import { personRepository } from './features/people/person-repository.ts'
import { personEditService } from './features/people/person-edit-service.ts'
import { personService } from './features/people/person-service.ts'
import { locationRepository } from './features/locations/location-repository.ts'
import { locationService } from './features/locations/location-service.ts'
import { objectRepository } from './features/objects/object-repository.ts'
import { objectService } from './features/objects/object-service.ts'
import { flagRepository } from './features/flags/flag-repository.ts'
import { flagService } from './features/flags/flag-service.ts'
import { linkRepository } from './features/links/link-repository.ts'
import { linkService } from './features/links/link-service.ts'
import { breakGlassReviewService } from './features/break-glass-review/break-glass-review-service.ts'
import { searchRepository } from './features/search/search-repository.ts'
import { searchService } from './features/search/search-service.ts'
import { duplicateRepository } from './features/duplicates/duplicate-repository.ts'
import { duplicateService } from './features/duplicates/duplicate-service.ts'
import { mergeRepository } from './features/duplicates/merge-repository.ts'
import { mergeService } from './features/duplicates/merge-service.ts'
import { chronologyRepository } from './features/chronology/chronology-repository.ts'
import { chronologyService } from './features/chronology/chronology-service.ts'
import { concernRepository } from './features/concerns/concern-repository.ts'
import { concernService } from './features/concerns/concern-service.ts'
import { screeningRepository } from './features/screening/screening-repository.ts'
import { screeningService } from './features/screening/screening-service.ts'
import { referralRepository } from './features/referrals/referral-repository.ts'
import { referralService } from './features/referrals/referral-service.ts'
import { notificationRepository } from './features/notifications/notification-repository.ts'
import { notificationService } from './features/notifications/notification-service.ts'
// Street terms (issue 12, slice i12-terms)
import { streetTermRepository } from './features/street-terms/street-term-repository.ts'
import { streetTermService } from './features/street-terms/street-term-service.ts'
// Suggested links (issue 12, i12-suggest).
import { suggestionRepository } from './features/suggestions/suggestion-repository.ts'
import { suggestionRefresh, suggestionService } from './features/suggestions/suggestion-service.ts'
// a13: allocation (issue 13)
import { allocationRepository } from './features/allocation/allocation-repository.ts'
import { allocationService } from './features/allocation/allocation-service.ts'
// t13: the task engine.
import { taskRepository } from './features/tasks/task-repository.ts'
import { taskService } from './features/tasks/task-service.ts'

/** Plain factories: repositories first, then the services that use them. */
export function repositories() {
  return {
    partnerships: partnershipRepository(),
    users: userRepository(),
    sessions: sessionRepository(),
    audit: auditRepository(),
    adminUsers: adminUserRepository(),
    adminAgencies: adminAgencyRepository(),
    accountSetUp: accountSetUpRepository(),
    tokens: tokenRepository(),
    people: personRepository(),
    breakGlass: breakGlassRepository(),
    locations: locationRepository(),
    objects: objectRepository(),
    flags: flagRepository(),
    search: searchRepository(),
    duplicates: duplicateRepository(),
    merges: mergeRepository(),
    links: linkRepository(),
    chronology: chronologyRepository(),
    concerns: concernRepository(),
    screening: screeningRepository(),
    referrals: referralRepository(),
    notifications: notificationRepository(),
    intelligence: intelligenceRepository(),
    // Street terms (issue 12, slice i12-terms)
    streetTerms: streetTermRepository(),
    // Suggested links (issue 12, i12-suggest).
    suggestions: suggestionRepository(),
    // a13: allocation (issue 13)
    allocations: allocationRepository(),
    // t13: the task engine.
    tasks: taskRepository(),
  }
}

export interface ServicesOptions {
  latestMigration: number
  /** The clock of the front door's deadlines (tests move it across weekends and bank holidays). */
  now?: () => Date
}

export function services(config: Config, database: Database, options: ServicesOptions) {
  const repos = repositories()
  const audit = auditWriter()
  const access = recordAccess(database, audit)
  const people = personService(
    database,
    repos.people,
    repos.breakGlass,
    repos.users,
    audit,
    repos.audit,
    access,
    { breakGlassHours: config.breakGlassHours },
  )
  // i12d: intelligence first, for the descriptions of places and things and the flags derived from entries.
  const intelligence = intelligenceService(repos.intelligence, access)
  const locations = locationService(repos.locations, access, intelligence)
  // t13: the task engine, before the features that raise tasks (flags, notifications).
  const tasks = taskService(database, repos.tasks, people.records, locations.records, access, audit, {
    now: seedableClock(options.now),
  })
  const flags = flagService(
    database,
    repos.flags,
    people.records,
    locations.records,
    access,
    intelligence,
    tasks,
  )
  const auth = authService(database, repos.users, repos.sessions, audit, {
    issuer: config.serviceName,
  })
  const tokens = tokenService(database, repos.tokens, repos.users, audit)
  const streetTerms = streetTermService(database, repos.streetTerms, audit)
  const screening = screeningService(database, repos.screening, streetTerms)
  // The front door's clock: the tests' (options.now) or the system's, and the demo seed's time while it seeds.
  const clockOption = { now: seedableClock(options.now) }
  const referrals = referralService(database, repos.referrals, flags, people, access, clockOption)
  const concerns = concernService(repos.concerns, screening, people, access)
  const notifications = notificationService(repos.notifications, referrals, access, { ...clockOption, tasks })
  const partnerships = partnershipService(database, repos.partnerships)
  const adminUsers = adminUserService(database, repos.adminUsers, repos.users, repos.sessions, audit)
  const links = linkService(repos.links, people.records, access, intelligence)
  // Suggested links (issue 12, i12-suggest): a person, location or object recorded or changed through these
  // services has its suggestions worked out again (refreshFor) once written.
  const suggestions = suggestionService(
    database,
    repos.suggestions,
    people.records,
    locations,
    objectService(repos.objects, access, intelligence),
    links,
    access,
  )
  const refreshing = suggestionRefresh(suggestions, {
    locations,
    objects: objectService(repos.objects, access, intelligence),
    personEdit: personEditService(repos.people, people.records, audit, access),
  })
  // a13: allocation (issue 13): a front-door decision for an assessment or a strategy meeting queues the child.
  const allocations = allocationService(repos.allocations, people, access, clockOption)
  referrals.followDecisions(allocations.followUp)
  return {
    serviceName: config.serviceName,
    /** Single sign-on, when configured (OPENMACE_OIDC_ISSUER). */
    oidc: config.oidc === undefined ? undefined : oidcClient(config.oidc),
    health: healthService(database, options),
    partnerships,
    auth,
    sessions: sessionService(database, repos.sessions),
    access: accessService(database, audit),
    auditTrail: auditTrailService(database, repos.audit, repos.users, audit),
    tokens,
    adminUsers,
    adminAgencies: adminAgencyService(database, repos.adminAgencies, audit),
    adminTokens: adminTokenService(adminUsers, tokens),
    accountSetUp: accountSetUpService(database, repos.accountSetUp, audit),
    breakGlassHours: config.breakGlassHours,
    people,
    links,
    personEdit: refreshing.personEdit,
    breakGlassReview: breakGlassReviewService(repos.breakGlass, audit, access),
    locations: refreshing.locations,
    objects: refreshing.objects,
    flags,
    search: searchService(repos.search, access),
    duplicates: duplicateService(repos.duplicates, access, people.records),
    merges: mergeService(repos.merges, access, people.records),
    chronology: chronologyService(repos.chronology, access, people.records, referrals.records),
    concerns,
    referrals,
    notifications,
    intelligence,
    demo: demoService(
      database,
      partnerships,
      auth,
      // a13: allocations; t13: tasks; i12d: flags, for the demo's flag derived from intelligence.
      { concerns, referrals, notifications, intelligence, suggestions, allocations, tasks, flags },
      { enabled: config.demo },
    ),
    // Street terms (issue 12, slice i12-terms)
    streetTerms,
    // Suggested links (issue 12, i12-suggest).
    suggestions,
    // a13: allocation (issue 13)
    allocations,
    // t13: the task engine.
    tasks,
  }
}

export type Services = ReturnType<typeof services>
