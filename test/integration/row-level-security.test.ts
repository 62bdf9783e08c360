import assert from 'node:assert/strict'
import { it } from 'node:test'
import { createTestDatabase, ownerQuery } from '../helpers/database.ts'

/**
 * Tables that carry partnership_id but hold no case data about a person, each with the reason it is exempt
 * from row-level security. Every other table with a partnership_id (every case table: people, links, flags,
 * concerns, referrals, assessments, meetings, intelligence…) must have row-level security enabled and forced,
 * so that the runtime role sees nothing outside the transaction's partnership (ARCHITECTURE.md, access model).
 */
const NOT_CASE_DATA: Record<string, string> = {
  agency: 'directory of organisations, read before sign-in',
  team: 'directory of teams',
  app_user: 'accounts: looked up by email at sign-in, before any partnership context exists',
  audit_event: 'append-only; the sealer must read every row; the DPO page filters by partnership',
  api_token:
    'hashed credentials of service accounts, looked up by hash before any partnership context exists',
}

it('every table with a partnership_id has row-level security enabled and forced, unless listed as not case data', async (t) => {
  const db = await createTestDatabase(t)
  const tables = await ownerQuery<{ table: string; enabled: boolean; forced: boolean }>(
    db.ownerUrl,
    `SELECT c.relname AS table, c.relrowsecurity AS enabled, c.relforcerowsecurity AS forced
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind = 'r'
        AND EXISTS (SELECT 1 FROM pg_attribute a
                     WHERE a.attrelid = c.oid AND a.attname = 'partnership_id' AND NOT a.attisdropped)
      ORDER BY 1`,
  )
  assert.ok(tables.length > 0)
  const unprotected = tables
    .filter((row) => !(row.table in NOT_CASE_DATA))
    .filter((row) => !row.enabled || !row.forced)
    .map((row) => row.table)
  assert.deepEqual(unprotected, [], 'case tables without forced row-level security')
  const stale = Object.keys(NOT_CASE_DATA).filter((name) => !tables.some((row) => row.table === name))
  assert.deepEqual(stale, [], 'exemptions for tables that no longer exist')
})
