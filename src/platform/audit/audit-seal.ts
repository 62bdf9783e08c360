import { createHash } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { sql, type Selectable, type Transaction } from 'kysely'
import type { Database, Executor } from '../../db/database.ts'
import type { AuditEventTable, DB } from '../../db/schema.ts'
import type { Logger } from '../logger.ts'
import { AuditError } from './audit-writer.ts'

/**
 * Block sealing of the audit trail (ARCHITECTURE.md, "Audit chain without a global bottleneck").
 *
 * Writers append `audit_event` rows freely. A sealer hashes each new block of rows, in id order, together with the
 * previous seal's hash, and stores the result in `audit_seal`. `verifyAudit` recomputes every block and the chain.
 *
 * Canonical form (v1). For each row, the columns are read as text by PostgreSQL, in this fixed order:
 *   id, partnership_id, occurred_at (UTC, `YYYY-MM-DDTHH:MI:SS.ffffffZ`: exact, microseconds), actor_id,
 *   actor_role, actor_agency_id, action, record_type, record_id, outcome, reason, request_id,
 *   ip (`inet::text`, always with its mask), details (`jsonb::text`, PostgreSQL's normalised form)
 * and serialised with JSON.stringify as an array of strings and nulls (unambiguous: NULL is not '').
 *   row hash   = sha256("openmace-audit-event-v1\n" + that JSON), hex
 *   block hash = sha256("openmace-audit-seal-v1\n" + seq + "\n" + first_event_id + "\n" + last_event_id + "\n" +
 *                       row_count + "\n" + previous_hash + "\n" + the row hashes joined by "\n"), hex
 * The first seal's previous_hash is 64 zeros. A test fails if audit_event gains a column this form leaves out.
 *
 * Sealing rule. Ids come from a sequence when a row is inserted, but transactions commit in any order: row 100
 * may become visible after row 101. A block must never end above a row that is still in flight, or that row would
 * later appear inside a sealed range (and verify would rightly report it). So, for a cut-off M = the highest
 * committed id, the sealer waits until every transaction that held a write lock on audit_event when M was read has
 * ended. That is exact, not a guess on time: an inserter takes ROW EXCLUSIVE on audit_event before its id is drawn,
 * any id below M was drawn before M, so its transaction either had ended when M was read (committed or rolled
 * back for good) or still holds that lock and is waited for. PostgreSQL releases locks after a commit becomes
 * visible, so once the lock is gone the row is readable. Writers never wait for the sealer; only the sealer waits
 * (for at most `waitMs`), which keeps the audit trail free of a global bottleneck. Sealers are serialised with
 * an advisory transaction lock, and each block is sealed in its own short transaction.
 */

const EVENT_TAG = 'openmace-audit-event-v1\n'
const SEAL_TAG = 'openmace-audit-seal-v1\n'
export const GENESIS_HASH = '0'.repeat(64)
// Arbitrary but fixed (migrations use 7_246_310_001, the demo seed 7_246_310_003).
const SEAL_LOCK_KEY = 7_246_310_002
const INDEX_ENTRY_BYTES = 16
// The first block covers every id above the smallest bigint: a row forged with id 0 or below is still checked.
const BEFORE_FIRST = '-9223372036854775808'

/** The columns of audit_event in canonical order: a test compares this with the table. */
export const CANONICAL_COLUMNS = [
  'id',
  'partnership_id',
  'occurred_at',
  'actor_id',
  'actor_role',
  'actor_agency_id',
  'action',
  'record_type',
  'record_id',
  'outcome',
  'reason',
  'request_id',
  'ip',
  'details',
] as const

/**
 * An audit event as the seal hashes it: the table's columns as text, the time and the details in the canonical
 * form the sealing query prints (so the hash does not depend on how a driver parses them).
 */
type CanonicalRow = Omit<Selectable<AuditEventTable>, 'occurred_at' | 'outcome' | 'details'> & {
  occurred_at: string
  outcome: string
  details: string
}

export interface SealInfo {
  seq: string
  firstEventId: string
  lastEventId: string
  rowCount: number
  hash: string
  sealedAt: Date
}

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex')
}

export function rowHash(row: CanonicalRow): string {
  return sha256(EVENT_TAG + JSON.stringify(CANONICAL_COLUMNS.map((c) => row[c])))
}

export function blockHash(seal: {
  seq: string
  firstEventId: string
  lastEventId: string
  rowCount: number
  previousHash: string
  rowHashes: string[]
}): string {
  return sha256(
    `${SEAL_TAG}${seal.seq}\n${seal.firstEventId}\n${seal.lastEventId}\n${seal.rowCount}\n${seal.previousHash}\n${seal.rowHashes.join('\n')}`,
  )
}

function rowIndex(rows: Array<{ id: string; hash: string }>): Buffer {
  const index = Buffer.alloc(rows.length * INDEX_ENTRY_BYTES)
  rows.forEach((row, i) => {
    index.writeBigInt64BE(BigInt(row.id), i * INDEX_ENTRY_BYTES)
    index.write(row.hash.slice(0, 16), i * INDEX_ENTRY_BYTES + 8, 'hex')
  })
  return index
}

function readIndex(index: Buffer): Array<{ id: string; digest: string }> {
  const entries: Array<{ id: string; digest: string }> = []
  for (let at = 0; at + INDEX_ENTRY_BYTES <= index.length; at += INDEX_ENTRY_BYTES) {
    entries.push({
      id: index.readBigInt64BE(at).toString(),
      digest: index.toString('hex', at + 8, at + INDEX_ENTRY_BYTES),
    })
  }
  return entries
}

/** Rows with after < id <= upTo in id order, each column as canonical text. */
async function canonicalRows(
  db: Executor,
  after: string,
  upTo: string,
  limit: number,
): Promise<CanonicalRow[]> {
  const result = await sql<CanonicalRow>`
    SELECT id::text AS id, partnership_id::text AS partnership_id,
           to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS occurred_at,
           actor_id::text AS actor_id, actor_role, actor_agency_id::text AS actor_agency_id, action, record_type,
           record_id, outcome, reason, request_id, ip::text AS ip, details::text AS details
      FROM audit_event
     WHERE id > ${after}::bigint AND id <= ${upTo}::bigint
     ORDER BY audit_event.id -- the column, not the text alias: ids sort as numbers
     LIMIT ${limit}`.execute(db)
  return result.rows
}

function toSealInfo(row: {
  seq: string
  first_event_id: string
  last_event_id: string
  row_count: number
  hash: string
  sealed_at: Date
}): SealInfo {
  return {
    seq: row.seq,
    firstEventId: row.first_event_id,
    lastEventId: row.last_event_id,
    rowCount: row.row_count,
    hash: row.hash,
    sealedAt: row.sealed_at,
  }
}

const sealColumns = ['seq', 'first_event_id', 'last_event_id', 'row_count', 'hash', 'sealed_at'] as const

export async function latestSeal(db: Executor): Promise<SealInfo | undefined> {
  const row = await db
    .selectFrom('audit_seal')
    .select(sealColumns)
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirst()
  return row && toSealInfo(row)
}

/** Virtual transaction ids of other transactions that hold a write lock on audit_event. */
async function auditWriters(trx: Transaction<DB>): Promise<string[]> {
  const result = await sql<{ vxid: string }>`
    SELECT DISTINCT virtualtransaction AS vxid
      FROM pg_locks
     WHERE locktype = 'relation'
       AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
       AND relation = 'audit_event'::regclass
       AND mode = 'RowExclusiveLock'
       AND granted
       AND pid IS DISTINCT FROM pg_backend_pid()`.execute(trx)
  return result.rows.map((r) => r.vxid)
}

async function waitForWriters(trx: Transaction<DB>, vxids: string[], waitMs: number): Promise<boolean> {
  const deadline = Date.now() + waitMs
  let pending = new Set(vxids)
  let delay = 5
  while (pending.size > 0) {
    if (Date.now() >= deadline) return false
    await sleep(delay)
    delay = Math.min(delay * 2, 200)
    const still = new Set(await auditWriters(trx))
    pending = new Set([...pending].filter((v) => still.has(v)))
  }
  return true
}

export interface SealOptions {
  /** Most rows in one block (default 10 000). */
  blockSize?: number
  /** Longest wait for in-flight audit writers before giving up this round (default 10 s). */
  waitMs?: number
  logger?: Logger
}

export interface SealResult {
  blocks: number
  rows: number
  latest?: SealInfo
}

/**
 * Seals every audit row committed before the call, in blocks of up to `blockSize` rows, each in its own
 * transaction. Returns what it sealed and the latest seal (whose hash should be copied out of the database:
 * it is logged at info level).
 */
export async function sealPending(database: Database, options: SealOptions = {}): Promise<SealResult> {
  const blockSize = options.blockSize ?? 10_000
  const waitMs = options.waitMs ?? 10_000
  let blocks = 0
  let rows = 0
  // A cut-off already proven final (no in-flight rows at or below it) holds for later blocks of this call.
  let safeUpTo = BEFORE_FIRST
  for (;;) {
    const sealed = await database.db.transaction().execute(async (trx) => {
      await sql`SELECT pg_advisory_xact_lock(${SEAL_LOCK_KEY})`.execute(trx)
      const previous = await trx
        .selectFrom('audit_seal')
        .select(sealColumns)
        .orderBy('seq', 'desc')
        .limit(1)
        .executeTakeFirst()
      const after = previous?.last_event_id ?? BEFORE_FIRST
      if (BigInt(safeUpTo) <= BigInt(after)) {
        const top = await sql<{ max: string | null }>`SELECT max(id)::text AS max FROM audit_event`.execute(
          trx,
        )
        const max = top.rows[0]?.max ?? null
        if (max === null || BigInt(max) <= BigInt(after)) return undefined
        const writers = await auditWriters(trx)
        if (!(await waitForWriters(trx, writers, waitMs))) {
          throw new AuditError(
            `audit rows up to id ${max} are not sealed: ${writers.length} transaction(s) writing audit events did not end within ${waitMs} ms`,
          )
        }
        safeUpTo = max
      }
      const block = await canonicalRows(trx, after, safeUpTo, blockSize)
      const first = block[0]
      const last = block.at(-1)
      if (first === undefined || last === undefined) return undefined
      const hashed = block.map((row) => ({ id: row.id, hash: rowHash(row) }))
      const seq = (BigInt(previous?.seq ?? '0') + 1n).toString()
      const previousHash = previous?.hash ?? GENESIS_HASH
      const hash = blockHash({
        seq,
        firstEventId: first.id,
        lastEventId: last.id,
        rowCount: block.length,
        previousHash,
        rowHashes: hashed.map((h) => h.hash),
      })
      const inserted = await trx
        .insertInto('audit_seal')
        .values({
          seq,
          first_event_id: first.id,
          last_event_id: last.id,
          row_count: block.length,
          previous_hash: previousHash,
          hash,
          row_index: rowIndex(hashed),
        })
        .returning(sealColumns)
        .executeTakeFirstOrThrow()
      return toSealInfo(inserted)
    })
    if (sealed === undefined) break
    blocks += 1
    rows += sealed.rowCount
    options.logger?.info(
      { seal: sealed.seq, lastEventId: sealed.lastEventId, rows: sealed.rowCount, hash: sealed.hash },
      'audit block sealed',
    )
  }
  return { blocks, rows, latest: await latestSeal(database.db) }
}

export interface VerifyResult {
  ok: boolean
  seals: number
  sealedRows: number
  unsealedRows: number
  latest?: SealInfo
  /** The first row found altered, deleted or inserted into a sealed block. */
  firstBrokenEventId?: string
  /** The first seal whose block or chain does not verify. */
  brokenSeal?: string
  message: string
}

interface StoredSeal {
  seq: string
  first_event_id: string
  last_event_id: string
  row_count: number
  previous_hash: string
  hash: string
  row_index: Buffer
  sealed_at: Date
}

/** Compares a block's rows with its seal's row index; returns the first discrepancy by id. */
function firstDifference(
  rows: Array<{ id: string; hash: string }>,
  index: Array<{ id: string; digest: string }>,
): { id: string; what: string } | undefined {
  let i = 0
  let j = 0
  while (i < rows.length || j < index.length) {
    const row = rows[i]
    const entry = index[j]
    if (row === undefined && entry !== undefined) return { id: entry.id, what: 'was deleted' }
    if (entry === undefined && row !== undefined)
      return { id: row.id, what: 'was added after its block was sealed' }
    if (row === undefined || entry === undefined) return undefined
    const rowId = BigInt(row.id)
    const entryId = BigInt(entry.id)
    if (rowId > entryId) return { id: entry.id, what: 'was deleted' }
    if (rowId < entryId) return { id: row.id, what: 'was added after its block was sealed' }
    if (row.hash.slice(0, 16) !== entry.digest) return { id: row.id, what: 'was altered' }
    i += 1
    j += 1
  }
  return undefined
}

/**
 * Recomputes every sealed block and the chain. Run it with a role that sees every audit row (the owner, or the
 * runtime role while audit_event has no row-level security).
 */
export async function verifyAudit(
  db: Executor,
  options: { expect?: { seq: string; hash: string } } = {},
): Promise<VerifyResult> {
  let previousHash = GENESIS_HASH
  let previousLast = BEFORE_FIRST
  let expectedSeq = 1n
  let seals = 0
  let sealedRows = 0
  let latest: SealInfo | undefined
  const countUnsealed = async (after: string) =>
    Number(
      (
        await sql<{ n: string }>`SELECT count(*) AS n FROM audit_event WHERE id > ${after}::bigint`.execute(
          db,
        )
      ).rows[0]?.n ?? 0,
    )
  const broken = async (
    seal: StoredSeal,
    message: string,
    firstBrokenEventId?: string,
  ): Promise<VerifyResult> => ({
    ok: false,
    seals,
    sealedRows,
    unsealedRows: await countUnsealed(previousLast),
    ...(latest && { latest }),
    ...(firstBrokenEventId !== undefined && { firstBrokenEventId }),
    brokenSeal: seal.seq,
    message,
  })

  for (;;) {
    const batch: StoredSeal[] = await db
      .selectFrom('audit_seal')
      .selectAll()
      .where('seq', '>=', expectedSeq.toString())
      .orderBy('seq')
      .limit(100)
      .execute()
    if (batch.length === 0) break
    for (const seal of batch) {
      if (BigInt(seal.seq) !== expectedSeq) {
        return broken(
          seal,
          `audit seal ${expectedSeq} is missing (the next one is ${seal.seq})`,
          previousLast,
        )
      }
      if (seal.previous_hash !== previousHash) {
        return broken(
          seal,
          `audit seal ${seal.seq} does not chain to seal ${expectedSeq - 1n}: a seal was rewritten`,
          seal.first_event_id,
        )
      }
      const rows = await canonicalRows(db, previousLast, seal.last_event_id, 2_147_483_647)
      const hashed = rows.map((row) => ({ id: row.id, hash: rowHash(row) }))
      const difference = firstDifference(hashed, readIndex(seal.row_index))
      if (difference !== undefined) {
        return broken(
          seal,
          `audit row ${difference.id} ${difference.what} (sealed in block ${seal.seq})`,
          difference.id,
        )
      }
      const recomputed = blockHash({
        seq: seal.seq,
        firstEventId: rows[0]?.id ?? '',
        lastEventId: seal.last_event_id,
        rowCount: rows.length,
        previousHash,
        rowHashes: hashed.map((h) => h.hash),
      })
      if (recomputed !== seal.hash || rows[0]?.id !== seal.first_event_id || rows.length !== seal.row_count) {
        return broken(
          seal,
          `audit seal ${seal.seq} does not match its rows (ids ${seal.first_event_id} to ${seal.last_event_id}): the seal was rewritten`,
          seal.first_event_id,
        )
      }
      seals += 1
      sealedRows += rows.length
      previousHash = seal.hash
      previousLast = seal.last_event_id
      latest = toSealInfo(seal)
      expectedSeq += 1n
    }
  }
  const unsealedRows = await countUnsealed(previousLast)
  // What was checked, whatever the verdict.
  const counts = { seals, sealedRows, unsealedRows, ...(latest && { latest }) }
  const expect = options.expect
  if (expect !== undefined) {
    const kept = await db
      .selectFrom('audit_seal')
      .select('hash')
      .where('seq', '=', expect.seq)
      .executeTakeFirst()
    if (kept?.hash !== expect.hash.toLowerCase()) {
      return {
        ok: false,
        ...counts,
        brokenSeal: expect.seq,
        message:
          kept === undefined
            ? `audit seal ${expect.seq} is missing: the chain was rewritten or truncated`
            : `audit seal ${expect.seq} has a different hash from the copy kept outside the database: the chain was rewritten`,
      }
    }
  }
  return {
    ok: true,
    ...counts,
    message: `audit trail intact: ${sealedRows} row(s) in ${seals} seal(s), ${unsealedRows} not yet sealed`,
  }
}
