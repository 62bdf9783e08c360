import type { Transaction } from 'kysely'
import type { DB } from '../../db/schema.ts'
import { actorEvent } from '../../platform/access/actor.ts'
import { can, type Actor } from '../../platform/access/policy.ts'
import type { RecordAccess, RecordKind } from '../../platform/access/record-access.ts'
import type { AuditWriter } from '../../platform/audit/audit-writer.ts'
import type { RequestContext } from '../../platform/auth/auth-service.ts'
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../../platform/errors.ts'
import type { FieldError } from '../../platform/errors.ts'
import { todayInLondon } from '../../platform/calendar.ts'
import { isRowVersion } from '../../platform/integer-bounds.ts'
import type {
  AliasRow,
  PersonDetails,
  PersonReferenceData,
  PersonRepository,
  PersonRow,
  PersonWithFacts,
  StatusRow,
} from './person-repository.ts'
import {
  parseDate,
  validateAliases,
  validatePerson,
  validateStatus,
  type AliasInput,
  type DateInput,
  type PersonInput,
  type PersonReference,
  type StatusInput,
} from './person-validation.ts'

/** How a change reached us; recorded with its audit row. */
export type EditChannel = 'page' | 'api'

export interface NewPersonInput {
  person: PersonInput
  aliases?: readonly AliasInput[]
  statuses?: readonly StatusInput[]
}

/** A person's record as its edit pages need it (the actor may change it, so may see all of it). */
export interface PersonForEdit {
  person: PersonRow
  aliases: AliasRow[]
  statuses: StatusRow[]
  /** The forms' reference data, read in the same transaction. */
  options: PersonReferenceData
}

export interface InTransaction {
  trx?: Transaction<DB>
}

/** The unique indexes on a live person's identifiers, and the message on the field each one guards. */
const IDENTIFIER_INDEXES: Readonly<Record<string, FieldError>> = {
  person_nhs_number_live_idx: { field: 'nhsNumber', message: 'A record with this NHS number already exists' },
  person_upn_live_idx: { field: 'upn', message: 'A record with this UPN already exists' },
  person_la_child_id_live_idx: {
    field: 'laChildId',
    message: 'A record with this local authority child ID already exists',
  },
  person_police_id_live_idx: { field: 'policeId', message: 'A record with this police ID already exists' },
}

/**
 * An identifier already on another live record: the field's message, never which record holds it (the other
 * record may be one the actor may not see). Anything else is rethrown.
 */
function identifierTaken(error: unknown): never {
  if (typeof error === 'object' && error !== null) {
    const { code, constraint } = error as { code?: unknown; constraint?: unknown }
    const known = typeof constraint === 'string' ? IDENTIFIER_INDEXES[constraint] : undefined
    if (code === '23505' && known !== undefined) throw new ValidationError([known])
  }
  throw error
}

const DETAIL_FIELDS = [
  'kind',
  'givenName',
  'familyName',
  'dateOfBirth',
  'estimatedAge',
  'estimatedAgeOn',
  'gender',
  'ethnicity',
  'language',
  'disability',
  'nhsNumber',
  'upn',
  'laChildId',
  'policeId',
  'schoolAgencyId',
] as const satisfies ReadonlyArray<keyof PersonDetails>

/** The names (never the values) of the fields that differ. */
export function changedFields(before: PersonDetails, after: PersonDetails): string[] {
  return DETAIL_FIELDS.filter((field) => before[field] !== after[field])
}

/** What the form shows for a stored person: the inverse of validatePerson. */
export function personInputOf(row: PersonRow): PersonInput {
  const text = (value: string | number | null) => (value === null ? '' : String(value))
  return {
    kind: row.kind,
    givenName: row.givenName,
    familyName: text(row.familyName),
    dateOfBirth: text(row.dateOfBirth),
    estimatedAge: text(row.estimatedAge),
    estimatedAgeOn: text(row.estimatedAgeOn),
    gender: text(row.gender),
    ethnicity: text(row.ethnicity),
    language: text(row.language),
    disability: text(row.disability),
    nhsNumber: text(row.nhsNumber),
    upn: text(row.upn),
    laChildId: text(row.laChildId),
    policeId: text(row.policeId),
    schoolId: text(row.schoolAgencyId),
  }
}

function detailsOf(row: PersonRow): PersonDetails {
  return {
    kind: row.kind,
    givenName: row.givenName,
    familyName: row.familyName,
    dateOfBirth: row.dateOfBirth,
    estimatedAge: row.estimatedAge,
    estimatedAgeOn: row.estimatedAgeOn,
    gender: row.gender,
    ethnicity: row.ethnicity,
    language: row.language,
    disability: row.disability,
    nhsNumber: row.nhsNumber,
    upn: row.upn,
    laChildId: row.laChildId,
    policeId: row.policeId,
    schoolAgencyId: row.schoolAgencyId,
  }
}

const referenceSets = (data: PersonReferenceData): PersonReference => ({
  kinds: new Set(data.kinds.map((k) => k.code)),
  ethnicities: new Set(data.ethnicities.map((e) => e.code)),
  schoolIds: new Set(data.schools.map((s) => s.id)),
  statuses: new Set(data.statuses.map((s) => s.code)),
})

/** Fields of the second and later statuses (the API's list) carry their index: statusFrom1, statusTo2. */
const indexed = (errors: FieldError[], index: number): FieldError[] =>
  index === 0 ? errors : errors.map((e) => ({ ...e, field: `${e.field}${String(index)}` }))

/** What a change does inside the transaction, once the policy allowed it. */
type Change =
  | { errors: FieldError[] }
  | 'stale'
  | 'missing'
  | { changed: string[]; details?: Record<string, string | number | boolean>; result?: string }

/** The record's other names and statuses, as read with it (the kit loads the whole record in one statement). */
const aliasesOf = (found: PersonWithFacts): AliasRow[] => found.details?.aliases ?? []
const statusesOf = (found: PersonWithFacts): StatusRow[] => found.details?.statuses ?? []

/**
 * Creating and changing people's records: details, aliases and street names, statutory statuses. Every change
 * reaches the record through the record-access kit with the policy's write rule (`records`, the person service's
 * kind) and is audited in its own transaction; a record the actor may not change answers NotFoundError, like one
 * that does not exist (the denial audited, via 'edit').
 */
export function personEditService(
  people: PersonRepository,
  records: RecordKind<PersonWithFacts>,
  audit: AuditWriter,
  access: RecordAccess,
) {
  /**
   * Runs one change of a person's record: the policy's decision (denial audited, NotFoundError), then `apply`,
   * then the audit row of what changed (field names and codes only, break-glass marked), all in one transaction.
   * Returns the record's new version (and `apply`'s result, e.g. a new alias's id).
   */
  async function change(
    actor: Actor,
    id: string,
    version: number | undefined,
    ctx: RequestContext,
    via: EditChannel,
    apply: (trx: Transaction<DB>, record: PersonWithFacts, reference: PersonReference) => Promise<Change>,
  ): Promise<{ version: number; result?: string }> {
    if (version === undefined || !isRowVersion(version)) throw new ConflictError()
    const outcome = await access
      .write(actor, records, id, ctx, { via: 'edit' }, async (trx, { row, decision }) => {
        const reference = referenceSets(await people.reference(trx, actor.partnershipId))
        const applied = await apply(trx, row, reference)
        if (applied === 'stale' || applied === 'missing' || 'errors' in applied) return applied
        await access.changed(trx, actor, ctx, { type: 'person', id }, decision, {
          action: 'record.update',
          details: { via, changed: applied.changed.join(' '), ...applied.details },
        })
        return { version: version + 1, ...(applied.result === undefined ? {} : { result: applied.result }) }
      })
      .catch(identifierTaken)
    if (outcome === 'missing') throw new NotFoundError()
    if (outcome === 'stale') throw new ConflictError()
    if ('errors' in outcome) throw new ValidationError(outcome.errors)
    return outcome
  }

  return {
    /** Kinds, ethnicities, statuses and the partnership's schools, for the forms. */
    async options(actor: Actor, options: InTransaction = {}): Promise<PersonReferenceData> {
      return access.within(actor, options.trx, (trx) => people.reference(trx, actor.partnershipId))
    },

    /**
     * Creates a person's record with its aliases and statuses, audited as record.create; returns its id.
     *
     * So that the creator can see and keep working on what they made (the policy lets a writer change a record
     * only through an allocation or break-glass): the record is allocated to the creator's team when they are
     * in one, otherwise to the creator; and the creator's agency is recorded as involved (person_agency), so
     * their agency's designated safeguarding lead sees it as the policy allows. Reallocation is a later step.
     */
    async create(
      actor: Actor,
      input: NewPersonInput,
      ctx: RequestContext,
      options: InTransaction & { via?: EditChannel } = {},
    ): Promise<string> {
      if (!can(actor, 'person:write')) throw new ForbiddenError()
      type Created = { errors: FieldError[] } | { id: string }
      const outcome = await access
        .within(actor, options.trx, async (trx): Promise<Created> => {
          const reference = referenceSets(await people.reference(trx, actor.partnershipId))
          const checked = validatePerson(input.person, reference, todayInLondon())
          const aliases = validateAliases(input.aliases ?? [])
          const statuses = (input.statuses ?? []).map((s, i) => {
            const result = validateStatus(s, reference)
            return { ...result, errors: indexed(result.errors, i) }
          })
          const errors = [...checked.errors, ...aliases.errors, ...statuses.flatMap((s) => s.errors)]
          if (checked.person === undefined || errors.length > 0) return { errors }
          const team = actor.teamIds[0]
          const id = await people.create(trx, {
            ...checked.person,
            partnershipId: actor.partnershipId,
            allocatedTeamId: team ?? null,
            allocatedWorkerId: team === undefined ? actor.userId : null,
            involvedAgencyIds: [actor.agencyId],
            createdBy: actor.userId,
          })
          for (const alias of aliases.aliases) {
            await people.addAlias(trx, {
              ...alias,
              partnershipId: actor.partnershipId,
              personId: id,
              by: actor.userId,
            })
          }
          const valid = statuses.flatMap((s) => (s.status === undefined ? [] : [s.status]))
          for (const status of valid) {
            await people.addStatus(trx, {
              ...status,
              partnershipId: actor.partnershipId,
              personId: id,
              by: actor.userId,
            })
          }
          await audit.write(
            trx,
            actorEvent(actor, ctx, {
              record: { type: 'person', id },
              action: 'record.create',
              outcome: 'succeeded',
              details: {
                via: options.via ?? 'page',
                kind: checked.person.kind,
                fields: Object.entries(checked.person)
                  .filter(([, value]) => value !== null)
                  .map(([field]) => field)
                  .join(' '),
                aliases: aliases.aliases.length,
                statuses: valid.map((s) => s.status).join(' '),
                allocatedTo: team === undefined ? 'creator' : 'creator-team',
              },
            }),
          )
          return { id }
        })
        .catch(identifierTaken)
      if ('errors' in outcome) throw new ValidationError(outcome.errors)
      return outcome.id
    },

    /**
     * A record, its aliases and statuses (and the forms' reference data) for its edit pages, if the policy lets
     * the actor change it. Showing the form is a read of the record, decided by the write rule: audited as
     * record.read (via 'edit'), or access.denied.
     */
    async forEdit(actor: Actor, id: string, ctx: RequestContext): Promise<PersonForEdit> {
      return access.read(
        actor,
        records,
        id,
        ctx,
        { via: 'edit', decide: (a: Actor, row: PersonWithFacts) => records.decide(a, 'write', row) },
        async (trx, { row }) => ({
          person: row.person,
          aliases: aliasesOf(row),
          statuses: statusesOf(row),
          options: await people.reference(trx, actor.partnershipId),
        }),
      )
    },

    /**
     * Changes a person's details if the record is still at `version`. `input` is the whole form, or (for the
     * API's PATCH) a function of the stored record giving it. Audited with the names of the fields changed.
     */
    async update(
      actor: Actor,
      id: string,
      version: number | undefined,
      input: PersonInput | ((current: PersonInput) => PersonInput),
      ctx: RequestContext,
      via: EditChannel = 'page',
    ): Promise<{ version: number }> {
      return change(actor, id, version, ctx, via, async (trx, record, reference) => {
        const current = personInputOf(record.person)
        // The record's school stays acceptable if its agency has since been disabled (an unrelated edit must
        // not fail on it); a newly chosen school must be a current one.
        const school = record.person.schoolAgencyId
        const schoolIds = school === null ? reference.schoolIds : new Set([...reference.schoolIds, school])
        const checked = validatePerson(
          typeof input === 'function' ? input(current) : input,
          { ...reference, schoolIds },
          todayInLondon(),
        )
        if (checked.person === undefined) return { errors: checked.errors }
        const ok = await people.update(trx, id, version ?? 0, checked.person, actor.userId)
        if (!ok) return 'stale'
        return { changed: changedFields(detailsOf(record.person), checked.person) }
      })
    },

    /** Adds aliases or street names (blank lines skipped; at least one needed). */
    async addAliases(
      actor: Actor,
      id: string,
      version: number | undefined,
      input: readonly AliasInput[],
      ctx: RequestContext,
      via: EditChannel = 'page',
    ): Promise<{ version: number; result?: string }> {
      return change(actor, id, version, ctx, via, async (trx) => {
        const checked = validateAliases(input)
        if (checked.errors.length > 0) return { errors: checked.errors }
        if (checked.aliases.length === 0) {
          return { errors: [{ field: 'alias0Name', message: 'Enter the other name' }] }
        }
        if (!(await people.touch(trx, id, version ?? 0, actor.userId))) return 'stale'
        let last: string | undefined
        for (const alias of checked.aliases) {
          last = await people.addAlias(trx, {
            ...alias,
            partnershipId: actor.partnershipId,
            personId: id,
            by: actor.userId,
          })
        }
        return {
          changed: ['aliases'],
          details: { added: checked.aliases.length, kinds: checked.aliases.map((a) => a.kind).join(' ') },
          ...(last === undefined ? {} : { result: last }),
        }
      })
    },

    /** Removes an alias (kept, marked removed, for the record's history). */
    async removeAlias(
      actor: Actor,
      id: string,
      version: number | undefined,
      aliasId: string,
      ctx: RequestContext,
      via: EditChannel = 'page',
    ): Promise<{ version: number }> {
      return change(actor, id, version, ctx, via, async (trx, record) => {
        // Nothing is written unless both the alias and the version are right (a returned outcome commits).
        if (!aliasesOf(record).some((a) => a.id === aliasId)) return 'missing'
        if (!(await people.touch(trx, id, version ?? 0, actor.userId))) return 'stale'
        await people.removeAlias(trx, id, aliasId)
        return { changed: ['aliases'], details: { removed: 1 } }
      })
    },

    /** Records a statutory status with its dates. */
    async addStatus(
      actor: Actor,
      id: string,
      version: number | undefined,
      input: StatusInput,
      ctx: RequestContext,
      via: EditChannel = 'page',
    ): Promise<{ version: number; result?: string }> {
      return change(actor, id, version, ctx, via, async (trx, _record, reference) => {
        const checked = validateStatus(input, reference)
        if (checked.status === undefined) {
          return {
            errors:
              checked.errors.length > 0
                ? checked.errors
                : [{ field: 'statutoryStatus', message: 'Select a statutory status' }],
          }
        }
        if (!(await people.touch(trx, id, version ?? 0, actor.userId))) return 'stale'
        const statusId = await people.addStatus(trx, {
          ...checked.status,
          partnershipId: actor.partnershipId,
          personId: id,
          by: actor.userId,
        })
        return { changed: ['statuses'], details: { status: checked.status.status }, result: statusId }
      })
    },

    /** Sets (or, with an empty date, clears) the end date of one of the person's statuses. */
    async endStatus(
      actor: Actor,
      id: string,
      version: number | undefined,
      statusId: string,
      toDate: DateInput,
      ctx: RequestContext,
      via: EditChannel = 'page',
    ): Promise<{ version: number }> {
      return change(actor, id, version, ctx, via, async (trx, record) => {
        const status = statusesOf(record).find((s) => s.id === statusId)
        if (status === undefined) return 'missing'
        const to = parseDate(toDate, 'End date')
        const field = 'statusTo'
        if ('error' in to) return { errors: [{ field, message: to.error }] }
        if (to.date !== null && to.date < status.fromDate) {
          return { errors: [{ field, message: 'End date must be the same as or after the start date' }] }
        }
        if (!(await people.touch(trx, id, version ?? 0, actor.userId))) return 'stale'
        await people.setStatusEnd(trx, id, statusId, to.date)
        return { changed: ['statuses'], details: { status: status.status, ended: to.date !== null } }
      })
    },
  }
}

export type PersonEditService = ReturnType<typeof personEditService>
