import { createHash } from 'node:crypto'
import { isDeepStrictEqual } from 'node:util'
import {
  CompiledQuery,
  DummyDriver,
  Kysely,
  PostgresAdapter,
  PostgresDialect,
  PostgresDriver,
  PostgresIntrospector,
  PostgresQueryCompiler,
  sql,
  type Compilable,
  type Driver,
  type PostgresDialectConfig,
  type Transaction,
} from 'kysely'
import pg from 'pg'
import type { Logger } from '../platform/logger.ts'
import type { DB } from './schema.ts'

export type Executor = Kysely<DB> | Transaction<DB>

// A `date` column is a calendar date, not an instant: keep it as 'YYYY-MM-DD' rather than letting pg turn it into
// a Date at local midnight (which shifts a date of birth by a day in some time zones).
pg.types.setTypeParser(pg.types.builtins.DATE, (value) => value)

export interface Database {
  /** The runtime-role pool (NOSUPERUSER NOBYPASSRLS): everything the app does goes through it. */
  pool: pg.Pool
  db: Kysely<DB>
  close(): Promise<void>
}

export interface DatabaseOptions {
  poolSize?: number
  statementTimeoutMs?: number
  /** How long to wait for a connection; keeps /health within its 2-second promise when the server is down. */
  connectTimeoutMs?: number
  logger?: Logger
}

/** Distinct statement texts given a server-side name; beyond this, statements run unnamed (the shapes are few). */
const MAX_NAMED_STATEMENTS = 2000
const statementNames = new Map<string, string>()

function statementName(text: string): string | undefined {
  let name = statementNames.get(text)
  if (name === undefined && statementNames.size < MAX_NAMED_STATEMENTS) {
    name = `om${createHash('sha256').update(text).digest('base64url').slice(0, 22)}`
    statementNames.set(text, name)
  }
  return name
}

/** Statement texts without parameters that compiledQueries compiled: prepared too (see PreparingClient). */
const fixedTexts = new Set<string>()

/** Builds queries without running them (no connection): for compiledQueries and fixedQueries. */
export const queryBuilder = new Kysely<DB>({
  dialect: {
    createAdapter: () => new PostgresAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (db) => new PostgresIntrospector(db),
    createQueryCompiler: () => new PostgresQueryCompiler(),
  },
})

/** A stand-in for the index-th value while compiledQueries compiles a variant's template. */
class Slot {
  constructor(readonly index: number) {}
}

const fillSlots = (parameters: readonly unknown[], values: readonly unknown[]) =>
  parameters.map((p) => (p instanceof Slot ? values[p.index] : p))

/**
 * Hot queries compiled by Kysely once per variant (`variant` names the query's shape: one id or many, with or
 * without details, a page's offset) instead of on every call; the values change, the SQL text does not. `build`
 * gets stand-ins for `values` and must use them only as values (compared, passed to a function), never to decide
 * the query's shape: the first call of each variant checks that by compiling with the real values too, and throws
 * if the two differ. A variant without parameters is also prepared by PostgreSQL once per connection (see
 * PreparingClient). At most `max` variants are kept; any beyond are compiled on each call and, without
 * parameters, run unprepared. Run the result with `db.executeQuery(...)`.
 */
export function compiledQueries<V extends readonly unknown[], O>(
  build: (variant: string, ...values: V) => Compilable<O>,
  max = 100,
): (variant: string, ...values: V) => CompiledQuery<O> {
  const templates = new Map<string, CompiledQuery<O>>()
  return (variant, ...values) => {
    const template = templates.get(variant)
    if (template !== undefined) {
      return values.length === 0
        ? template
        : { ...template, parameters: fillSlots(template.parameters, values) }
    }
    const slots = values.map((_, i) => new Slot(i)) as unknown as V
    const compiled = build(variant, ...slots).compile()
    const real = values.length === 0 ? compiled : build(variant, ...values).compile()
    if (
      compiled.sql !== real.sql ||
      !isDeepStrictEqual(fillSlots(compiled.parameters, values), real.parameters)
    ) {
      throw new Error(`compiledQueries: variant "${variant}" changes shape with its values`)
    }
    if (templates.size < max) {
      templates.set(variant, compiled)
      if (compiled.parameters.length === 0) fixedTexts.add(compiled.sql)
    }
    return real
  }
}

/**
 * Hot queries of fixed text: values written as literals (so the plan sees them: a partial index's statuses, a page
 * size) and the partnership left to row-level security, so there are no parameters. compiledQueries without
 * values: each variant (`key`: an offset, say) is compiled once and prepared once per connection, instead of
 * compiled, parsed and planned on every request (bench: front-door).
 */
export function fixedQueries<O>(
  build: (key: string) => Compilable<O>,
  max = 100,
): (key: string) => CompiledQuery<O> {
  const compiled = compiledQueries(build, max)
  return (key) => {
    const query = compiled(key)
    if (query.parameters.length > 0)
      throw new Error('a fixed query has its values as literals, not parameters')
    return query
  }
}

/**
 * A client that prepares every parameterised statement once per connection, under a name derived from its text.
 * Kysely compiles a query of the same shape to the same text with `$n` parameters, so repeated reads (a child's
 * record with its policy facts: six tables and three subqueries) skip parsing and, once PostgreSQL settles on a
 * generic plan, planning, which cost more than executing them (bench: auth). Row-level security is unaffected:
 * its settings are read when the plan runs, and PostgreSQL re-plans a statement when the schema under it changes.
 * Statements without parameters are prepared only when compiledQueries made them: other raw statements vary (inlined
 * values) or hold several commands, which a prepared statement cannot.
 */
class PreparingClient extends pg.Client {
  override query(...args: unknown[]): never {
    const [text, values, ...rest] = args
    if (typeof text === 'string' && Array.isArray(values) && (values.length > 0 || fixedTexts.has(text))) {
      const name = statementName(text)
      if (name !== undefined) {
        return (super.query as (...a: unknown[]) => never)({ name, text, values }, ...rest)
      }
    }
    return (super.query as (...a: unknown[]) => never)(...args)
  }
}

/** What withTransaction keeps for a transaction it runs: statements to send with its COMMIT. */
interface OpenTransaction {
  /** Statements to run just before COMMIT, in the same message (see deferUntilCommit). */
  atCommit: string[]
}
const openTransactions = new WeakMap<Transaction<DB>, OpenTransaction>()

/**
 * Queues `statement` (complete SQL, values already escaped as literals) to run in `trx` just before its COMMIT,
 * sent in the same message: the transaction's last write costs no round trip of its own. True when queued; false
 * when `trx` was not begun by withTransaction, and the caller must run it itself. If the statement fails, the
 * transaction fails with it (nothing commits).
 */
export function deferUntilCommit(trx: Transaction<DB>, statement: string): boolean {
  const open = openTransactions.get(trx)
  if (open === undefined) return false
  open.atCommit.push(statement)
  return true
}

/**
 * The driver of withTransaction's transactions: Kysely calls it to begin and commit, but withTransaction sends
 * those itself, BEGIN with the context ("BEGIN; SELECT set_config(...)") and COMMIT with the statements deferred
 * to it, one message each instead of two or three. Rollback stays Kysely's (ROLLBACK on any error).
 */
class SelfManagedTransactionsDriver extends PostgresDriver {
  override async beginTransaction(): Promise<void> {}
  override async commitTransaction(): Promise<void> {}
}

class SelfManagedTransactionsDialect extends PostgresDialect {
  readonly #settings: PostgresDialectConfig
  constructor(settings: PostgresDialectConfig) {
    super(settings)
    this.#settings = settings
  }
  override createDriver(): Driver {
    return new SelfManagedTransactionsDriver(this.#settings)
  }
}

/** Per database, the Kysely instance (on the same pool) whose transactions withTransaction begins and commits. */
const selfManaged = new WeakMap<Kysely<DB>, Kysely<DB>>()

function transactionsOf(database: Database): Kysely<DB> {
  let db = selfManaged.get(database.db)
  if (db === undefined) {
    db = new Kysely<DB>({ dialect: new SelfManagedTransactionsDialect({ pool: database.pool }) })
    selfManaged.set(database.db, db)
  }
  return db
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const literalSafe = (value: string) => value === '' || UUID.test(value)

const planSetting = (context: TransactionContext) =>
  context.genericPlans === true ? `, set_config('plan_cache_mode', 'force_generic_plan', true)` : ''

/** "BEGIN; SELECT set_config(...)" with the values inlined, or undefined when a value is not UUID-shaped. */
function contextStatement(context: TransactionContext): string | undefined {
  const actorId = context.actorId ?? ''
  const partnershipId = context.partnershipId ?? ''
  if (!literalSafe(actorId) || !literalSafe(partnershipId)) return undefined
  return `BEGIN; SELECT set_config('app.actor_id', '${actorId}', true), set_config('app.partnership_id', '${partnershipId}', true)${planSetting(context)}`
}

export function createDatabase(url: string, options: DatabaseOptions = {}): Database {
  const pool = new pg.Pool({
    Client: PreparingClient,
    connectionString: url,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 1500,
    idleTimeoutMillis: 30_000,
    statement_timeout: options.statementTimeoutMs ?? 15_000,
    application_name: 'openmace',
  })
  // An idle connection dropped by the server (restart, failover) must not crash the process: the pool
  // discards it and opens a new one when the server is back.
  pool.on('error', (error) => options.logger?.warn({ err: error }, 'database connection lost'))
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) })
  let closed = false
  return {
    pool,
    db,
    async close() {
      if (closed) return
      closed = true
      await db.destroy() // ends the pool too
    },
  }
}

/** Settings every transaction carries, read by row-level security policies (transaction-local). */
export interface TransactionContext {
  actorId?: string
  partnershipId?: string
  /**
   * Run prepared statements on their generic plans (plan_cache_mode, for this transaction only). For
   * transactions of lookups by key, such as a record's page: PostgreSQL estimates ten rows for an `= ANY($n)`
   * array parameter, never trusts the generic plan and re-plans such a statement on every call, which costs more
   * than running it. Not for searches, whose plans depend on the values.
   */
  genericPlans?: boolean
}

/**
 * Runs `fn` in one transaction on one connection with the context set by set_config(..., true), which lasts
 * only until the transaction ends, so a pooled connection never carries one request's context into another.
 * BEGIN and the context go in one message (values inlined only when UUID-shaped, see contextStatement), and
 * COMMIT with any statements deferred to it (deferUntilCommit). Each call sends its own BEGIN, so a transaction
 * begun inside another's callback is separate and carries only its own context.
 */
export async function withTransaction<T>(
  database: Database,
  context: TransactionContext,
  fn: (trx: Transaction<DB>) => Promise<T>,
): Promise<T> {
  const statement = contextStatement(context)
  return transactionsOf(database)
    .transaction()
    .execute(async (trx) => {
      if (statement !== undefined) {
        await trx.executeQuery(CompiledQuery.raw(statement))
      } else {
        await trx.executeQuery(CompiledQuery.raw('BEGIN'))
        await sql`SELECT set_config('app.actor_id', ${context.actorId ?? ''}, true),
                         set_config('app.partnership_id', ${context.partnershipId ?? ''}, true)${sql.raw(
                           planSetting(context),
                         )}`.execute(trx)
      }
      const open: OpenTransaction = { atCommit: [] }
      openTransactions.set(trx, open)
      const result = await fn(trx)
      // If a deferred statement fails, PostgreSQL skips the rest of the message, COMMIT included; the error
      // reaches Kysely, which rolls back.
      const statements = open.atCommit.splice(0)
      openTransactions.delete(trx)
      await trx.executeQuery(CompiledQuery.raw([...statements, 'COMMIT'].join(';\n')))
      return result
    })
}

/** Bounded database ping for health checks. */
export async function pingDatabase(database: Database, timeoutMs = 1500): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs)
  })
  const ping = database.pool
    .query('SELECT 1')
    .then(() => true)
    .catch(() => false)
  try {
    return await Promise.race([ping, timeout])
  } finally {
    clearTimeout(timer)
  }
}
