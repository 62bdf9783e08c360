/**
 * Bench `front-door`: the front door's queue page (GET /front-door) at 20 concurrent signed-in front-door users,
 * on the county demo seed (about 40,000 people) with some thousands of referrals (most decided, a couple of
 * thousand open, half of those overdue), seeded with bulk SQL. Issue 5 "done when": p95 ≤ 100 ms. p95 is computed
 * from every response.
 *
 *   npm run bench -- front-door
 */
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { loadWithSessions, signInCookie, type LoadRow } from './load.ts'
import pg from 'pg'
import { buildApp } from '../src/app.ts'
import { loadConfig } from '../src/config.ts'
import { createLogger } from '../src/platform/logger.ts'
import { openRuntime } from '../src/runtime.ts'

export type FrontDoorRow = LoadRow

const USERS = 20
const PASSWORD = 'bench passphrase for the front door suite'
const REFERRALS = 6000
const OPEN = 2000

/** Children, concerns and referrals in the demo partnership, in a few statements as the owner. */
export async function seedReferrals(
  ownerUrl: string,
): Promise<{ partnershipId: string; agencyId: string; teamId: string }> {
  const client = new pg.Client({ connectionString: ownerUrl })
  await client.connect()
  try {
    const { rows } = await client.query<{ partnership_id: string; agency_id: string; id: string }>(
      `SELECT t.partnership_id, t.agency_id, t.id FROM team t JOIN partnership p ON p.id = t.partnership_id
        WHERE p.code = 'northshire' AND t.name = 'Front Door'`,
    )
    const team = rows[0]
    if (team === undefined) throw new Error('the demo front door team is missing')
    const { rows: referrers } = await client.query<{ id: string; agency_id: string }>(
      `SELECT id, agency_id FROM app_user WHERE partnership_id = $1 ORDER BY email`,
      [team.partnership_id],
    )
    const started = performance.now()
    await client.query('BEGIN')
    // Fictional children (names from a small list, no identifiers), one per referral.
    await client.query(
      `CREATE TEMP TABLE bench_child ON COMMIT DROP AS
       SELECT gen_random_uuid() AS id, g AS n FROM generate_series(1, $1) g`,
      [REFERRALS],
    )
    await client.query(
      `INSERT INTO person (id, partnership_id, kind, given_name, family_name, date_of_birth, is_demo, updated_at)
       SELECT c.id, $1, 'child', (ARRAY['Alex','Sam','Jordan','Riley','Casey','Morgan'])[1 + c.n % 6],
              'Bench' || c.n, date '2010-01-01' + (c.n % 2500), true, now()
         FROM bench_child c`,
      [team.partnership_id],
    )
    await client.query(
      `INSERT INTO concern (id, partnership_id, person_id, status, recorded_by, recorded_by_agency_id,
                            immediate_danger, police_called, narrative, happened_on, consent, family_aware,
                            guide_id, suggested_level, suggested_score, judged_level, judgement_reason, recorded_at)
       SELECT c.id, $1, c.id, 'recorded', ($2::uuid[])[1 + c.n % cardinality($2::uuid[])], NULL,
              c.n % 10 = 0, CASE WHEN c.n % 10 = 0 THEN true END, 'Bench concern', current_date, 'not-asked', 'no',
              1, (ARRAY['low','medium','high'])[1 + c.n % 3], c.n % 20, (ARRAY['medium','high','severe'])[1 + c.n % 3],
              'Bench judgement', now()
         FROM bench_child c`,
      [team.partnership_id, referrers.map((r) => r.id)],
    )
    // Open referrals are the oldest-numbered; half of them past their deadline.
    await client.query(
      `INSERT INTO referral (partnership_id, person_id, concern_id, referrer_id, referrer_agency_id, status,
                             submitted_at, decision_due_at, decision, decision_reasons, decided_by, decided_at)
       SELECT $1, c.id, c.id, co.recorded_by, u.agency_id,
              CASE WHEN c.n <= $2 THEN (CASE WHEN c.n % 3 = 0 THEN 'in-review' ELSE 'submitted' END) ELSE 'decided' END,
              now() - make_interval(mins => ($2 - c.n) * 3 + CASE WHEN c.n <= $2 / 2 THEN 3000 ELSE 0 END),
              now() - make_interval(mins => ($2 - c.n) * 3 + CASE WHEN c.n <= $2 / 2 THEN 3000 ELSE 0 END)
                    + interval '1 day',
              CASE WHEN c.n > $2 THEN 'early-help' END, CASE WHEN c.n > $2 THEN 'Bench decision' END,
              CASE WHEN c.n > $2 THEN co.recorded_by END, CASE WHEN c.n > $2 THEN now() END
         FROM bench_child c JOIN concern co ON co.id = c.id JOIN app_user u ON u.id = co.recorded_by`,
      [team.partnership_id, OPEN],
    )
    await client.query('COMMIT')
    await client.query('ANALYZE person, concern, referral')
    console.log(
      `seeded ${String(REFERRALS)} referrals (${String(OPEN)} open) in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    )
    return { partnershipId: team.partnership_id, agencyId: team.agency_id, teamId: team.id }
  } finally {
    await client.end()
  }
}

export async function frontDoorBenchRows(seconds: number): Promise<FrontDoorRow[]> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'openmace-bench-'))
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    OPENMACE_DATA_DIR: dir,
    // The pool at its default size (10), as `npm start` runs: one connection per user (20) was slower, with
    // twenty backends contending for two cores.
  })
  const runtime = await openRuntime(config, createLogger('silent'))
  const { services: built } = runtime
  // Issue 5 measures the queue on the county seed (about 40,000 people), with the referrals added below.
  const county = await built.demo.seedScale('county', undefined, { ownerUrl: runtime.target.ownerUrl })
  console.log(`seeded the county in ${county.seconds.toFixed(1)} s: ${String(county.people)} people`)
  const app = await buildApp({ config, services: built })
  try {
    const team = await seedReferrals(runtime.target.ownerUrl)
    const cookies: string[] = []
    const run = Date.now().toString(36)
    for (let i = 0; i < USERS; i++) {
      const email = `bench.front.door.${run}.${String(i)}@northshire.example`
      await built.auth.createUser({
        partnershipId: team.partnershipId,
        agencyId: team.agencyId,
        teamId: team.teamId,
        email,
        displayName: `Bench Front Door ${String(i + 1)}`,
        password: PASSWORD,
        roles: ['front-door'],
      })
      // Signed in through the app (a loopback address per user keeps the sign-in rate limit out of the way).
      cookies.push(await signInCookie(app, email, PASSWORD, `127.3.0.${String(i + 1)}`))
    }
    await app.listen({ host: '127.0.0.1', port: 0 })
    const { port } = app.server.address() as { port: number }
    const over = (url: string, name: string, duration = seconds): Promise<FrontDoorRow> =>
      loadWithSessions({
        name,
        url: `http://127.0.0.1:${String(port)}${url}`,
        cookies,
        connections: USERS,
        duration,
      })
    await over('/front-door', 'warm-up', 3)
    // The floor on this machine as it is now (the same load on the cheapest route): a loaded machine shows here.
    const floor = await over('/health', 'GET /health (floor: no session, one SELECT 1)')
    const page = await over('/front-door', 'GET /front-door (queue page, policy per row + audit + page)')
    // The same queue as JSON: the database and policy cost without the page.
    const api = await over(
      '/api/v1/referrals?queue=front-door',
      'GET /api/v1/referrals?queue=front-door (JSON)',
    )
    console.log(
      `front-door queue page at ${String(USERS)} users: p95 ${String(page.p95)} ms (goal ≤ 100 ms), p50 ${String(page.p50)} ms`,
    )
    return [floor, page, api]
  } finally {
    await app.close()
    await runtime.close()
    await fs.rm(dir, { recursive: true, force: true })
  }
}
