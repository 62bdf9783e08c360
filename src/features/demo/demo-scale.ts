import { randomBytes } from 'node:crypto'
import { fakerEN_GB as faker } from '@faker-js/faker'
import type pg from 'pg'
import { nhsCheckDigit } from '../../platform/identifiers/nhs-number.ts'
import { normalisePhone, testPhoneNumber } from '../../platform/identifiers/phone.ts'

/**
 * A fictional county's worth (or a region's, or a nation's) of children, adults, places, phones, vehicles and
 * online handles around the demo partnership, with the clusters the partnership looks for:
 * - households: a home address, one or two parents or carers, one to three children (siblings), the children's
 *   school, the places they hang out, their online handles and contacts, their friends;
 * - county lines run from a cuckooed flat: adults of concern with street names, deal-line phones and a vehicle,
 *   the flat (flagged cuckooed and county lines) and its vulnerable resident, and children linked to all of them
 *   (suspected exploitation, graded 3x5x2), flagged CCE;
 * - peer groups around a park: children in a peer group with each other who frequent a park flagged as a
 *   location of concern, and an adult of concern who associates with them.
 *
 * Everything is generated in this process and written with multi-row INSERT … SELECT FROM unnest($arrays) in
 * batches, on one connection as the runtime role inside the demo partnership (row-level security applies, the
 * database's own checks and triggers run on every row), in one transaction: all of it or none.
 */

export type Scale = 'tiny' | 'county' | 'region' | 'national'

interface ScaleSpec {
  households: number
  /** Associate-of links from each child to other children (friends). */
  friendsPerChild: number
  /** In-contact links from each online handle to others. */
  contactsPerHandle: number
}

/** `tiny` is for tests (a few hundred people); the others are the documented sizes. */
export const SCALES: Readonly<Record<Scale, ScaleSpec>> = {
  tiny: { households: 120, friendsPerChild: 2, contactsPerHandle: 2 },
  // ≈ 40 000 people
  county: { households: 11_000, friendsPerChild: 4, contactsPerHandle: 8 },
  // ≈ 200 000 people
  region: { households: 55_000, friendsPerChild: 4, contactsPerHandle: 8 },
  // ≈ 1 000 000 people, places and things; ≈ 5 000 000 links
  national: { households: 170_000, friendsPerChild: 4, contactsPerHandle: 8 },
}

export interface ScaleCast {
  partnershipId: string
  agencies: {
    police: string
    childrensServices: string
    school: string
    health: string
    youthJustice: string
    housing: string
  }
  teamId: string
  socialWorkerId: string
  policeUserId: string
}

export interface ScaleCounts {
  persons: number
  locations: number
  objects: number
  links: number
  flags: number
  aliases: number
  statuses: number
  involvements: number
  /** Seconds the database spent on each kind of row (the rest is generating them, alongside). */
  seconds: Record<string, number>
}

export type Progress = (done: number, total: number, phase: string) => void

const BATCH = 20_000

/** A small fast PRNG (mulberry32) so millions of choices cost nothing; seeded from faker's. */
function prng(seed: number) {
  let a = seed >>> 0
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const int = (max: number) => Math.floor(next() * (max + 1)) // 0..max
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T
  return { next, int, pick, chance: (p: number) => next() < p }
}

type Rng = ReturnType<typeof prng>

/** Ids made from this run's random prefix, the kind and the index: unique, and cost no memory to keep. */
function idMaker() {
  const r = randomBytes(10).toString('hex')
  const prefix = `${r.slice(0, 8)}-${r.slice(8, 12)}-4${r.slice(12, 15)}-`
  // Sequential within a kind, so the primary key and the link indexes are appended to, not scattered.
  return (kind: 1 | 2 | 3 | 4, index: number) =>
    `${prefix}8${String(kind)}${r.slice(15, 17)}-${index.toString(16).padStart(12, '0')}`
}

/** Every valid NHS number of the test range (999 000 000x to 999 999 999x) not yet taken, shuffled. */
function nhsNumbers(rng: Rng, needed: number, taken: ReadonlySet<string>): string[] {
  const all: string[] = []
  for (let n = 0; n < 1_000_000; n++) {
    const firstNine = `999${String(n).padStart(6, '0')}`
    const check = nhsCheckDigit(firstNine)
    const number = `${firstNine}${String(check)}`
    if (check !== undefined && !taken.has(number)) all.push(number)
  }
  for (let i = all.length - 1; i > 0; i--) {
    const j = rng.int(i)
    const swap = all[i] as string
    all[i] = all[j] as string
    all[j] = swap
  }
  if (needed > all.length) throw new Error(`only ${String(all.length)} test-range NHS numbers exist`)
  return all.slice(0, needed)
}

/** Every number of the fictional drama ranges testPhoneNumber draws from, in E.164, shuffled. */
function phoneNumbers(rng: Rng): string[] {
  const numbers = new Set<string>()
  for (let area = 0; area < 12; area++) {
    for (let n = 0; n <= 999; n++) {
      const written = testPhoneNumber((max) => (max === 999 ? n : Math.min(area, max)))
      const e164 = normalisePhone(written)
      if (e164 !== undefined) numbers.add(e164)
    }
  }
  const all = [...numbers]
  for (let i = all.length - 1; i > 0; i--) {
    const j = rng.int(i)
    const swap = all[i] as string
    all[i] = all[j] as string
    all[j] = swap
  }
  return all
}

const POSTCODE_LETTERS = 'ABDEFGHJLNPQRSTUWXYZ'
const REG_MEMORY = 'ABCDEFGHJKLMNOPRSTUVWXY'
const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'
const PLATFORMS = ['Snapchat', 'Instagram', 'TikTok', 'Telegram', 'Discord']
const STREET_NAMES = [
  'Tiny',
  'Ghost',
  'Smokey',
  'Blade',
  'Kash',
  'Bandz',
  'Youngs',
  'Scrappy',
  'Rico',
  'Dizzy',
  'Nitro',
  'Spider',
  'Lucky',
  'Shadow',
  'Trigger',
]
const ETHNICITIES = [
  'WBRI',
  'WBRI',
  'WBRI',
  'WBRI',
  'WOTH',
  'MWBC',
  'MWBA',
  'AIND',
  'APKN',
  'BCRB',
  'BAFR',
  'OOTH',
]
const STATUSES = ['early-help', 'child-in-need', 'child-protection', 'looked-after']

/** One batched INSERT … SELECT FROM unnest(...) per table; rows are added column by column. */
class Batch {
  readonly columns: unknown[][]
  rows = 0
  constructor(
    readonly name: string,
    readonly text: string,
    width: number,
    readonly extra: unknown[] = [],
  ) {
    this.columns = Array.from({ length: width }, () => [])
  }
  add(...values: unknown[]) {
    values.forEach((v, i) => this.columns[i]?.push(v))
    this.rows++
  }
  take(): unknown[][] {
    const taken = this.columns.map((c) => c.splice(0))
    this.rows = 0
    return taken
  }
}

/**
 * Writes the scale seed through `client`, which must be in a transaction with app.partnership_id set to the demo
 * partnership. Returns how many rows of each kind were written.
 */
export async function seedScale(
  client: pg.ClientBase,
  cast: ScaleCast,
  scale: Scale,
  progress: Progress = () => {},
): Promise<ScaleCounts> {
  const spec = SCALES[scale]
  const rng = prng(faker.number.int({ min: 1, max: 2 ** 31 - 1 }))
  const id = idMaker()
  const pid = cast.partnershipId
  const H = spec.households

  // Pools from faker (en_GB): names, streets, towns, usernames.
  const pool = <T>(n: number, make: () => T) => Array.from({ length: n }, make)
  const girls = [...new Set(pool(400, () => faker.person.firstName('female')))]
  const boys = [...new Set(pool(400, () => faker.person.firstName('male')))]
  const surnames = [...new Set(pool(1500, () => faker.person.lastName()))]
  const streets = [...new Set(pool(600, () => faker.location.street()))]
  const towns = [...new Set(pool(40, () => faker.location.city()))]
  const usernames = [...new Set(pool(800, () => faker.internet.username().replace(/[^A-Za-z0-9_.]/g, '')))]
  const shops = pool(50, () => `${faker.company.name().replace(/[^A-Za-z &-]/g, '')} shop`)

  const letterOf = (letters: string) => letters.charAt(rng.int(letters.length - 1))
  const postcode = () =>
    `NS${String(1 + rng.int(39))} ${String(rng.int(9))}${letterOf(POSTCODE_LETTERS)}${letterOf(POSTCODE_LETTERS)}`
  const coordinates = () => [52.1 + rng.next() * 0.6, -1.9 + rng.next() * 0.9] as const
  const dob = (minAge: number, maxAge: number) => {
    const days = Math.floor((minAge + rng.next() * (maxAge - minAge)) * 365.25)
    return new Date(Date.now() - days * 86_400_000).toISOString().slice(0, 10)
  }

  // Sizes known up front (for the NHS numbers, phones and the progress bar).
  const lines = Math.max(2, Math.round(H / 700))
  const peerGroups = Math.max(2, Math.round(H / 350))
  const schools = Math.max(2, Math.round(H / 450))
  const hangouts = Math.max(3, Math.round(H / 120))
  const adultsOfConcern = Math.max(lines * 3 + peerGroups, Math.round(H * 0.12))

  const persons = new Batch(
    'people',
    `INSERT INTO person (id, partnership_id, kind, given_name, family_name, date_of_birth, gender, nhs_number,
                         ethnicity, la_child_id, police_id, allocated_team_id, allocated_worker_id, is_demo,
                         created_at, updated_at)
     SELECT u.id, $14, u.kind, u.given, u.family, u.dob, u.gender, u.nhs, u.ethnicity, u.la, u.police, u.team,
            u.worker, true, now() - make_interval(days => u.days), now() - make_interval(days => u.days)
       FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::date[], $6::text[], $7::text[], $8::text[],
                   $9::text[], $10::text[], $11::uuid[], $12::uuid[], $13::int[])
            AS u(id, kind, given, family, dob, gender, nhs, ethnicity, la, police, team, worker, days)`,
    13,
    [pid],
  )
  const locations = new Batch(
    'places',
    `INSERT INTO location (id, partnership_id, kind, name, address_line_1, town, postcode, latitude, longitude,
                           is_demo, created_at)
     SELECT u.id, $9, u.kind, u.name, u.line1, u.town, u.postcode, u.lat, u.lng, true,
            now() - make_interval(days => 400)
       FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::numeric[],
                   $8::numeric[]) AS u(id, kind, name, line1, town, postcode, lat, lng)`,
    8,
    [pid],
  )
  const objects = new Batch(
    'things',
    `INSERT INTO object (id, partnership_id, kind, value, platform, is_demo, created_at)
     SELECT u.id, $5, u.kind, u.value, u.platform, true, now() - make_interval(days => 300)
       FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[]) AS u(id, kind, value, platform)`,
    4,
    [pid],
  )
  const SOURCES = [
    ['Police intelligence report', cast.agencies.police],
    ['Social care assessment', cast.agencies.childrensServices],
    ['School safeguarding record', cast.agencies.school],
    ['Health record', cast.agencies.health],
    ['Return home interview', cast.agencies.childrensServices],
    ['Youth justice assessment', cast.agencies.youthJustice],
    ['Housing record', cast.agencies.housing],
  ] as const
  const links = new Batch(
    'links',
    `INSERT INTO link (id, partnership_id, link_type, from_kind, from_id, to_kind, to_id, from_date, source,
                       source_agency_id, source_evaluation, intelligence_assessment, confidence, is_demo,
                       created_at, updated_at)
     SELECT u.id, $11, u.type, u.fk, u.fid, u.tk, u.tid, u.from_date, ($12::text[])[u.src], ($13::uuid[])[u.src],
            u.eval, u.assess, CASE WHEN u.suspected THEN 'suspected' ELSE 'confirmed' END, true,
            now() - make_interval(days => u.days), now() - make_interval(days => u.days)
       FROM unnest($1::text[], $2::text[], $3::uuid[], $4::text[], $5::uuid[], $6::date[], $7::int[],
                   $8::text[], $9::text[], $10::boolean[], $14::int[], $15::uuid[])
            AS u(type, fk, fid, tk, tid, from_date, src, eval, assess, suspected, days, id)`,
    12,
    [pid, SOURCES.map((s) => s[0]), SOURCES.map((s) => s[1])],
  )
  const flags = new Batch(
    'flags',
    `INSERT INTO flag (partnership_id, flag_type, subject_kind, subject_id, reason, set_by, set_at, review_date,
                       is_demo, updated_at)
     SELECT $7, u.type, u.kind, u.subject, u.reason, u.set_by, now() - make_interval(days => u.days),
            current_date + u.review, true, now() - make_interval(days => u.days)
       FROM unnest($1::text[], $2::text[], $3::uuid[], $4::text[], $5::uuid[], $6::int[], $8::int[])
            AS u(type, kind, subject, reason, set_by, days, review)`,
    7,
    [pid],
  )
  const aliases = new Batch(
    'street names',
    `INSERT INTO person_alias (partnership_id, person_id, kind, name, created_at)
     SELECT $3, u.person, 'street-name', u.name, now() - make_interval(days => 200)
       FROM unnest($1::uuid[], $2::text[]) AS u(person, name)`,
    2,
    [pid],
  )
  const statuses = new Batch(
    'statutory statuses',
    `INSERT INTO person_statutory_status (partnership_id, person_id, status, from_date, to_date)
     SELECT $5, u.person, u.status, u.from_date, u.to_date
       FROM unnest($1::uuid[], $2::text[], $3::date[], $4::date[]) AS u(person, status, from_date, to_date)`,
    4,
    [pid],
  )
  const involvements = new Batch(
    'agency involvement',
    `INSERT INTO person_agency (person_id, agency_id, partnership_id, since)
     SELECT u.person, u.agency, $4, u.since FROM unnest($1::uuid[], $2::uuid[], $3::date[]) AS u(person, agency, since)`,
    3,
    [pid],
  )

  // Parameter order for the statements whose extra parameters come between the arrays.
  const paramsOf = (batch: Batch, taken: unknown[][]): unknown[] => {
    if (batch === links) return [...taken.slice(0, 10), ...batch.extra, taken[10], taken[11]]
    if (batch === flags) return [...taken.slice(0, 6), ...batch.extra, taken[6]]
    return [...taken, ...batch.extra]
  }

  const counts: ScaleCounts = {
    persons: 0,
    locations: 0,
    objects: 0,
    links: 0,
    flags: 0,
    aliases: 0,
    statuses: 0,
    involvements: 0,
    seconds: {},
  }
  let lastDone = performance.now()
  const expected =
    H * 3.4 + adultsOfConcern + lines + H * (1 + 0.6 * 1.8 + 0.4) + H * (14 + 1.8 * spec.friendsPerChild)
  let done = 0
  let inFlight: Promise<unknown> | undefined
  const flush = async (batch: Batch, force = false) => {
    if (batch.rows === 0 || (!force && batch.rows < BATCH)) return
    // One statement at a time on the connection; the next batch is generated while the database writes this one.
    if (inFlight !== undefined) await inFlight
    const rows = batch.rows
    const params = paramsOf(batch, batch.take())
    const issued = performance.now()
    const running = client.query(batch.text, params).then(() => {
      const now = performance.now()
      counts.seconds[batch.name] =
        (counts.seconds[batch.name] ?? 0) + (now - Math.max(issued, lastDone)) / 1000
      lastDone = now
      done += rows
      progress(Math.min(done, expected), expected, batch.name)
    })
    running.catch(() => {}) // awaited below; this only keeps an early failure from counting as unhandled
    inFlight = running
  }
  /**
   * Rows refer to one another (links and flags to people, places and things; involvement, statuses and street
   * names to people): when any batch is full, all are written, in that order, on the one connection.
   */
  const all = () => [locations, objects, persons, involvements, statuses, aliases, flags, links]
  const flushRefs = async (force = false) => {
    if (!force && all().every((b) => b.rows < BATCH)) return
    for (const batch of all()) await flush(batch, true)
  }

  // ---- Identifier pools ----
  const taken = await client.query<{ nhs_number: string }>(
    'SELECT nhs_number FROM person WHERE nhs_number IS NOT NULL',
  )
  const nhs = nhsNumbers(
    rng,
    Math.min(H * 3 + lines * 5 + peerGroups, 900_000),
    new Set(taken.rows.map((r) => r.nhs_number)),
  )
  let nhsNext = 0
  const phones = phoneNumbers(rng)
  let phoneNext = 0

  // ---- Locations ----
  let locationCount = 0
  const addLocation = (kind: string, name: string | null, line1: string | null) => {
    const index = locationCount++
    const [lat, lng] = coordinates()
    locations.add(
      id(2, index),
      kind,
      name,
      line1,
      rng.pick(towns),
      postcode(),
      lat.toFixed(6),
      lng.toFixed(6),
    )
    counts.locations++
    return id(2, index)
  }
  const home = () => addLocation('address', null, `${String(1 + rng.int(180))} ${rng.pick(streets)}`)
  const schoolIds = Array.from({ length: schools }, (_, i) =>
    addLocation(
      'premises',
      `${rng.pick(towns)} ${i % 3 === 0 ? 'Academy' : 'School'} ${String(i + 1)}`,
      null,
    ),
  )
  const hangoutIds = Array.from({ length: hangouts }, (_, i) =>
    i % 3 === 0
      ? addLocation('public-place', `${rng.pick(streets).split(' ')[0] ?? 'Mill'} Park`, null)
      : addLocation('premises', rng.pick(shops), `${String(1 + rng.int(120))} ${rng.pick(streets)}`),
  )

  // ---- Objects ----
  let objectCount = 0
  const regs = new Set<string>()
  const addObject = (kind: 'phone' | 'vehicle' | 'online-handle', value: string, platform: string | null) => {
    const index = objectCount++
    objects.add(id(3, index), kind, value, platform)
    counts.objects++
    return id(3, index)
  }
  const phone = () => {
    const number = phones[phoneNext]
    if (number === undefined) return undefined
    phoneNext++
    return addObject('phone', number, null)
  }
  const vehicle = () => {
    let reg: string
    do {
      reg = `${letterOf(REG_MEMORY)}${letterOf(REG_MEMORY)}${String(rng.int(9))}${String(rng.int(9))}${letterOf(LETTERS)}${letterOf(LETTERS)}${letterOf(LETTERS)}`
    } while (regs.has(reg))
    regs.add(reg)
    return addObject('vehicle', reg, null)
  }
  let handleCount = 0
  const handleIds: string[] = []
  const handle = () => {
    const value = `${rng.pick(usernames)}_${(handleCount++).toString(36)}`
    const created = addObject('online-handle', value, rng.pick(PLATFORMS))
    handleIds.push(created)
    return created
  }

  // ---- People ----
  let personCount = 0
  const childIds: string[] = []
  const addPerson = (p: {
    kind: string
    given: string
    family: string
    dob: string
    gender: string
    nhs?: string | null
    la?: boolean
    police?: boolean
    team?: string | null
    worker?: string | null
  }) => {
    const index = personCount++
    const personId = id(1, index)
    persons.add(
      personId,
      p.kind,
      p.given,
      p.family,
      p.dob,
      p.gender,
      p.nhs ?? null,
      rng.pick(ETHNICITIES),
      p.la === true ? `NS${String(100000 + index)}` : null,
      p.police === true ? `NSP/${String(500000 + index)}` : null,
      p.team ?? null,
      p.worker ?? null,
      30 + rng.int(1000),
    )
    counts.persons++
    return personId
  }
  const link = (
    type: string,
    fromKind: string,
    from: string,
    toKind: string,
    to: string,
    options: { src?: number; suspected?: boolean; graded?: boolean; since?: string | null } = {},
  ) => {
    const graded = options.graded === true
    links.add(
      type,
      fromKind,
      from,
      toKind,
      to,
      options.since ?? null,
      (options.src ?? (graded ? 0 : 1 + rng.int(SOURCES.length - 2))) + 1,
      graded ? rng.pick(['1', '2', '2', '3']) : null,
      graded ? rng.pick(['A', 'B', 'B', 'C', 'D']) : null,
      options.suspected === true,
      1 + rng.int(900),
      id(4, counts.links),
    )
    counts.links++
  }
  const flag = (type: string, kind: 'person' | 'location', subject: string, reason: string, by: string) => {
    // Mostly reviews still to come; about one in fifty overdue (the setter's task list).
    flags.add(
      type,
      kind,
      subject,
      reason,
      by,
      1 + rng.int(300),
      rng.chance(0.02) ? -rng.int(20) - 1 : 7 + rng.int(90),
    )
    counts.flags++
  }
  const involved = new Set<string>()
  const involve = (person: string, agency: string) => {
    if (involved.has(`${person} ${agency}`)) return
    involved.add(`${person} ${agency}`)
    involvements.add(person, agency, dob(0, 3))
    counts.involvements++
  }
  const child = (family: string, options: { team?: string | null; worker?: string | null } = {}) => {
    const girl = rng.chance(0.5)
    const inCare = rng.chance(0.2)
    const personId = addPerson({
      kind: 'child',
      given: rng.pick(girl ? girls : boys),
      family,
      dob: dob(6, 17.9),
      gender: girl ? 'Female' : 'Male',
      nhs: nhs[nhsNext++] ?? null,
      la: inCare,
      team: options.team ?? null,
      worker: options.worker ?? null,
    })
    childIds.push(personId)
    if (inCare) {
      involve(personId, cast.agencies.childrensServices)
      if (rng.chance(0.5)) {
        const from = dob(0.2, 3)
        statuses.add(personId, rng.pick(STATUSES), from, rng.chance(0.4) ? dob(0, 0.19) : null)
        counts.statuses++
      }
    }
    if (rng.chance(0.04)) involve(personId, cast.agencies.school)
    return personId
  }

  // Households.
  for (let h = 0; h < H; h++) {
    const family = rng.pick(surnames)
    const address = home()
    const parents: string[] = []
    for (let i = 0, n = rng.chance(0.55) ? 2 : 1; i < n; i++) {
      const mother = i === 0
      parents.push(
        addPerson({
          kind: 'parent-carer',
          given: rng.pick(mother ? girls : boys),
          family,
          dob: dob(26, 58),
          gender: mother ? 'Female' : 'Male',
        }),
      )
    }
    const kids: string[] = []
    for (let i = 0, n = 1 + rng.int(2); i < n; i++) kids.push(child(family))
    const school = schoolIds[h % schoolIds.length] as string
    for (const p of parents) {
      link('lives-at', 'person', p, 'location', address, { src: 6, since: dob(1, 15) })
      for (const k of kids) link('parent-carer-of', 'person', p, 'person', k, { src: 1 })
    }
    if (rng.chance(0.4)) link('owns', 'person', parents[0] as string, 'object', vehicle(), { src: 0 })
    kids.forEach((k, i) => {
      link('lives-at', 'person', k, 'location', address, { src: 1, since: dob(0, 6) })
      link('attends', 'person', k, 'location', school, { src: 2 })
      link('frequents', 'person', k, 'location', rng.pick(hangoutIds), { src: 4 })
      if (rng.chance(0.6)) link('uses-handle', 'person', k, 'object', handle(), { src: 2 })
      const next = kids[i + 1]
      if (next !== undefined) link('sibling-of', 'person', k, 'person', next, { src: 1 })
    })
    await flushRefs()
  }

  // Adults of concern: their own addresses, street names, phones (while the drama ranges last).
  const adults: string[] = []
  for (let a = 0; a < adultsOfConcern; a++) {
    const adult = addPerson({
      kind: 'adult-of-concern',
      given: rng.pick(boys),
      family: rng.pick(surnames),
      dob: dob(18, 40),
      gender: rng.chance(0.85) ? 'Male' : 'Female',
      police: true,
    })
    adults.push(adult)
    involve(adult, cast.agencies.police)
    if (rng.chance(0.5)) {
      aliases.add(adult, rng.pick(STREET_NAMES))
      counts.aliases++
    }
    link('lives-at', 'person', adult, 'location', home(), { src: 0 })
    await flushRefs()
  }

  // County lines from cuckooed flats.
  const exploited = new Set<string>()
  for (let l = 0; l < lines; l++) {
    const flat = addLocation('address', null, `Flat ${String(1 + rng.int(40))}, ${rng.pick(streets)}`)
    flag(
      'cuckooed',
      'location',
      flat,
      'Neighbours report a vulnerable tenant and many short visits, day and night',
      cast.policeUserId,
    )
    flag('county-lines', 'location', flat, 'Linked to a deal line running into the county', cast.policeUserId)
    const resident = addPerson({
      kind: 'associate',
      given: rng.pick(rng.chance(0.5) ? girls : boys),
      family: rng.pick(surnames),
      dob: dob(35, 70),
      gender: rng.chance(0.5) ? 'Female' : 'Male',
    })
    link('lives-at', 'person', resident, 'location', flat, { src: 6, since: dob(3, 12) })
    const holders = adults.slice(l * 3, l * 3 + 3)
    const linePhones = [phone(), phone()].filter((p): p is string => p !== undefined)
    const car = vehicle()
    linePhones.forEach((p) =>
      link('object-at', 'object', p, 'location', flat, { graded: true, suspected: true }),
    )
    if (linePhones.length === 2) {
      link('phone-contacted', 'object', linePhones[0] as string, 'object', linePhones[1] as string, {
        graded: true,
      })
    }
    holders.forEach((adult, i) => {
      flag(
        'risk-to-children',
        'person',
        adult,
        'Believed to run a county line using local children',
        cast.policeUserId,
      )
      link('frequents', 'person', adult, 'location', flat, { graded: true })
      link('seen-in-vehicle', 'person', adult, 'object', car, { graded: true })
      const p = linePhones[i % Math.max(1, linePhones.length)]
      if (p !== undefined) link('uses-phone', 'person', adult, 'object', p, { graded: true, suspected: true })
      const next = holders[i + 1]
      if (next !== undefined) link('associate-of', 'person', adult, 'person', next, { graded: true })
    })
    const kids: string[] = []
    for (let c = 0; c < 5; c++) {
      const worker = l % 4 === 0 && c < 2 ? cast.socialWorkerId : null
      const kid = child(rng.pick(surnames), { team: cast.teamId, worker })
      kids.push(kid)
      exploited.add(kid)
      involve(kid, cast.agencies.police)
      involve(kid, cast.agencies.childrensServices)
      link('lives-at', 'person', kid, 'location', home(), { src: 1 })
      link('exploited-by', 'person', kid, 'person', holders[c % holders.length] as string, {
        graded: true,
        suspected: true,
      })
      link('frequents', 'person', kid, 'location', flat, { graded: true, suspected: true })
      link('seen-in-vehicle', 'person', kid, 'object', car, { graded: true })
      const p = linePhones[c % Math.max(1, linePhones.length)]
      if (p !== undefined) link('uses-phone', 'person', kid, 'object', p, { graded: true, suspected: true })
      flag(
        'cce',
        'person',
        kid,
        'Found away from home with cash and a second phone; links to a county line',
        cast.socialWorkerId,
      )
      if (c === 0)
        flag(
          'missing',
          'person',
          kid,
          'Repeatedly missing overnight, found out of the county',
          cast.socialWorkerId,
        )
    }
    kids.forEach((k, i) => {
      const next = kids[i + 1]
      if (next !== undefined) link('in-peer-group-with', 'person', k, 'person', next, { src: 4 })
    })
    await flushRefs()
  }

  // Peer groups around a park.
  for (let g = 0; g < peerGroups; g++) {
    const park = addLocation('public-place', `${rng.pick(streets).split(' ')[0] ?? 'Mill'} Park`, null)
    if (g % 2 === 0) {
      flag(
        'harmful-location',
        'location',
        park,
        'Young people gather here after dark; older males seen supplying drugs',
        cast.policeUserId,
      )
    }
    const members = Array.from({ length: 6 }, () => rng.pick(childIds))
    const adult = rng.pick(adults.length > lines * 3 ? adults.slice(lines * 3) : adults)
    const unique = [...new Set(members)]
    unique.forEach((k, i) => {
      link('frequents', 'person', k, 'location', park, { src: 4, suspected: i > 2 })
      const next = unique[i + 1]
      if (next !== undefined) link('in-peer-group-with', 'person', k, 'person', next, { src: 4 })
    })
    link('associate-of', 'person', unique[0] as string, 'person', adult, { graded: true, suspected: true })
    if (g % 3 === 0 && !exploited.has(unique[0] as string)) {
      flag(
        'cse',
        'person',
        unique[0] as string,
        'Seen getting into cars with older males near the park',
        cast.socialWorkerId,
      )
    }
  }
  await flushRefs(true)

  // Friends and online contacts (the bulk of the links).
  for (const k of childIds) {
    for (let f = 0; f < spec.friendsPerChild; f++) {
      const friend = rng.pick(childIds)
      if (friend !== k) link('associate-of', 'person', k, 'person', friend, { src: 2 + rng.int(3) })
    }
    await flushRefs()
  }
  for (const h of handleIds) {
    for (let c = 0; c < spec.contactsPerHandle; c++) {
      const other = rng.pick(handleIds)
      if (other !== h) link('phone-contacted', 'object', h, 'object', other, { src: 0, suspected: true })
    }
    await flushRefs()
  }
  // The other adults of concern associate with some of the children too.
  for (const adult of adults.slice(lines * 3)) {
    if (rng.chance(0.5))
      link('associate-of', 'person', adult, 'person', rng.pick(childIds), { graded: true, suspected: true })
    await flushRefs()
  }
  await flushRefs(true)
  await inFlight
  progress(expected, expected, 'done')
  return counts
}

/**
 * The checks of the link_check_ends trigger (link type joins these kinds; both ends exist in the partnership),
 * for all of a partnership's links at once: when the bulk load runs with the trigger off (as the owner), this
 * runs before the transaction commits, and any link that fails it fails the seed.
 */
export async function checkLinkEnds(client: pg.ClientBase, partnershipId: string): Promise<number> {
  const end = (kind: string, column: string) => `
    (l.${kind} = 'person' AND NOT EXISTS (SELECT 1 FROM person e WHERE e.id = l.${column} AND e.partnership_id = l.partnership_id))
    OR (l.${kind} = 'location' AND NOT EXISTS (SELECT 1 FROM location e WHERE e.id = l.${column} AND e.partnership_id = l.partnership_id))
    OR (l.${kind} = 'object' AND NOT EXISTS (SELECT 1 FROM object e WHERE e.id = l.${column} AND e.partnership_id = l.partnership_id))`
  const { rows } = await client.query<{ n: string }>(
    `SELECT count(*) AS n FROM link l JOIN link_type t ON t.code = l.link_type
      WHERE l.partnership_id = $1
        AND (NOT (l.from_kind = ANY (t.from_kinds) AND l.to_kind = ANY (t.to_kinds))
             OR ${end('from_kind', 'from_id')} OR ${end('to_kind', 'to_id')})`,
    [partnershipId],
  )
  return Number(rows[0]?.n ?? 0)
}
