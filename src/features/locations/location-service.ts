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
import { ConflictError, NotFoundError } from '../../platform/errors.ts'
import type { LocationRepository, LocationRow } from './location-repository.ts'
import { LOCATION_KIND_LABELS, parseLocation, type LocationForm } from './location-validation.ts'

/** A location as pages and the API show it. */
export interface LocationView {
  id: string
  kind: string
  kindLabel: string
  /** What to call it: the premises or place name, else the first line of the address. */
  title: string
  name: string | null
  addressLine1: string | null
  addressLine2: string | null
  town: string | null
  postcode: string | null
  latitude: string | null
  longitude: string | null
  description: string | null
  createdAt: string
  createdByName: string | null
  updatedAt: string
  version: number
}

export type LocationChannel = 'page' | 'api' | 'edit' | 'tasks'

export function locationTitle(row: Pick<LocationRow, 'name' | 'addressLine1' | 'postcode'>): string {
  const main = row.name ?? row.addressLine1 ?? 'Location'
  return row.postcode === null ? main : `${main}, ${row.postcode}`
}

export function locationView(row: LocationRow): LocationView {
  return {
    id: row.id,
    kind: row.kind,
    kindLabel: LOCATION_KIND_LABELS[row.kind],
    title: locationTitle(row),
    name: row.name,
    addressLine1: row.addressLine1,
    addressLine2: row.addressLine2,
    town: row.town,
    postcode: row.postcode,
    latitude: row.latitude,
    longitude: row.longitude,
    description: row.description,
    createdAt: row.createdAt.toISOString(),
    createdByName: row.createdByName,
    updatedAt: row.updatedAt.toISOString(),
    version: row.version,
  }
}

const DENIED: Decision = missingRecord()

/**
 * Locations (addresses, premises, public places): shared POLE entities of the partnership. The policy decides
 * (decide with kind 'location'); every read is audited, as a location can hold intelligence (a cuckooed flat).
 */
export function locationService(database: Database, locations: LocationRepository, audit: AuditWriter) {
  const context = (actor: Actor) => ({ actorId: actor.userId, partnershipId: actor.partnershipId })

  /** The row and the actor's decision on it, with the access.denied row written when it is not allowed. */
  async function decided(
    trx: Transaction<DB>,
    actor: Actor,
    id: string,
    action: RecordAction,
    ctx: RequestContext,
  ): Promise<{ row: LocationRow; decision: Decision } | undefined> {
    const row = await locations.find(trx, id)
    const decision =
      row === undefined
        ? DENIED
        : decide(actor, action, { kind: 'location', partnershipId: row.partnershipId })
    if (row === undefined || !decision.allowed) {
      await audit.write(trx, {
        action: 'access.denied',
        outcome: 'denied',
        partnershipId: actor.partnershipId,
        actor: auditActorOf(actor),
        record: { type: 'location', id },
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
  async function written(trx: Transaction<DB>, id: string): Promise<LocationRow> {
    const row = await locations.find(trx, id)
    if (row === undefined) throw new Error('location written but not found')
    return row
  }

  /** Reads a location inside the caller's transaction, audited; undefined when missing or not allowed. */
  async function readIn(
    trx: Transaction<DB>,
    actor: Actor,
    id: string,
    ctx: RequestContext,
    via: LocationChannel,
  ): Promise<{ location: LocationView; decision: Decision } | undefined> {
    const found = await decided(trx, actor, id, 'read', ctx)
    if (found === undefined) return undefined
    await audit.write(trx, {
      action: 'record.read',
      outcome: 'allowed',
      partnershipId: actor.partnershipId,
      actor: auditActorOf(actor),
      record: { type: 'location', id },
      requestId: ctx.requestId,
      ip: ctx.ip,
      details: { via },
    })
    return { location: locationView(found.row), decision: found.decision }
  }

  return {
    readIn,

    async read(
      actor: Actor,
      id: string,
      ctx: RequestContext,
      via: LocationChannel = 'page',
    ): Promise<{ location: LocationView; decision: Decision }> {
      const result = await withTransaction(database, context(actor), (trx) =>
        readIn(trx, actor, id, ctx, via),
      )
      if (result === undefined) throw new NotFoundError()
      return result
    },

    /** Records a new location; its audit row commits with it. Bad input: ValidationError, nothing written. */
    async create(
      actor: Actor,
      form: LocationForm,
      ctx: RequestContext,
      via: 'page' | 'api' = 'page',
    ): Promise<LocationView> {
      const input = parseLocation(form)
      const decision = decide(actor, 'write', { kind: 'location', partnershipId: actor.partnershipId })
      // The route already refused a role without link:write; an API token's narrower scopes end here.
      if (!decision.allowed) throw new NotFoundError()
      return withTransaction(database, context(actor), async (trx) => {
        const id = await locations.create(trx, {
          ...input,
          partnershipId: actor.partnershipId,
          createdBy: actor.userId,
        })
        await audit.write(trx, {
          action: 'record.create',
          outcome: 'succeeded',
          partnershipId: actor.partnershipId,
          actor: auditActorOf(actor),
          record: { type: 'location', id },
          requestId: ctx.requestId,
          ip: ctx.ip,
          details: { via, kind: input.kind, coordinates: input.latitude !== null },
        })
        return locationView(await written(trx, id))
      })
    },

    /**
     * Changes a location the actor may write, if nobody changed it since they loaded it (`version`):
     * otherwise ConflictError, and nothing is written.
     */
    async update(
      actor: Actor,
      id: string,
      version: number,
      form: LocationForm,
      ctx: RequestContext,
      via: 'page' | 'api' = 'page',
    ): Promise<LocationView> {
      const input = parseLocation(form)
      const outcome = await withTransaction(database, context(actor), async (trx) => {
        const found = await decided(trx, actor, id, 'write', ctx)
        if (found === undefined) return 'not-found' as const
        if (
          found.row.version !== version ||
          !(await locations.update(trx, id, version, input, actor.userId))
        ) {
          return 'stale' as const
        }
        await audit.write(trx, {
          action: 'record.update',
          outcome: 'succeeded',
          partnershipId: actor.partnershipId,
          actor: auditActorOf(actor),
          record: { type: 'location', id },
          requestId: ctx.requestId,
          ip: ctx.ip,
          details: { via, kind: input.kind, version: version + 1 },
        })
        return locationView(await written(trx, id))
      })
      if (outcome === 'not-found') throw new NotFoundError()
      if (outcome === 'stale') throw new ConflictError()
      return outcome
    },
  }
}

export type LocationService = ReturnType<typeof locationService>
