import type { Transaction } from 'kysely'
import { withTransaction, type Database } from '../../db/database.ts'
import type { DB } from '../../db/schema.ts'
import type { AuditDetails, AuditEvent, AuditWriter } from '../audit/audit-writer.ts'
import type { RequestContext } from '../auth/auth-service.ts'
import { ForbiddenError, NotFoundError } from '../errors.ts'
import { actorEvent, rlsContextOf } from './actor.ts'
import { isDecisionFor, type Actor, type Decision, type RecordAction } from './policy.ts'

/**
 * The record-access kit: the one way a service reaches a record. For any kind of record it loads the record with
 * the facts the policy needs, asks the kind's named decision in src/platform/access/policy.ts, writes the read or
 * the denial to the audit trail (break-glass marked), and answers "not found" on a denial exactly as for a record
 * that is not there. A list goes through the same decision for each item, and each item shown is audited as a
 * read of its own; an item the policy refuses never leaves the kit.
 *
 * Services never take a Decision from their callers: they reach records here, so a decision cannot be forged
 * or replayed (the kit refuses any decision the policy did not make for this actor).
 */

/** How one kind of record is reached. */
export interface RecordKind<Row> {
  /** The record type in the audit trail: 'person', 'referral', 'location', … */
  readonly type: string
  /** The record with its policy facts, or undefined. `lock` for a change (SELECT … FOR UPDATE). */
  load(trx: Transaction<DB>, id: string, actor: Actor, options: LoadOptions): Promise<Row | undefined>
  /** The kind's named decision in policy.ts. */
  decide(actor: Actor, action: RecordAction, row: Row): Decision
}

export interface LoadOptions {
  lock: boolean
  /** The caller shows the whole record (a page) rather than a line of a list. */
  details: boolean
}

export interface Reached<Row> {
  row: Row
  decision: Decision
}

/** What the kit does with a reached record, in the transaction it was reached in. */
export type RecordWork<Row, T> = (trx: Transaction<DB>, reached: Reached<Row>) => Promise<T>

/** How to reach the record, and the caller's transaction to do it in (else a new one). */
export type RecordWorkOptions = ReachOptions & { trx?: Transaction<DB> | undefined }

export interface ReachOptions {
  /** How the read reached us (page, api, a form, a list…): recorded with the read. */
  via?: string
  /** Lock the row for a change (default: for a write). */
  lock?: boolean
  /** Load the whole record (default true); false for a line of a list. */
  whole?: boolean
  /** More details for the read's audit row (codes and counts only). */
  auditDetails?: AuditDetails
  /** Collect the read's audit event here (the caller writes a page's events in one statement). */
  events?: AuditEvent[]
  /** A named decision other than the kind's own (a workflow move's `may`). */
  decide?: (actor: Actor, row: never) => Decision
  /** Reached to change it: no read row, whatever the action (the change writes its own). */
  quiet?: boolean
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/**
 * A forged decision, or one made for someone else, reached the kit: refused (403) and audited as a security event,
 * in a transaction of its own so that the refusal is kept whatever the caller does next.
 */
export class ForgedDecisionError extends ForbiddenError {
  override name = 'ForgedDecisionError'
}

export function recordAccess(database: Database, audit: AuditWriter) {
  /** The audit row of an allowed read: who, which record, how, and whether through break-glass. */
  function readEvent(
    actor: Actor,
    ctx: RequestContext,
    type: string,
    id: string,
    decision: Decision,
    via: string | undefined,
    details: AuditDetails = {},
  ): AuditEvent {
    return actorEvent(actor, ctx, {
      action: 'record.read',
      outcome: 'allowed',
      record: { type, id },
      details: {
        ...(via === undefined ? {} : { via }),
        ...details,
        breakGlass: decision.breakGlass,
        relationships: decision.relationships.join(' '),
      },
    })
  }

  function denialEvent(
    actor: Actor,
    ctx: RequestContext,
    type: string,
    id: string,
    decision: Decision | undefined,
    via: string | undefined,
  ): AuditEvent {
    return actorEvent(actor, ctx, {
      action: 'access.denied',
      outcome: 'denied',
      record: { type, id },
      reason: decision === undefined ? 'no such record' : `denied: ${decision.denial ?? 'relationship'}`,
      details: via === undefined ? {} : { via },
    })
  }

  /** Refuses a decision the policy did not make for this actor. */
  async function checked(
    actor: Actor,
    ctx: RequestContext,
    record: { type: string; id: string },
    decision: Decision,
  ): Promise<Decision> {
    if (isDecisionFor(decision, actor)) return decision
    await withTransaction(database, rlsContextOf(actor), (trx) =>
      audit.write(trx, {
        ...denialEvent(actor, ctx, record.type, record.id, undefined, undefined),
        reason: 'forged decision',
      }),
    )
    throw new ForgedDecisionError('A decision not made by the access policy for you was refused.')
  }

  async function reach<Row>(
    trx: Transaction<DB>,
    actor: Actor,
    kind: RecordKind<Row>,
    id: string,
    action: RecordAction,
    ctx: RequestContext,
    options: ReachOptions = {},
  ): Promise<Reached<Row> | undefined> {
    const lock = options.lock ?? action === 'write'
    const row = UUID.test(id)
      ? await kind.load(trx, id, actor, { lock, details: options.whole ?? true })
      : undefined
    const decide =
      (options.decide as ((actor: Actor, row: Row) => Decision) | undefined) ??
      ((a: Actor, r: Row) => kind.decide(a, action, r))
    const decision =
      row === undefined ? undefined : await checked(actor, ctx, { type: kind.type, id }, decide(actor, row))
    if (row === undefined || decision === undefined || !decision.allowed) {
      // A denial is written at once, in this transaction: the caller answers not-found after it commits.
      await audit.write(trx, denialEvent(actor, ctx, kind.type, id, decision, options.via))
      return undefined
    }
    if (action === 'read' && options.quiet !== true) {
      const event = readEvent(actor, ctx, kind.type, id, decision, options.via, options.auditDetails)
      if (options.events !== undefined) options.events.push(event)
      else await audit.writeAtCommit(trx, [event])
    }
    return { row, decision }
  }

  /** Runs `work` in the caller's transaction, or in a new one with the actor's row-level security context. */
  async function within<T>(
    actor: Actor,
    trx: Transaction<DB> | undefined,
    work: (trx: Transaction<DB>) => Promise<T>,
  ): Promise<T> {
    if (trx !== undefined) return work(trx)
    return withTransaction(database, rlsContextOf(actor), work)
  }

  async function withRecord<Row, T>(
    actor: Actor,
    kind: RecordKind<Row>,
    id: string,
    action: RecordAction,
    ctx: RequestContext,
    options: RecordWorkOptions,
    work: RecordWork<Row, T>,
  ): Promise<T> {
    const MISSING = Symbol('missing')
    const result = await within(actor, options.trx, async (trx) => {
      const reached = await reach(trx, actor, kind, id, action, ctx, options)
      if (reached === undefined) {
        if (options.trx !== undefined) throw new NotFoundError()
        return MISSING
      }
      return { value: await work(trx, reached) }
    })
    if (result === MISSING) throw new NotFoundError()
    return result.value
  }

  function recordWork(action: RecordAction) {
    // One signature: `work` alone, or `options` then `work` (a rest of either tuple, contextually typed).
    return function run<Row, T>(
      actor: Actor,
      kind: RecordKind<Row>,
      id: string,
      ctx: RequestContext,
      ...rest: [RecordWork<Row, T>] | [RecordWorkOptions, RecordWork<Row, T>]
    ): Promise<T> {
      const [options, work] = rest.length === 1 ? [{}, rest[0]] : rest
      return withRecord(actor, kind, id, action, ctx, options, work)
    }
  }

  return {
    reach,
    within,

    /**
     * One record to read, then `work` with it in the same transaction (`options` before `work`, when given). On a
     * denial (or no such record) the denial's audit row commits and NotFoundError is thrown; inside a caller's
     * transaction (`options.trx`), NotFoundError is thrown there and the caller's transaction decides.
     */
    read: recordWork('read'),

    /** One record to change (locked), then `work` with it in the same transaction; denials as for `read`. */
    write: recordWork('write'),

    /**
     * The items of a list the actor may read, each audited as a read of its own (one statement for the list, at
     * commit, or into `events`); the others are left out, as if they did not exist.
     */
    async shown<Row>(
      trx: Transaction<DB>,
      actor: Actor,
      kind: Pick<RecordKind<Row>, 'type' | 'decide'>,
      rows: readonly Row[],
      idOf: (row: Row) => string,
      ctx: RequestContext,
      options: {
        via: string
        events?: AuditEvent[]
        decide?: (row: Row) => Decision
        /** The records each item shows, each audited as read (default: the item itself). */
        records?: (row: Row) => Array<{ type: string; id: string }>
        /** More details for each item's read (codes and counts only: a duplicate's score). */
        details?: (row: Row) => AuditDetails
      },
    ): Promise<Array<Reached<Row>>> {
      const shown: Array<Reached<Row>> = []
      const events: AuditEvent[] = []
      const seen = new Set<string>()
      for (const row of rows) {
        const record = { type: kind.type, id: idOf(row) }
        const decision = await checked(
          actor,
          ctx,
          record,
          (options.decide ?? ((r: Row) => kind.decide(actor, 'read', r)))(row),
        )
        if (!decision.allowed) continue
        shown.push({ row, decision })
        for (const record of options.records?.(row) ?? [{ type: kind.type, id: idOf(row) }]) {
          const key = `${record.type}:${record.id}`
          if (seen.has(key)) continue
          seen.add(key)
          events.push(
            readEvent(actor, ctx, record.type, record.id, decision, options.via, options.details?.(row)),
          )
        }
      }
      if (options.events !== undefined) options.events.push(...events)
      else await audit.writeAtCommit(trx, events)
      return shown
    },

    /**
     * The audit row of a change to a reached record (created, updated, ended…), marked when the change was made
     * through break-glass so that the data protection officer sees it.
     */
    async changed(
      trx: Transaction<DB>,
      actor: Actor,
      ctx: RequestContext,
      record: { type: string; id: string },
      decision: Decision,
      event: { action: AuditEvent['action']; details?: AuditDetails; reason?: string },
    ): Promise<string> {
      await checked(actor, ctx, record, decision)
      return audit.write(
        trx,
        actorEvent(actor, ctx, {
          action: event.action,
          outcome: 'succeeded',
          record,
          ...(event.reason === undefined ? {} : { reason: event.reason }),
          details: { ...event.details, ...(decision.breakGlass ? { breakGlass: true } : {}) },
        }),
      )
    },

    /** The audit row of a refusal that is about a record but not a decision on it (e.g. not your own concern). */
    async denied(
      trx: Transaction<DB>,
      actor: Actor,
      ctx: RequestContext,
      type: string,
      id: string,
      reason: string,
    ) {
      await audit.write(trx, { ...denialEvent(actor, ctx, type, id, undefined, undefined), reason })
    },

    /** Audit events written by the caller with its own (a page of several reads in one statement). */
    writeAtCommit: (trx: Transaction<DB>, events: AuditEvent[]) => audit.writeAtCommit(trx, events),
  }
}

export type RecordAccess = ReturnType<typeof recordAccess>

// a13: allocation (issue 13)
/** The records a list's item shows, each audited as a read of its own: the item, and the child it names. */
export function itemAndChild(type: string) {
  return (row: { id: string; personId: string }): Array<{ type: string; id: string }> => [
    { type, id: row.id },
    { type: 'person', id: row.personId },
  ]
}
