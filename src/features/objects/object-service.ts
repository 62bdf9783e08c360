import type { Transaction } from 'kysely'
import { withTransaction, type Database } from '../../db/database.ts'
import type { DB } from '../../db/schema.ts'
import { auditActorOf } from '../../platform/access/actor.ts'
import {
  decide,
  type Actor,
  type Decision,
  type RecordAction,
  missingRecord,
} from '../../platform/access/policy.ts'
import type { AuditWriter } from '../../platform/audit/audit-writer.ts'
import type { RequestContext } from '../../platform/auth/auth-service.ts'
import { ConflictError, NotFoundError, ValidationError } from '../../platform/errors.ts'
import type { ObjectRepository, ObjectRow } from './object-repository.ts'
import {
  displayValue,
  OBJECT_KIND_LABELS,
  parseObject,
  VALUE_NOUN,
  type ObjectForm,
  type ObjectInput,
} from './object-validation.ts'

/** An object (phone, vehicle, online handle, other) as pages and the API show it. */
export interface ObjectView {
  id: string
  kind: string
  kindLabel: string
  /** As stored: E.164 for a phone, "AB12CDE" for a vehicle, the handle without "@". */
  value: string
  /** As people write it: "0113 496 0123", "AB12 CDE", "@name". */
  displayValue: string
  platform: string | null
  description: string | null
  createdAt: string
  createdByName: string | null
  updatedAt: string
  version: number
}

export function objectView(row: ObjectRow): ObjectView {
  return {
    id: row.id,
    kind: row.kind,
    kindLabel: OBJECT_KIND_LABELS[row.kind],
    value: row.value,
    displayValue: displayValue(row.kind, row.value),
    platform: row.platform,
    description: row.description,
    createdAt: row.createdAt.toISOString(),
    createdByName: row.createdByName,
    updatedAt: row.updatedAt.toISOString(),
    version: row.version,
  }
}

const DENIED: Decision = missingRecord()
const UNIQUE_VIOLATION = '23505'

const duplicate = (input: ObjectInput) =>
  new ValidationError([
    {
      field: 'value',
      message:
        input.kind === 'online-handle'
          ? `This handle on ${input.platform ?? 'this platform'} is already recorded: use the existing record`
          : `This ${VALUE_NOUN[input.kind]} is already recorded: use the existing record`,
    },
  ])

const isUniqueViolation = (error: unknown) =>
  typeof error === 'object' && error !== null && (error as { code?: unknown }).code === UNIQUE_VIOLATION

/**
 * Objects: phones, vehicles, online handles and other things — shared POLE entities of the partnership (the
 * policy's decide with kind 'object'). An identifier is on one record only: a second identical phone, vehicle or
 * handle is a field error, and nothing is written. Every read is audited.
 */
export function objectService(database: Database, objects: ObjectRepository, audit: AuditWriter) {
  const context = (actor: Actor) => ({ actorId: actor.userId, partnershipId: actor.partnershipId })

  async function decided(
    trx: Transaction<DB>,
    actor: Actor,
    id: string,
    action: RecordAction,
    ctx: RequestContext,
  ): Promise<{ row: ObjectRow; decision: Decision } | undefined> {
    const row = await objects.find(trx, id)
    const decision =
      row === undefined ? DENIED : decide(actor, action, { kind: 'object', partnershipId: row.partnershipId })
    if (row === undefined || !decision.allowed) {
      await audit.write(trx, {
        action: 'access.denied',
        outcome: 'denied',
        partnershipId: actor.partnershipId,
        actor: auditActorOf(actor),
        record: { type: 'object', id },
        reason: row === undefined ? 'no such record' : `denied: ${decision.denial ?? 'relationship'}`,
        requestId: ctx.requestId,
        ip: ctx.ip,
        details: { action },
      })
      return undefined
    }
    return { row, decision }
  }

  /** The row just written (the change's own transaction sees it). */
  async function written(trx: Transaction<DB>, id: string): Promise<ObjectRow> {
    const row = await objects.find(trx, id)
    if (row === undefined) throw new Error('object written but not found')
    return row
  }

  return {
    /** One object, audited as a read; NotFoundError when missing or not allowed (the denial audited). */
    async read(
      actor: Actor,
      id: string,
      ctx: RequestContext,
      via: 'page' | 'api' | 'edit' = 'page',
    ): Promise<{ object: ObjectView; decision: Decision }> {
      const result = await withTransaction(database, context(actor), async (trx) => {
        const found = await decided(trx, actor, id, 'read', ctx)
        if (found === undefined) return undefined
        await audit.write(trx, {
          action: 'record.read',
          outcome: 'allowed',
          partnershipId: actor.partnershipId,
          actor: auditActorOf(actor),
          record: { type: 'object', id },
          requestId: ctx.requestId,
          ip: ctx.ip,
          details: { via },
        })
        return { object: objectView(found.row), decision: found.decision }
      })
      if (result === undefined) throw new NotFoundError()
      return result
    },

    /** Records a new object; ValidationError (nothing written) for bad input or an identifier already held. */
    async create(
      actor: Actor,
      form: ObjectForm,
      ctx: RequestContext,
      via: 'page' | 'api' = 'page',
    ): Promise<ObjectView> {
      const input = parseObject(form)
      if (!decide(actor, 'write', { kind: 'object', partnershipId: actor.partnershipId }).allowed) {
        throw new NotFoundError()
      }
      try {
        return await withTransaction(database, context(actor), async (trx) => {
          if ((await objects.findSame(trx, input)) !== undefined) throw duplicate(input)
          const id = await objects.create(trx, {
            ...input,
            partnershipId: actor.partnershipId,
            createdBy: actor.userId,
          })
          await audit.write(trx, {
            action: 'record.create',
            outcome: 'succeeded',
            partnershipId: actor.partnershipId,
            actor: auditActorOf(actor),
            record: { type: 'object', id },
            requestId: ctx.requestId,
            ip: ctx.ip,
            details: { via, kind: input.kind },
          })
          return objectView(await written(trx, id))
        })
      } catch (error) {
        // Two people recording the same phone at once: the unique index decides, with the same message.
        if (isUniqueViolation(error)) throw duplicate(input)
        throw error
      }
    },

    /**
     * Changes an object (its kind stays) if nobody changed it since `version`: ConflictError otherwise;
     * ValidationError for bad input or an identifier another record holds. Nothing is written on any error.
     */
    async update(
      actor: Actor,
      id: string,
      version: number,
      form: ObjectForm,
      ctx: RequestContext,
      via: 'page' | 'api' = 'page',
    ): Promise<ObjectView> {
      let input: ObjectInput | undefined
      try {
        const outcome = await withTransaction(database, context(actor), async (trx) => {
          const found = await decided(trx, actor, id, 'write', ctx)
          if (found === undefined) return 'not-found' as const
          input = parseObject({ ...form, kind: found.row.kind })
          if (found.row.version !== version) return 'stale' as const
          if ((await objects.findSame(trx, input, id)) !== undefined) throw duplicate(input)
          if (!(await objects.update(trx, id, version, input, actor.userId))) return 'stale' as const
          await audit.write(trx, {
            action: 'record.update',
            outcome: 'succeeded',
            partnershipId: actor.partnershipId,
            actor: auditActorOf(actor),
            record: { type: 'object', id },
            requestId: ctx.requestId,
            ip: ctx.ip,
            details: { via, kind: input.kind, version: version + 1 },
          })
          return objectView(await written(trx, id))
        })
        if (outcome === 'not-found') throw new NotFoundError()
        if (outcome === 'stale') throw new ConflictError()
        return outcome
      } catch (error) {
        if (isUniqueViolation(error) && input !== undefined) throw duplicate(input)
        throw error
      }
    },
  }
}

export type ObjectService = ReturnType<typeof objectService>
