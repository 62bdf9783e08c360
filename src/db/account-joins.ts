import type { Executor } from './database.ts'

/**
 * Accounts (`u`) joined to the agency each belongs to (`a`): where a query shows who someone is and where they
 * work, or asks whether their agency is still active. Callers join their own table to `u` and pick columns.
 */
export const accountsWithAgency = (db: Executor) =>
  db.selectFrom('app_user as u').innerJoin('agency as a', 'a.id', 'u.agency_id')

/** Accounts with their agency (`a`), their partnership (`p`) and their team (`t`, none when they have none). */
export const accountsWithOrganisation = (db: Executor) =>
  accountsWithAgency(db)
    .innerJoin('partnership as p', 'p.id', 'u.partnership_id')
    .leftJoin('team as t', 't.id', 'u.team_id')
