import { sql } from 'kysely'
import { accountsWithOrganisation } from '../../db/account-joins.ts'
import type { Executor } from '../../db/database.ts'
import { camelRow } from '../../db/rows.ts'

/** The signed-in person, as re-read from the database on every request (ASVS 8.3.2). */
export interface CurrentUser {
  id: string
  partnershipId: string
  agencyId: string
  teamId: string | null
  displayName: string
  roles: string[]
}

export interface Credentials {
  id: string
  partnershipId: string
  agencyId: string
  email: string
  passwordHash: string | null
  totpEnabled: boolean
  lockedUntil: Date | null
  disabled: boolean
  /** A system's account (API tokens only, never signs in), not a person's. */
  serviceAccount: boolean
}

export interface NewUser {
  partnershipId: string
  agencyId: string
  teamId?: string | null
  email: string
  displayName: string
  passwordHash: string | null
  roles: string[]
  isDemo?: boolean
  /** A system's account: no password, never signs in, the only kind an API token may act for. */
  serviceAccount?: boolean
}

export interface Profile {
  displayName: string
  email: string
  partnershipName: string
  agencyName: string
  teamName: string | null
  roles: Array<{ code: string; label: string }>
  totpEnabled: boolean
  recoveryCodesLeft: number
}

/** What single sign-on needs to know about an account found by its email address. */
export interface SsoAccount {
  id: string
  partnershipId: string
  agencyId: string
  disabled: boolean
  serviceAccount: boolean
  totpEnabled: boolean
  /** The provider identity recorded at the first single sign-on, if any. */
  link: { issuer: string; subject: string } | null
}

export const MAX_FAILED_ATTEMPTS = 5
export const LOCKOUT_MINUTES = 15

/** What sign-in needs to know about an account, looked up by email or by id. */
const credentialsQuery = (db: Executor) =>
  db.selectFrom('app_user').select([
    'id',
    'partnership_id',
    'agency_id',
    'email',
    'password_hash',
    sql<boolean>`totp_enabled_at IS NOT NULL`.as('totp_enabled'),
    'locked_until',
    'service_account',
    // An account is disabled with its agency (the system administrator's agencies page).
    sql<boolean>`coalesce(app_user.disabled_at,
        (SELECT a.disabled_at FROM agency a WHERE a.id = app_user.agency_id)) IS NOT NULL`.as('disabled'),
  ])

/**
 * Live users (not disabled, nor their agency) with their roles: what a request runs as. The one definition, used
 * for a user by id and joined to a session row (session-repository.ts) so a page finds both in one statement.
 */
export const liveUsers = (db: Executor) =>
  db
    .selectFrom('app_user as u')
    .select((eb) => [
      'u.id',
      'u.partnership_id',
      'u.agency_id',
      'u.team_id',
      'u.display_name',
      eb
        .selectFrom('user_role')
        .select(sql<string[]>`coalesce(array_agg(role ORDER BY role), '{}')`.as('roles'))
        .whereRef('user_role.user_id', '=', 'u.id')
        .as('roles'),
    ])
    .where('u.disabled_at', 'is', null)
    .where(
      sql<boolean>`NOT EXISTS (SELECT 1 FROM agency a WHERE a.id = u.agency_id AND a.disabled_at IS NOT NULL)`,
    )

export function toCurrentUser(row: {
  id: string
  partnership_id: string
  agency_id: string
  team_id: string | null
  display_name: string
  roles: string[] | null
}): CurrentUser {
  return {
    id: row.id,
    partnershipId: row.partnership_id,
    agencyId: row.agency_id,
    teamId: row.team_id,
    displayName: row.display_name,
    roles: row.roles ?? [],
  }
}

export function userRepository() {
  return {
    /** Names of a partnership's accounts, for showing who did what (audit) and choosing a person in a filter. */
    async names(db: Executor, partnershipId: string): Promise<Array<{ id: string; displayName: string }>> {
      const rows = await db
        .selectFrom('app_user')
        .select(['id', 'display_name'])
        .where('partnership_id', '=', partnershipId)
        .orderBy('display_name')
        .execute()
      return rows.map((r) => ({ id: r.id, displayName: r.display_name }))
    },

    async create(db: Executor, user: NewUser): Promise<string> {
      const row = await db
        .insertInto('app_user')
        .values({
          partnership_id: user.partnershipId,
          agency_id: user.agencyId,
          team_id: user.teamId ?? null,
          email: user.email,
          display_name: user.displayName,
          password_hash: user.passwordHash,
          is_demo: user.isDemo ?? false,
          service_account: user.serviceAccount ?? false,
        })
        .returning('id')
        .executeTakeFirstOrThrow()
      if (user.roles.length > 0) {
        await db
          .insertInto('user_role')
          .values(user.roles.map((role) => ({ user_id: row.id, role })))
          .execute()
      }
      return row.id
    },

    async createTeam(db: Executor, team: { partnershipId: string; agencyId: string; name: string }) {
      const row = await db
        .insertInto('team')
        .values({ partnership_id: team.partnershipId, agency_id: team.agencyId, name: team.name })
        .returning('id')
        .executeTakeFirstOrThrow()
      return row.id
    },

    async credentialsByEmail(db: Executor, email: string): Promise<Credentials | undefined> {
      const row = await credentialsQuery(db)
        .where(sql<string>`lower(email)`, '=', email.toLowerCase())
        .executeTakeFirst()
      return row && camelRow(row)
    },

    async ssoAccountByEmail(db: Executor, email: string): Promise<SsoAccount | undefined> {
      const row = await db
        .selectFrom('app_user')
        .select([
          'id',
          'partnership_id',
          'agency_id',
          // Disabled with its agency, as for password sign-in.
          sql<boolean>`coalesce(app_user.disabled_at,
            (SELECT a.disabled_at FROM agency a WHERE a.id = app_user.agency_id)) IS NOT NULL`.as('disabled'),
          'service_account',
          sql<boolean>`totp_enabled_at IS NOT NULL`.as('totp_enabled'),
          'oidc_issuer',
          'oidc_subject',
        ])
        .where(sql<string>`lower(email)`, '=', email.toLowerCase())
        .executeTakeFirst()
      if (row === undefined) return undefined
      const { oidc_issuer: issuer, oidc_subject: subject, ...account } = row
      return { ...camelRow(account), link: issuer !== null && subject !== null ? { issuer, subject } : null }
    },

    /** A transaction-scoped lock on one provider identity, held until commit. */
    async lockSsoSubject(db: Executor, issuer: string, subject: string): Promise<void> {
      await sql`SELECT pg_advisory_xact_lock(hashtextextended(${`${issuer} ${subject}`}, 0))`.execute(db)
    },

    /** The account (if any) a provider identity is already recorded on. */
    async idBySsoSubject(db: Executor, issuer: string, subject: string): Promise<string | undefined> {
      const row = await db
        .selectFrom('app_user')
        .select('id')
        .where('oidc_issuer', '=', issuer)
        .where('oidc_subject', '=', subject)
        .executeTakeFirst()
      return row?.id
    },

    /** Records the provider identity on an account that has none yet; false if it already has one. */
    async linkSso(db: Executor, id: string, issuer: string, subject: string): Promise<boolean> {
      const result = await db
        .updateTable('app_user')
        .set({
          oidc_issuer: issuer,
          oidc_subject: subject,
          oidc_linked_at: sql<Date>`now()`,
          updated_at: sql`now()`,
          version: sql`version + 1`,
        })
        .where('id', '=', id)
        .where('oidc_subject', 'is', null)
        .executeTakeFirst()
      return Number(result.numUpdatedRows) === 1
    },

    async credentialsById(db: Executor, id: string): Promise<Credentials | undefined> {
      const row = await credentialsQuery(db).where('id', '=', id).executeTakeFirst()
      return row && camelRow(row)
    },

    /** Counts a failure; the fifth in a row locks the account for 15 minutes. Returns whether it is now locked. */
    async recordFailure(db: Executor, id: string): Promise<boolean> {
      const row = await db
        .updateTable('app_user')
        .set({
          failed_attempts: sql<number>`CASE WHEN failed_attempts + 1 >= ${MAX_FAILED_ATTEMPTS} THEN 0 ELSE failed_attempts + 1 END`,
          locked_until: sql<Date>`CASE WHEN failed_attempts + 1 >= ${MAX_FAILED_ATTEMPTS}
                                   THEN now() + make_interval(mins => ${LOCKOUT_MINUTES}) ELSE locked_until END`,
        })
        .where('id', '=', id)
        .returning(sql<boolean>`locked_until > now()`.as('locked'))
        .executeTakeFirst()
      return row?.locked ?? false
    },

    async clearFailures(db: Executor, id: string): Promise<void> {
      await db
        .updateTable('app_user')
        .set({ failed_attempts: 0, locked_until: null })
        .where('id', '=', id)
        .execute()
    },

    /** The same lockout for addresses with no account, so lockout reveals nothing about which addresses exist. */
    async throttleLockedUntil(db: Executor, emailHash: string): Promise<Date | null> {
      const row = await db
        .selectFrom('sign_in_throttle')
        .select('locked_until')
        .where('email_hash', '=', emailHash)
        .executeTakeFirst()
      return row?.locked_until ?? null
    },

    async recordThrottleFailure(db: Executor, emailHash: string): Promise<boolean> {
      const row = await db
        .insertInto('sign_in_throttle')
        .values({ email_hash: emailHash, failed_attempts: 1 })
        .onConflict((oc) =>
          oc.column('email_hash').doUpdateSet({
            failed_attempts: sql<number>`CASE WHEN sign_in_throttle.failed_attempts + 1 >= ${MAX_FAILED_ATTEMPTS} THEN 0 ELSE sign_in_throttle.failed_attempts + 1 END`,
            locked_until: sql<Date>`CASE WHEN sign_in_throttle.failed_attempts + 1 >= ${MAX_FAILED_ATTEMPTS}
                                     THEN now() + make_interval(mins => ${LOCKOUT_MINUTES}) ELSE sign_in_throttle.locked_until END`,
            updated_at: sql<Date>`now()`,
          }),
        )
        .returning(sql<boolean>`coalesce(locked_until > now(), false)`.as('locked'))
        .executeTakeFirst()
      return row?.locked ?? false
    },

    async current(db: Executor, id: string): Promise<CurrentUser | undefined> {
      const row = await liveUsers(db).where('u.id', '=', id).executeTakeFirst()
      return row && toCurrentUser(row)
    },

    async profile(db: Executor, id: string): Promise<Profile | undefined> {
      const row = await accountsWithOrganisation(db)
        .select((eb) => [
          'u.display_name',
          'u.email',
          'u.totp_enabled_at',
          'a.name as agency_name',
          'p.name as partnership_name',
          't.name as team_name',
          eb
            .selectFrom('recovery_code')
            .select(sql<string>`count(*)`.as('n'))
            .whereRef('recovery_code.user_id', '=', 'u.id')
            .where('recovery_code.used_at', 'is', null)
            .as('recovery_left'),
        ])
        .where('u.id', '=', id)
        .executeTakeFirst()
      if (row === undefined) return undefined
      const roles = await db
        .selectFrom('user_role')
        .innerJoin('role', 'role.code', 'user_role.role')
        .select(['role.code', 'role.label'])
        .where('user_role.user_id', '=', id)
        .orderBy('role.sort_order')
        .execute()
      return {
        displayName: row.display_name,
        email: row.email,
        partnershipName: row.partnership_name,
        agencyName: row.agency_name,
        teamName: row.team_name,
        roles,
        totpEnabled: row.totp_enabled_at !== null,
        recoveryCodesLeft: Number(row.recovery_left ?? 0),
      }
    },

    async totp(
      db: Executor,
      id: string,
    ): Promise<{ email: string; secret: string | null; enabled: boolean; lastStep: number | undefined }> {
      const row = await db
        .selectFrom('app_user')
        .select(['email', 'totp_secret', 'totp_enabled_at', 'totp_last_step'])
        .where('id', '=', id)
        .executeTakeFirstOrThrow()
      return {
        email: row.email,
        secret: row.totp_secret,
        enabled: row.totp_enabled_at !== null,
        lastStep: row.totp_last_step === null ? undefined : Number(row.totp_last_step),
      }
    },

    async setPendingTotp(db: Executor, id: string, secret: string): Promise<void> {
      await db
        .updateTable('app_user')
        .set({ totp_secret: secret, totp_enabled_at: null, totp_last_step: null, updated_at: sql`now()` })
        .where('id', '=', id)
        .where('totp_enabled_at', 'is', null)
        .execute()
    },

    async enableTotp(db: Executor, id: string, step: number): Promise<void> {
      await db
        .updateTable('app_user')
        .set({
          totp_enabled_at: sql<Date>`now()`,
          totp_last_step: step,
          updated_at: sql`now()`,
          version: sql`version + 1`,
        })
        .where('id', '=', id)
        .execute()
    },

    async setTotpLastStep(db: Executor, id: string, step: number): Promise<void> {
      await db.updateTable('app_user').set({ totp_last_step: step }).where('id', '=', id).execute()
    },

    async replaceRecoveryCodes(db: Executor, id: string, hashes: string[]): Promise<void> {
      await db.deleteFrom('recovery_code').where('user_id', '=', id).execute()
      await db
        .insertInto('recovery_code')
        .values(hashes.map((code_hash) => ({ user_id: id, code_hash })))
        .execute()
    },

    /** Marks an unused code as used; false if there is no such unused code. One use only, even concurrently. */
    async useRecoveryCode(db: Executor, id: string, hash: string): Promise<boolean> {
      const result = await db
        .updateTable('recovery_code')
        .set({ used_at: sql<Date>`now()` })
        .where('user_id', '=', id)
        .where('code_hash', '=', hash)
        .where('used_at', 'is', null)
        .executeTakeFirst()
      return Number(result.numUpdatedRows) === 1
    },

    async disable(db: Executor, id: string): Promise<void> {
      await db
        .updateTable('app_user')
        .set({ disabled_at: sql<Date>`now()`, updated_at: sql`now()`, version: sql`version + 1` })
        .where('id', '=', id)
        .execute()
    },
  }
}

export type UserRepository = ReturnType<typeof userRepository>
