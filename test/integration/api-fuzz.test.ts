/**
 * A bounded, seeded fuzz of the whole API, driven by its OpenAPI document: for every operation, malformed
 * requests (wrong types, missing and extra fields, control characters, integers past PostgreSQL's range and
 * 2^53, over-long strings, bad UUIDs, odd JSON, wrong content types), mostly with a bearer token of a user with
 * every role, some without credentials. No answer may be a 5xx, and every 4xx is problem+json whose `status`
 * is the HTTP status. Deterministic (fixed seeds), so a failure reproduces; prints a status histogram.
 */
import assert from 'node:assert/strict'
import { it } from 'node:test'
import fc from 'fast-check'
import type { LightMyRequestResponse } from 'fastify'
import { ROLE_CAPABILITIES, ROLES } from '../../src/platform/access/roles.ts'
import { createPerson } from '../factories/person-factory.ts'
import { createFlag, createLocation, createObject } from '../factories/pole-factory.ts'
import { createConcern, createReferral } from '../factories/referral-factory.ts'
import { addAlias, addStatus, linkPeople } from '../factories/pole-links-factory.ts'
import { build } from '../helpers/build.ts'
import { createUser, signIn, appWithUser } from '../helpers/sign-in.ts'
import { personToken } from '../helpers/tokens.ts'

const SEED = 20_260_512
/** Requests per operation: about 50 operations, so some 5,000 requests. */
const PER_OPERATION = 100

type Json = null | boolean | number | string | Json[] | { [key: string]: Json | undefined }
type Schema = {
  type?: string | string[]
  properties?: Record<string, Schema>
  required?: string[]
  items?: Schema
  anyOf?: Schema[]
  oneOf?: Schema[]
  enum?: Json[]
  const?: Json
  format?: string
  maxLength?: number
  maxItems?: number
  minimum?: number
  maximum?: number
  description?: string
}
interface Parameter {
  in: 'path' | 'query' | 'header'
  name: string
  required?: boolean
  schema: Schema
}
interface Operation {
  method: string
  path: string
  parameters: Parameter[]
  body: Schema | undefined
  secured: boolean
}
type Path = Array<string | number>
/** A request as the fuzz makes it (a plain InjectOptions). */
interface Request {
  method: string
  url: string
  headers: Record<string, string>
  payload?: string
}
/** A value as a query parameter or path segment holds it. */
const text = (value: Json): string => (typeof value === 'string' ? value : JSON.stringify(value))

/**
 * A number JavaScript cannot hold (2^53+1 reads as 2^53) is a string marked so, written into the payload as
 * the number it spells once the body is JSON.
 */
const RAW = '\u2063'
const raw = (digits: string) => `${RAW}${digits}`
const unmarked = (payload: string) => payload.replace(new RegExp(`"${RAW}(-?[0-9.e+]+)"`, 'g'), '$1')
const HUGE_INTEGERS: Json[] = [
  2_147_483_648,
  -2_147_483_649,
  raw('9007199254740993'),
  raw('-9007199254740993'),
  raw('99999999999999999999999'),
  raw('1e999'), // Infinity once parsed
  1e308,
  -1e308,
  2_147_483_647,
  -2_147_483_648,
  0,
  -1,
  1.5,
  -0,
]
const CONTROL = ['\u0000', '\u0001', '\u0008', '\u000b', '\u001b', '\u001f', '\u007f']
const ODD_STRINGS: Json[] = [
  '',
  ' ',
  '\uD800',
  '\u202Eevil',
  '😀'.repeat(50),
  "'; DROP TABLE person; --",
  '%00',
  '../../etc/passwd',
  '${jndi:ldap://x}',
  '<script>alert(1)</script>',
  '1e999',
  'NaN',
  '2147483648',
  '9007199254740993',
  '-1',
  '0000-00-00',
  '2024-02-30',
  '9999-12-31T23:59:59Z',
  'null',
  'true',
]
const BAD_IDS = [
  'not-a-uuid',
  '00000000-0000-0000-0000-000000000000',
  '%00',
  '%00abc',
  '..',
  '%2e%2e',
  '%2F',
  'a'.repeat(300),
  '12345678-1234-1234-1234-1234567890ab-x',
  '%E2%80%AE',
  '-1',
  '2147483648',
  ' ',
  '%20',
  '%', // these four do not decode: the router refuses them before any route (FST_ERR_BAD_URL)
  '%E0%A4%A',
  '%zz',
  '%C0%AF',
]
const ODD_BODIES: Array<{ payload: string; type?: string }> = [
  { payload: '[]' },
  { payload: 'null' },
  { payload: '"text"' },
  { payload: '1' },
  { payload: 'true' },
  { payload: '{}' },
  { payload: '{' },
  { payload: '' },
  { payload: '{"a":1,}' },
  { payload: '{"__proto__":{"admin":true}}' },
  { payload: '{"constructor":{"prototype":{"admin":true}}}' },
  { payload: `${'['.repeat(5000)}${']'.repeat(5000)}` },
  { payload: `{"a":${'{"a":'.repeat(2000)}1${'}'.repeat(2000)}}` },
  { payload: '{"a":"\\u0000"}' },
  { payload: '{"\\u0000":1}' },
  { payload: '\uFEFF{}' },
  { payload: '<person/>', type: 'application/xml' },
  { payload: 'name=x&version=1', type: 'application/x-www-form-urlencoded' },
  { payload: 'version=99999999999&givenName=a%00b', type: 'application/x-www-form-urlencoded' },
  { payload: 'hello', type: 'text/plain' },
  { payload: '{}', type: 'text/plain' },
  {
    payload: '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--x--',
    type: 'multipart/form-data; boundary=x',
  },
  { payload: '{}', type: 'application/json; charset=utf-16' },
  { payload: '{}', type: 'application/vnd.api+json' },
  { payload: '{}', type: 'application/json, text/plain' },
  { payload: '{}', type: '' },
]

/** The operations of the OpenAPI document (3.1 as @fastify/swagger writes it). */
function operationsOf(doc: {
  paths: Record<
    string,
    Record<string, { parameters?: Parameter[]; requestBody?: unknown; security?: unknown[] }>
  >
}): Operation[] {
  const operations: Operation[] = []
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const content = (op.requestBody as { content?: Record<string, { schema: Schema }> } | undefined)
        ?.content
      operations.push({
        method: method.toUpperCase(),
        path,
        parameters: op.parameters ?? [],
        body: content?.['application/json']?.schema,
        secured: (op.security ?? []).length > 0,
      })
    }
  }
  return operations
}

/** Ids of the records made first, by kind, so that valid-looking requests reach the services. */
type Records = Record<
  | 'person'
  | 'location'
  | 'object'
  | 'flag'
  | 'link'
  | 'referral'
  | 'concern'
  | 'alias'
  | 'status'
  | 'notification',
  string[]
>

/** The kind of record a path parameter or a uuid field names, from its name or the path segment before it. */
function kindOf(name: string, segment = ''): keyof Records | undefined {
  const key = `${segment}/${name}`.toLowerCase()
  const kinds: Array<[RegExp, keyof Records]> = [
    [/aliasid/, 'alias'],
    [/statusid/, 'status'],
    [/locationid|locations\/id/, 'location'],
    [/objectid|objects\/id/, 'object'],
    [/flagid|flags\/id/, 'flag'],
    [/linkid|links\/id/, 'link'],
    [/concernid|concerns\/id/, 'concern'],
    [/referralid|referrals\/id/, 'referral'],
    [/notifications\/id/, 'notification'],
    [/person|survivor|merged|people\/id|subject|toid|fromid|child/, 'person'],
  ]
  return kinds.find(([pattern]) => pattern.test(key))?.[1]
}

function idArbOf(records: Records, kind: keyof Records | undefined): fc.Arbitrary<string> {
  const all = Object.values(records).flat()
  const own = kind === undefined ? all : records[kind]
  return fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...own) },
    { weight: 1, arbitrary: fc.constantFrom(...all) },
  )
}

const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10)

/** A plausible (schema-valid, where it can tell) value for a schema. */
function validOf(schema: Schema, records: Records, name = '', depth = 0): fc.Arbitrary<Json> {
  const choices = schema.anyOf ?? schema.oneOf
  if (choices !== undefined) {
    // Mostly the first choice (a value, rather than null).
    const [first, ...rest] = choices.map((s) => validOf(s, records, name, depth))
    return rest.length === 0 ? first! : fc.oneof({ weight: 3, arbitrary: first! }, ...rest)
  }
  if (schema.enum !== undefined) return fc.constantFrom(...schema.enum)
  if (schema.const !== undefined) return fc.constant(schema.const)
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type
  switch (type) {
    case 'string': {
      if (schema.format === 'uuid') return idArbOf(records, kindOf(name))
      if (schema.format === 'date-time') return fc.constant(new Date().toISOString())
      const hint = schema.description ?? ''
      if (/YYYY-MM-DD/.test(hint) || /date|On$|From$|To$/.test(name))
        return fc.constantFrom(day(-3000), day(-30), day(30), day(400))
      // Descriptions like "child, adult-of-concern or associate" or "given | refused" list the values.
      const listed = (hint.split(/[;.(:]/)[0] ?? '').trim().split(/, | \| | or /)
      if (listed.length > 1 && listed.every((w) => /^[a-z-]+$/.test(w))) return fc.constantFrom(...listed)
      if (/flagType/.test(name)) return fc.constantFrom('cce', 'cse', 'cuckooed', 'missing')
      if (/postcode/i.test(name)) return fc.constantFrom('NS1 4AB', 'NS9 9ZZ')
      return fc.stringMatching(/^[A-Za-z][A-Za-z ]{0,15}$/).map((v) => v.slice(0, schema.maxLength ?? 16))
    }
    case 'integer':
      return fc.integer({ min: Math.max(schema.minimum ?? 1, 0), max: Math.min(schema.maximum ?? 3, 3) })
    case 'number':
      return fc.double({ min: -90, max: 90, noNaN: true })
    case 'boolean':
      return fc.boolean()
    case 'null':
      return fc.constant(null)
    case 'array':
      return depth > 4 || schema.items === undefined
        ? fc.constant([])
        : fc.array(validOf(schema.items, records, name, depth + 1), {
            maxLength: Math.min(schema.maxItems ?? 2, 2),
          })
    case 'object': {
      const properties = schema.properties ?? {}
      if (depth > 4) return fc.constant({})
      const record = Object.fromEntries(
        Object.entries(properties).map(([key, s]) => [key, validOf(s, records, key, depth + 1)]),
      )
      return fc.record(record, { requiredKeys: schema.required ?? [] })
    }
    default:
      return fc.constant('x')
  }
}

/**
 * Valid bodies for the operations whose domain rules a schema-made body rarely meets (a child needs a date of
 * birth, a link needs a known type), so that one malformed value in them gets past validation to the database.
 */
const EXAMPLES: Record<string, (r: Records) => Json[]> = {
  'POST /api/v1/people': () => [
    { kind: 'child', givenName: 'Jordan', familyName: 'Ashworth', dateOfBirth: day(-4000) },
    { kind: 'associate', givenName: 'Sam', familyName: 'Okafor', estimatedAge: 19, gender: 'Male' },
  ],
  'PATCH /api/v1/people/{id}': () => [{ version: 1, givenName: 'Jordan', familyName: 'Ashworth' }],
  'GET /api/v1/search': () => [{ name: 'Jordan' }, { postcode: 'NS1 4AB' }, { identifier: 'LA-1' }],
  'GET /api/v1/referrals': () => [{ queue: 'front-door' }, { queue: 'front-door', page: 2 }],
  'POST /api/v1/people/duplicate-candidates': (r) => [
    { givenName: 'Jordan', familyName: 'Ashworth', dateOfBirth: day(-4000), locationIds: r.location },
  ],
  'POST /api/v1/people/{id}/merge': (r) => [
    { mergedId: r.person[1]!, reason: 'The same child', survivorVersion: 1, mergedVersion: 1 },
  ],
  'POST /api/v1/locations': () => [
    { kind: 'address', addressLine1: '1 High Street', town: 'Northshire', postcode: 'NS1 4AB' },
    { kind: 'premises', name: 'The Chicken Shop', postcode: 'NS1 4AB', latitude: 53.8, longitude: -1.5 },
  ],
  'PUT /api/v1/locations/{id}': () => [
    { version: 1, kind: 'address', addressLine1: '2 High Street', postcode: 'NS1 4AB' },
  ],
  'POST /api/v1/objects': () => [
    { kind: 'phone', value: '0113 496 0123' },
    { kind: 'online-handle', value: 'dealer99', platform: 'Snapchat' },
  ],
  'PUT /api/v1/objects/{id}': () => [{ version: 1, value: '0113 496 0124', description: 'Burner' }],
  'POST /api/v1/people/{id}/flags': () => [
    { flagType: 'cce', reason: 'Seen at a trap house', reviewDate: day(30) },
  ],
  'POST /api/v1/locations/{id}/flags': () => [
    { flagType: 'cuckooed', reason: 'Taken over by a line', reviewDate: day(30) },
  ],
  'POST /api/v1/flags/{id}/review': () => [{ version: 1, reviewDate: day(60) }],
  'POST /api/v1/flags/{id}/remove': () => [{ version: 1, reason: 'No longer a concern' }],
  'POST /api/v1/people/{id}/aliases': () => [{ version: 1, kind: 'street-name', name: 'JJ' }],
  'POST /api/v1/people/{id}/statuses': () => [{ version: 1, status: 'child-in-need', fromDate: day(-30) }],
  'PATCH /api/v1/people/{id}/statuses/{statusId}': () => [{ version: 1, toDate: day(-1) }],
  'POST /api/v1/links': (r) => [
    {
      linkType: 'associate-of',
      from: { kind: 'person', id: r.person[0]! },
      to: { kind: 'person', id: r.person[1]! },
      source: 'Police report',
      confidence: 'confirmed',
    },
    {
      linkType: 'lives-at',
      from: { kind: 'person', id: r.person[0]! },
      to: { kind: 'location', id: r.location[0]! },
      fromDate: day(-100),
      source: 'School record',
      confidence: 'probable',
    },
  ],
  'POST /api/v1/links/{id}/end': () => [{ version: 1, reason: 'Moved away', endedOn: day(-1) }],
  'POST /api/v1/referrals/{id}/notifications': () => [
    { reason: 'moved-to', localAuthority: 'Westshire', policeForce: 'Westshire Police', content: 'Summary' },
  ],
  'POST /api/v1/referrals/{id}/decision': () => [
    { decision: 'no-further-action', reasons: 'Signposted to the youth service', cinFactors: ['13A'] },
  ],
  'POST /api/v1/notifications/{id}/acknowledge': () => [
    { acknowledgedBy: 'Duty manager', acknowledgedOn: day(0) },
  ],
  'POST /api/v1/concerns': (r) => [
    {
      child: { givenName: 'Jordan', familyName: 'Apichild', estimatedAge: 12 },
      immediateDanger: false,
      narrative: 'Seen plugging and talking about a deal line.',
      happenedOn: day(-1),
      consent: 'not-asked',
      familyAware: 'not-safe',
      learningDisability: false,
      indicators: [
        {
          itemCode: 'drugs-involvement',
          evidence: 'Found with wraps',
          recency: 'current',
          basis: 'evidenced',
        },
      ],
      judgedLevel: 'high',
      judgementReason: 'Found with drugs at 12',
    },
    {
      personId: r.person[0]!,
      immediateDanger: true,
      policeCalled: true,
      narrative: 'Picked up by a car',
      happenedOn: day(0),
      consent: 'given',
      familyAware: 'yes',
      learningDisability: true,
      indicators: [],
      judgedLevel: 'medium',
      judgementReason: 'Worrying',
    },
  ],
  'POST /api/v1/screening/suggest': () => [
    {
      ticks: [{ itemCode: 'drugs-involvement', recency: 'current' }],
      child: { ageYears: 12, learningDisability: false },
    },
  ],
}

/** Every place in a value, with the value there. */
function placesOf(value: Json, path: Path = []): Array<{ path: Path; value: Json }> {
  const here = [{ path, value }]
  if (Array.isArray(value)) return [...here, ...value.flatMap((v, i) => placesOf(v, [...path, i]))]
  if (value !== null && typeof value === 'object')
    return [
      ...here,
      ...Object.entries(value).flatMap(([k, v]) => (v === undefined ? [] : placesOf(v, [...path, k]))),
    ]
  return here
}

function setAt(value: Json, path: Path, next: Json | undefined): Json {
  if (path.length === 0) return next ?? null
  const [head, ...rest] = path
  if (Array.isArray(value)) {
    const copy = [...value]
    if (rest.length === 0 && next === undefined) copy.splice(head as number, 1)
    else copy[head as number] = setAt(copy[head as number] ?? null, rest, next)
    return copy
  }
  if (value === null || typeof value !== 'object') return value
  const copy = { ...value }
  if (rest.length === 0 && next === undefined)
    return Object.fromEntries(Object.entries(copy).filter(([key]) => key !== head))
  copy[head as string] = setAt(copy[head as string] ?? null, rest, next)
  return copy
}

/** A malformed replacement for one value: what a fuzzer would try there. */
const badValue: fc.Arbitrary<Json | undefined> = fc.oneof(
  fc.constantFrom(...HUGE_INTEGERS),
  fc.constantFrom(...ODD_STRINGS),
  fc.constantFrom<Json | undefined>(
    null,
    true,
    false,
    [],
    {},
    [1, 'a', null],
    { a: { b: { c: [1] } } },
    'x'.repeat(1001),
    'x'.repeat(20_001),
    undefined, // removes it
  ),
  fc.integer(),
  fc.double(),
  fc.string({ unit: 'binary', maxLength: 40 }),
)

/**
 * One change to an otherwise plausible body. `control` and `huge` aim at a string or a number of the body (so the
 * rest can pass validation and the value reach the service and the database); the others hit any place.
 */
type Mutation =
  | { kind: 'control'; at: number; to: string }
  | { kind: 'huge'; at: number; to: Json }
  | { kind: 'value'; at: number; to: Json | undefined }
  | { kind: 'extra'; at: number; name: string; to: Json }
  | { kind: 'body'; index: number }

const controlString = fc
  .tuple(fc.string({ maxLength: 5 }), fc.constantFrom(...CONTROL), fc.string({ maxLength: 5 }))
  .map(([a, c, b]) => `${a}${c}${b}`)
const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant('control' as const), at: fc.nat(), to: controlString }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('huge' as const),
      at: fc.nat(),
      to: fc.constantFrom(...HUGE_INTEGERS),
    }),
  },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('value' as const), at: fc.nat(), to: badValue }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('extra' as const),
      at: fc.nat(),
      name: fc.constantFrom('extra', '__proto__', 'constructor', 'id', 'partnershipId', 'a\u0000'),
      to: badValue.map((v) => v ?? null),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('body' as const), index: fc.nat() }) },
)

/** The body after one mutation, or the raw payload that replaces it. */
function mutate(body: Json, m: Mutation): Json | { payload: string; type?: string } {
  if (m.kind === 'body') return ODD_BODIES[m.index % ODD_BODIES.length]!
  const places = placesOf(body)
  const pick = (wanted: (value: Json) => boolean) => {
    const matching = places.filter((p) => wanted(p.value))
    const from = matching.length > 0 ? matching : places
    return from[m.at % from.length]!
  }
  switch (m.kind) {
    case 'control':
      return setAt(body, pick((v) => typeof v === 'string').path, m.to)
    case 'huge':
      return setAt(body, pick((v) => typeof v === 'number').path, m.to)
    case 'value':
      return setAt(body, pick(() => true).path, m.to)
    case 'extra': {
      const target = pick((v) => v !== null && typeof v === 'object' && !Array.isArray(v))
      return target.value !== null && typeof target.value === 'object' && !Array.isArray(target.value)
        ? setAt(body, [...target.path, m.name], m.to)
        : body
    }
  }
}

const BAD_QUERY_VALUES = [
  '',
  '99999999999',
  '2147483648',
  '9007199254740993',
  '-2147483649',
  '-1',
  '0',
  '1e999',
  '1.5',
  'abc',
  'a%00b',
  '%01',
  '%7F',
  'x'.repeat(501),
  '%FF%FE',
  '[]',
  'null',
]

/** What is wrong with a request: one thing, so that the rest can pass and the fault reach deep. */
type Fault =
  | { kind: 'none' }
  | { kind: 'param'; at: number; to: string }
  | { kind: 'query'; at: number; to: string | string[] }
  | { kind: 'extra-query'; query: string }
  | { kind: 'body'; mutations: Mutation[] }
  | { kind: 'content-type'; type: string }
  | { kind: 'credentials'; authorization: string | undefined }

const faultArb: fc.Arbitrary<Fault> = fc.oneof(
  { weight: 1, arbitrary: fc.constant({ kind: 'none' as const }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('param' as const),
      at: fc.nat(),
      to: fc.constantFrom(...BAD_IDS),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('query' as const),
      at: fc.nat(),
      to: fc.oneof(
        { weight: 5, arbitrary: fc.constantFrom(...BAD_QUERY_VALUES) },
        { weight: 1, arbitrary: fc.array(fc.constantFrom('a', '1', 'a%00'), { minLength: 2, maxLength: 3 }) },
      ),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('extra-query' as const),
      query: fc.constantFrom('x=1', 'version=99999999999', 'page=-1', '%00=1', 'a[b]=1', '__proto__=1'),
    }),
  },
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constant('body' as const),
      mutations: fc.array(mutationArb, { minLength: 1, maxLength: 2 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('content-type' as const),
      type: fc.constantFrom(
        'text/plain',
        'application/xml',
        'multipart/form-data; boundary=x',
        'application/octet-stream',
        '',
      ),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('credentials' as const),
      authorization: fc.constantFrom(
        undefined,
        'Bearer omt_not-a-real-token',
        'Basic dXNlcjpwYXNz',
        'Bearer',
        'bearer  ',
      ),
    }),
  },
)

/** One request for an operation: plausible parts, and one fault (sometimes none, or two body mutations). */
function requestArb(op: Operation, records: Records, token: string): fc.Arbitrary<Request> {
  const pathParams = op.parameters.filter((p) => p.in === 'path')
  const queryParams = op.parameters.filter((p) => p.in === 'query')
  const examples = EXAMPLES[`${op.method} ${op.path}`]?.(records) ?? []
  const schemaBody = op.body === undefined ? undefined : validOf(op.body, records)
  const bodyArb =
    schemaBody === undefined || examples.length === 0
      ? (schemaBody ?? fc.constant(undefined))
      : fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...examples) }, { weight: 1, arbitrary: schemaBody })
  const segmentBefore = (name: string) =>
    /([a-z-]+)\/\{/.exec(op.path.split(`{${name}}`)[0]! + '{')?.[1] ?? ''
  return fc
    .record({
      params: fc.tuple(
        ...pathParams.map((p) => idArbOf(records, kindOf('id', `${segmentBefore(p.name)}/${p.name}`))),
      ),
      example:
        examples.length === 0 ? fc.constant(undefined) : fc.option(fc.constantFrom(...examples), { freq: 3 }),
      query: fc.tuple(
        ...queryParams.map((p) =>
          fc.option(validOf(p.schema, records, p.name).map(text), { nil: undefined, freq: 2 }),
        ),
      ),
      body: op.body === undefined ? fc.constant(undefined) : bodyArb,
      fault: faultArb,
      // Now and then a body for an operation without one.
      strayBody: fc.boolean(),
    })
    .map((r): Request => {
      const { fault } = r
      const params = [...r.params]
      if (fault.kind === 'param' && params.length > 0) params[fault.at % params.length] = fault.to
      let url = op.path
      pathParams.forEach((p, i) => {
        url = url.replace(`{${p.name}}`, params[i]!)
      })
      // A query example (GET /api/v1/search) stands for the generated values.
      const example =
        op.body === undefined ? (r.example as Record<string, Json> | null | undefined) : undefined
      const values: Array<string | string[] | undefined> =
        example === undefined || example === null
          ? [...r.query]
          : queryParams.map((p) => {
              const value = example[p.name]
              return value === undefined ? undefined : text(value)
            })
      if (fault.kind === 'query' && values.length > 0) values[fault.at % values.length] = fault.to
      const query = queryParams.flatMap((p, i) =>
        values[i] === undefined
          ? []
          : [values[i]].flat().map((v) => `${p.name}=${/%[0-9A-F]{2}/i.test(v) ? v : encodeURIComponent(v)}`),
      )
      if (fault.kind === 'extra-query' || (fault.kind === 'query' && queryParams.length === 0))
        query.push(fault.kind === 'extra-query' ? fault.query : 'version=99999999999')
      if (query.length > 0) url += `?${query.join('&')}`

      const headers: Record<string, string> = {}
      const authorization = fault.kind === 'credentials' ? fault.authorization : `Bearer ${token}`
      if (authorization !== undefined) headers.authorization = authorization

      const hasBody = op.body !== undefined || (r.strayBody && op.method !== 'GET' && fault.kind === 'body')
      if (!hasBody) return { method: op.method, url, headers }
      let body: Json = r.body ?? {}
      let odd: { payload: string; type?: string } | undefined
      for (const m of fault.kind === 'body' ? fault.mutations : []) {
        const next = mutate(body, m)
        if (m.kind === 'body') odd = next as { payload: string; type?: string }
        else body = next
      }
      const payload = odd?.payload ?? unmarked(JSON.stringify(body))
      const type = fault.kind === 'content-type' ? fault.type : (odd?.type ?? 'application/json')
      if (type !== '') headers['content-type'] = type
      return { method: op.method, url, headers, payload }
    })
}

const isProblem = (res: LightMyRequestResponse) =>
  /^application\/problem\+json/.test(String(res.headers['content-type'] ?? ''))
const isPage = (res: LightMyRequestResponse) => /^text\/html/.test(String(res.headers['content-type'] ?? ''))
/**
 * /health is in the document but outside /api/v1, so the error handler answers its 4xx (a control character in
 * its query, a wrong method) with the GOV.UK page, as for any page. Counted and allowed here: which format health
 * errors take belongs to the rewrite that moves the API and the pages into their own plugins.
 */
const HEALTH = /^\/health(\/|\?|$)/

it('answers malformed API requests with 4xx problem+json, never a 5xx', async (t) => {
  const started = Date.now()
  const { app, db, services } = await build(t, { env: { LOG_LEVEL: process.env.FUZZ_LOG ?? 'silent' } })
  const roles = [...ROLES]
  const user = await createUser(db, services, { roles })
  const scopes = [...new Set(roles.flatMap((r) => ROLE_CAPABILITIES[r]))]
  const { token } = await personToken(db, user.email, scopes, { name: 'fuzz' })
  // Records of the caller's partnership, so that some ids reach the services rather than a 404.
  const person = await createPerson(db.database, user.partnershipId, { allocatedWorkerId: user.id })
  const other = await createPerson(db.database, user.partnershipId, { allocatedWorkerId: user.id })
  const location = await createLocation(db.database, user.partnershipId)
  const object = await createObject(db.database, user.partnershipId)
  const flag = await createFlag(db.database, db.ownerUrl, {
    partnershipId: user.partnershipId,
    subjectKind: 'person',
    subjectId: person.id,
    setBy: user.id,
  })
  const link = await linkPeople(db.ownerUrl, person, other.id)
  const concern = await createConcern(db.database, user, person.id)
  const referral = await createReferral(services, db.database, user, other.id)
  const alias = await addAlias(db.ownerUrl, person, 'JJ')
  const status = await addStatus(db.ownerUrl, person)
  const records: Records = {
    person: [person.id, other.id],
    location: [location.id],
    object: [object.id],
    flag: [flag],
    link: [link],
    referral: [referral.id],
    concern: [concern, referral.concernId],
    alias: [alias],
    status: [status],
    notification: [],
  }

  await app.ready()
  const sent = await app.inject({
    method: 'POST',
    url: `/api/v1/referrals/${referral.id}/notifications`,
    headers: { authorization: `Bearer ${token}` },
    payload: {
      reason: 'moved-to',
      localAuthority: 'Westshire',
      policeForce: 'Westshire Police',
      content: 'Sent',
    },
  })
  assert.equal(sent.statusCode, 201, sent.body)
  records.notification.push(sent.json<{ notification: { id: string } }>().notification.id)
  const operations = operationsOf(app.swagger() as Parameters<typeof operationsOf>[0])
  assert.ok(operations.length >= 40, `the document lists the API (${operations.length} operations)`)

  const histogram = new Map<number, number>()
  const failures: string[] = []
  let count = 0
  let healthPages = 0
  const check = (label: string, options: Request, res: LightMyRequestResponse) => {
    count++
    histogram.set(res.statusCode, (histogram.get(res.statusCode) ?? 0) + 1)
    const where = `${label}: ${options.method} ${options.url.slice(0, 200)} ${(options.payload ?? '').slice(0, 200)}`
    if (res.statusCode >= 500) failures.push(`${res.statusCode} ${where} -> ${res.body.slice(0, 300)}`)
    else if (res.statusCode >= 400 && options.method !== 'HEAD') {
      if (!isProblem(res) && HEALTH.test(options.url) && isPage(res)) healthPages++
      else if (!isProblem(res))
        failures.push(`${res.statusCode} not problem+json (${String(res.headers['content-type'])}) ${where}`)
      else if (res.json<{ status?: unknown }>().status !== res.statusCode)
        failures.push(`${res.statusCode} with a problem of another status ${where}`)
    }
  }

  for (const [n, op] of operations.entries()) {
    const requests = fc.sample(requestArb(op, records, token), { seed: SEED + n, numRuns: PER_OPERATION })
    const statuses = new Map<number, number>()
    for (const options of requests) {
      const res = await app.inject(options)
      statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1)
      check(`${op.method} ${op.path}`, options, res)
    }
    if (process.env.FUZZ_VERBOSE !== undefined)
      console.log(`${op.method} ${op.path}`, JSON.stringify(Object.fromEntries(statuses)))
    // And the same operation with the wrong method, which the API does not have.
    const wrong = {
      method: op.method === 'GET' ? 'PUT' : 'GET',
      url: op.path.replace(/\{[^}]+\}/g, person.id),
      headers: { authorization: `Bearer ${token}` },
    } as const
    check(`${op.method} ${op.path} (wrong method)`, wrong, await app.inject(wrong))
  }

  const statuses = [...histogram.entries()].sort(([a], [b]) => a - b)
  console.log(
    `api fuzz: ${count} requests over ${operations.length} operations in ${((Date.now() - started) / 1000).toFixed(1)} s; ` +
      statuses.map(([status, n]) => `${status}: ${n}`).join(', ') +
      ` (${healthPages} of the 4xx for /health were pages)`,
  )
  assert.ok(count >= 2000, `at least 2,000 requests (${count})`)
  assert.deepEqual(failures.slice(0, 40), [], `${failures.length} bad answers`)
})

/**
 * Odd spellings of API URLs (issue 11's probes), with a bearer token, with a session cookie and with neither. The
 * API and the pages are separate plugins whose guards follow the route the router matched on the decoded path, so
 * `/%61pi/v1/people/<id>` is the API route and is guarded as one: a valid token or a session's cookie reads it, no
 * credentials are 401 problem+json. Anything that matches no route is a 404 in the format the client asks for.
 */
it('answers odd spellings of API URLs by the route they match, never with a 5xx', async (t) => {
  const { app, db, user } = await appWithUser(t, { roles: ['social-worker'] })
  const person = await createPerson(db.database, user.partnershipId, { allocatedWorkerId: user.id })
  const { token } = await personToken(db, user.email, ['person:read'], { name: 'odd urls' })
  const agent = await signIn(app, user)
  const json = 'application/problem+json; charset=utf-8'
  const expected: Array<[string, Record<'bearer' | 'cookie' | 'none', [number, string]>]> = [
    ['/health/', { bearer: [404, json], cookie: [404, json], none: [404, json] }],
    ['/api/v1/does-not-exist', { bearer: [404, json], cookie: [404, json], none: [404, json] }],
    ['/API/v1/people', { bearer: [404, json], cookie: [404, json], none: [404, json] }],
    ['//api/v1/people', { bearer: [404, json], cookie: [404, json], none: [404, json] }],
    ['/api/v1/people.', { bearer: [404, json], cookie: [404, json], none: [404, json] }],
    ['/api/v1/people/.', { bearer: [400, json], cookie: [400, json], none: [401, json] }],
    [
      `/%61pi/v1/people/${person.id}`,
      {
        bearer: [200, 'application/json; charset=utf-8'],
        cookie: [200, 'application/json; charset=utf-8'],
        none: [401, json],
      },
    ],
  ]
  const answers: string[] = []
  const wanted: string[] = []
  for (const [url, want] of expected) {
    const accept = { accept: 'application/json' }
    const bearer = await app.inject({ url, headers: { ...accept, authorization: `Bearer ${token}` } })
    const cookie = await agent.request({ method: 'GET', url, headers: accept })
    const none = await app.inject({ url, headers: accept })
    for (const [via, res] of [
      ['bearer', bearer],
      ['cookie', cookie],
      ['none', none],
    ] as const) {
      answers.push(`${via} ${url}: ${res.statusCode} ${String(res.headers['content-type'] ?? '-')}`)
      wanted.push(`${via} ${url}: ${want[via][0]} ${want[via][1]}`)
    }
  }
  assert.deepEqual(answers, wanted)
})

it('answers URLs the router refuses before any route as problem+json, or the GOV.UK page', async (t) => {
  const { app } = await build(t)
  for (const [url, status] of [
    ['/api/v1/people/%E0%A4%A', 400],
    ['/api/v1/people/%', 400],
    [`/api/v1/people/${'a'.repeat(101)}`, 414],
  ] as const) {
    const res = await app.inject({ url, headers: { authorization: 'Bearer omt_x' } })
    assert.equal(res.statusCode, status, url)
    assert.match(String(res.headers['content-type']), /^application\/problem\+json/, url)
    assert.equal(res.json<{ status: number }>().status, status)
    assert.equal(res.headers['cache-control'], 'no-store')
    assert.ok(res.headers['x-request-id'])
  }
  const page = await app.inject('/people/%E0%A4%A')
  assert.equal(page.statusCode, 400)
  assert.match(String(page.headers['content-type']), /^text\/html/)
  assert.match(page.body, /govuk-template/)
  assert.match(String(page.headers['content-security-policy']), /default-src 'self'/)
})
