import type { Transaction } from 'kysely'
import type { DB } from '../../db/schema.ts'
import type { AuditDetails } from '../audit/audit-writer.ts'
import type { RequestContext } from '../auth/auth-service.ts'
import { ConflictError, NotFoundError } from '../errors.ts'
import { decideNewThing, decideThing, type Actor, type Decision, type ThingFacts } from './policy.ts'
import type { RecordAccess, RecordKind } from './record-access.ts'
import { thingFacts } from './thing-facts.ts'

/**
 * Places and things (locations and objects): the shared POLE entities of a partnership, each kept the same way
 * whatever it is. A place or thing is reached through the record-access kit (its kind decided by the policy's
 * place/thing rule, decideThing), every read and every denial audited; a new one is recorded on decideNewThing; a
 * change is made on the version it was loaded at (ConflictError otherwise), with its audit row, in one
 * transaction. What differs between kinds (their fields, their checks, their view) is the kind's spec.
 */

/** What every place or thing row has. */
export interface ThingRow {
  id: string
  partnershipId: string
  version: number
}

/** A place or thing as the record-access kit reaches it: its row and the policy's facts about it (decideThing). */
export type ThingReached<Row> = Row & { facts: ThingFacts }

/** What every stored place or thing has besides its own fields (row-level security limits it to a partnership). */
export interface ThingStored extends ThingRow {
  createdAt: Date
  createdByName: string | null
  updatedAt: Date
}

/** What pages and the API show of every place or thing besides its own fields. */
export interface ThingShown {
  id: string
  kind: string
  kindLabel: string
  description: string | null
  createdAt: string
  createdByName: string | null
  updatedAt: string
  version: number
  /**
   * Its description written from an intelligence entry (i12d), where the reader may see the entry (sanitised for a
   * MACE member); null otherwise, as if there were none. Absent where the kind has no such descriptions.
   */
  intelligenceDescription?: DerivedDescriptionShown | null
}

/** A place's or thing's description from intelligence, as its reader may see it. */
export interface DerivedDescriptionShown {
  text: string
  intelligenceId: string
  grading: string
  full: boolean
}

/** Where descriptions from intelligence come from (the intelligence service), for a reader's decision on the record. */
export interface DerivedDescriptions {
  descriptionOf(
    trx: Transaction<DB>,
    actor: Actor,
    record: { kind: ThingFacts['kind']; id: string },
    thing: Decision,
  ): Promise<DerivedDescriptionShown | null>
}

/** The shown fields every place or thing has, from its row and its kind's label. */
export function thingShown(
  row: ThingStored & { kind: string; description: string | null },
  kindLabel: string,
): ThingShown {
  return {
    id: row.id,
    kind: row.kind,
    kindLabel,
    description: row.description,
    createdAt: row.createdAt.toISOString(),
    createdByName: row.createdByName,
    updatedAt: row.updatedAt.toISOString(),
    version: row.version,
  }
}

/** How a kind of place or thing is stored (its repository). */
export interface ThingStore<Row, Input> {
  find(db: Transaction<DB>, id: string, options?: { forUpdate?: boolean }): Promise<Row | undefined>
  create(
    db: Transaction<DB>,
    value: Input & { partnershipId: string; createdBy: string | null },
  ): Promise<string>
  /** False when someone else changed it first (the version moved on). */
  update(db: Transaction<DB>, id: string, version: number, input: Input, updatedBy: string): Promise<boolean>
}

export interface ThingSpec<Row extends ThingRow, Form, Input extends { kind: string }, View> {
  kind: ThingFacts['kind']
  store: ThingStore<Row, Input>
  /** Checks and normalises the input: ValidationError, with a message on each field that is wrong. */
  parse(form: Form): Input
  /** A change checked against the record it changes (an object keeps its kind), used instead of `parse`. */
  parseChange?(form: Form, row: Row): Input
  view(row: Row): View
  /** What a new one's audit row says about it (codes, never content). */
  createDetails(input: Input): AuditDetails
  /** A check against the other records before writing (an identifier another record holds): throws. */
  beforeWrite?(trx: Transaction<DB>, input: Input, exceptId?: string): Promise<void>
  /** The error to answer instead of a database error that stands for a field error (a unique index). */
  refusal?(error: unknown, input: Input): Error | undefined
  /** Its descriptions from intelligence, shown on a read as far as the reader may see their entries. */
  descriptions?: DerivedDescriptions
}

/** How a read reached the record: its page, the API, or its edit form. */
export type ThingChannel = 'page' | 'api' | 'edit'

/** A place or thing as its reader may see it, and whether the policy lets them change it. */
export interface ThingRead<View> {
  record: View
  canEdit: boolean
}

export function thingService<Row extends ThingRow, Form, Input extends { kind: string }, View>(
  access: RecordAccess,
  spec: ThingSpec<Row, Form, Input, View>,
) {
  /**
   * How the record-access kit reaches one: locked for a change, with the facts of who recorded it and who it is
   * linked to, decided by the policy's place/thing rule.
   */
  const records: RecordKind<ThingReached<Row>> = {
    type: spec.kind,
    load: async (trx, id, actor, { lock }) => {
      const row = await spec.store.find(trx, id, { forUpdate: lock })
      if (row === undefined) return undefined
      const facts = await thingFacts(trx, spec.kind, id, actor.userId)
      return { ...row, facts: facts ?? { kind: spec.kind, partnershipId: row.partnershipId } }
    },
    decide: (actor, action, row) => decideThing(actor, action, row.facts),
  }

  /** The row just written (the change's own transaction sees it). */
  async function written(trx: Transaction<DB>, id: string): Promise<Row> {
    const row = await spec.store.find(trx, id)
    if (row === undefined) throw new Error(`${spec.kind} written but not found`)
    return row
  }

  /** Runs a write; a database refusal that stands for a field error is answered as that error. */
  async function refusing<T>(input: () => Input | undefined, work: () => Promise<T>): Promise<T> {
    try {
      return await work()
    } catch (error) {
      const given = input()
      throw (given === undefined ? undefined : spec.refusal?.(error, given)) ?? error
    }
  }

  return {
    /** How other services reach one of these through the record-access kit. */
    records,

    /** One, audited as a read (`via`); NotFoundError when missing or not allowed (the denial audited). */
    async read(
      actor: Actor,
      id: string,
      ctx: RequestContext,
      via: ThingChannel = 'page',
      options: { trx?: Transaction<DB> } = {},
    ): Promise<ThingRead<View>> {
      return access.read(
        actor,
        records,
        id,
        ctx,
        { via, trx: options.trx },
        async (trx, { row, decision }) => {
          const view = spec.view(row)
          const derived = await spec.descriptions?.descriptionOf(
            trx,
            actor,
            { kind: spec.kind, id },
            decision,
          )
          return {
            record: derived === undefined ? view : { ...view, intelligenceDescription: derived },
            canEdit: records.decide(actor, 'write', row).allowed,
          }
        },
      )
    },

    /** Records a new one with its audit row; bad input: ValidationError, nothing written. */
    async create(actor: Actor, form: Form, ctx: RequestContext, via: 'page' | 'api' = 'page'): Promise<View> {
      const input = spec.parse(form)
      const decision = decideNewThing(actor, spec.kind)
      // The route already refused a role that may not record one; an API token's narrower scopes end here.
      if (!decision.allowed) throw new NotFoundError()
      return refusing(
        () => input,
        () =>
          access.within(actor, undefined, async (trx) => {
            await spec.beforeWrite?.(trx, input)
            const id = await spec.store.create(trx, {
              ...input,
              partnershipId: actor.partnershipId,
              createdBy: actor.userId,
            })
            await access.changed(trx, actor, ctx, { type: spec.kind, id }, decision, {
              action: 'record.create',
              details: { via, ...spec.createDetails(input) },
            })
            return spec.view(await written(trx, id))
          }),
      )
    },

    /**
     * Changes one the actor may change, if nobody changed it since they loaded it (`version`): ConflictError
     * otherwise; ValidationError for bad input. Nothing is written on any error.
     */
    async update(
      actor: Actor,
      id: string,
      version: number,
      form: Form,
      ctx: RequestContext,
      via: 'page' | 'api' = 'page',
    ): Promise<View> {
      let input = spec.parseChange === undefined ? spec.parse(form) : undefined
      return refusing(
        () => input,
        () =>
          access.write(actor, records, id, ctx, async (trx, { row, decision }) => {
            const checked = input ?? spec.parseChange?.(form, row) ?? spec.parse(form)
            input = checked
            if (row.version !== version) throw new ConflictError()
            await spec.beforeWrite?.(trx, checked, id)
            if (!(await spec.store.update(trx, id, version, checked, actor.userId))) throw new ConflictError()
            await access.changed(trx, actor, ctx, { type: spec.kind, id }, decision, {
              action: 'record.update',
              details: { via, kind: checked.kind, version: version + 1 },
            })
            return spec.view(await written(trx, id))
          }),
      )
    },
  }
}

export type ThingService<Row extends ThingRow, Form, Input extends { kind: string }, View> = ReturnType<
  typeof thingService<Row, Form, Input, View>
>
