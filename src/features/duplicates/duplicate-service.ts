import type { Transaction } from 'kysely'
import type { DB } from '../../db/schema.ts'
import {
  decide,
  decidePersonDetail,
  visibleFields,
  type Actor,
  type FieldGroup,
} from '../../platform/access/policy.ts'
import type { RecordAccess, RecordKind } from '../../platform/access/record-access.ts'
import type { AuditEvent } from '../../platform/audit/audit-writer.ts'
import type { RequestContext } from '../../platform/auth/auth-service.ts'
import { ValidationError, type FieldError } from '../../platform/errors.ts'
import { parseDateOfBirth } from '../../platform/identifiers/date-of-birth.ts'
import { normaliseNhsNumber } from '../../platform/identifiers/nhs-number.ts'
import { parseUpn } from '../../platform/identifiers/upn.ts'
import { UUID } from '../../platform/identifiers/uuid.ts'
import {
  summaryOf,
  SUMMARY_FIELD_GROUPS,
  type PersonService,
  type PersonSummary,
} from '../people/person-service.ts'
import type { CandidateRow, DuplicateRepository } from './duplicate-repository.ts'
import { DUPLICATE_THRESHOLD, scoreDuplicate, type DuplicateSubject } from './duplicate-scoring.ts'

/** A possible duplicate the actor may see, with the fields the policy allows and why it was suggested. */
export interface DuplicateCandidate extends PersonSummary {
  id: string
  version?: number
  score: number
  reasons: string[]
}

const CANDIDATE_FIELD_GROUPS: Readonly<Record<string, FieldGroup>> = {
  ...SUMMARY_FIELD_GROUPS,
  version: 'details',
}

/** Would-be fields of a person about to be created (from the create form or the API). */
export interface WouldBePerson {
  givenName?: string
  familyName?: string
  dateOfBirth?: string
  nhsNumber?: string
  upn?: string
  laChildId?: string
  policeId?: string
  /** Locations the person lives at (a "lives at" link would be made to each). */
  locationIds?: string[]
}

const MAX_CANDIDATES = 20

/** Validates would-be fields as far as matching needs: a name or an identifier, and well-formed values. */
export function parseWouldBe(input: WouldBePerson): { subject: DuplicateSubject; locationIds: string[] } {
  const errors: FieldError[] = []
  const text = (v: string | undefined) => {
    const t = (v ?? '').trim()
    return t === '' ? null : t
  }
  /** The trimmed text of `field` (null when empty), with a message when it is longer than `max`. */
  const bounded = (
    field: 'givenName' | 'familyName' | 'laChildId' | 'policeId',
    label: string,
    max: number,
  ) => {
    const value = text(input[field])
    if ((value?.length ?? 0) > max)
      errors.push({ field, message: `${label} must be ${String(max)} characters or fewer` })
    return value
  }
  const givenName = bounded('givenName', 'Given name', 100)
  const familyName = bounded('familyName', 'Family name', 100)
  const dob = parseDateOfBirth({ dateOfBirth: input.dateOfBirth ?? '' })
  if (dob.error !== undefined) errors.push({ field: 'dateOfBirth', message: dob.error })
  let nhsNumber: string | null = null
  const nhs = text(input.nhsNumber)
  if (nhs !== null) {
    nhsNumber = normaliseNhsNumber(nhs) ?? null
    if (nhsNumber === null) {
      errors.push({
        field: 'nhsNumber',
        message: 'Enter a valid NHS number: 10 digits with a correct check digit',
      })
    }
  }
  let upn: string | null = null
  const rawUpn = text(input.upn)
  if (rawUpn !== null) {
    const parsed = parseUpn(rawUpn)
    if ('upn' in parsed) upn = parsed.upn
    else errors.push({ field: 'upn', message: 'Enter a valid unique pupil number, like A123456789012' })
  }
  const laChildId = bounded('laChildId', 'Local authority ID', 50)
  const policeId = bounded('policeId', 'Police ID', 50)
  const locationIds = input.locationIds ?? []
  if (locationIds.length > 10 || locationIds.some((id) => !UUID.test(id))) {
    errors.push({ field: 'locationIds', message: 'Give up to 10 location ids' })
  }
  if (
    errors.length === 0 &&
    [givenName, familyName, nhsNumber, upn, laChildId, policeId].every((v) => v === null)
  ) {
    errors.push({ field: 'givenName', message: 'Enter a name or an identifier to check for duplicates' })
  }
  if (errors.length > 0) throw new ValidationError(errors)
  return {
    subject: {
      givenName: givenName ?? '',
      familyName,
      dateOfBirth: dob.date ?? null,
      nhsNumber,
      upn,
      laChildId,
      policeId,
    },
    locationIds,
  }
}

/** How other features' records of people are reached: the person service's record kind (its `records`). */
export type PersonRecords = PersonService['records']
/** A live person with the policy's facts, as the person service's record kind loads them. */
export type PersonRecord = NonNullable<Awaited<ReturnType<PersonRecords['load']>>>
/** The stored fields of a person (what duplicate checks and merges compare and show). */
export type StoredPerson = PersonRecord['person']

/** Possible duplicates are people: shown by the policy's person rule. */
const CANDIDATES: Pick<RecordKind<CandidateRow>, 'type' | 'decide'> = {
  type: 'person',
  decide: (actor, action, row) => decide(actor, action, row.facts),
}

/** A posted form's fields, as the "Add a person" page sends them. */
export type PostedPerson = Record<string, string | undefined>

/** The date of birth of a GOV.UK date input (prefix-day/-month/-year) as YYYY-MM-DD, when it is one. */
function isoDate(form: PostedPerson, prefix: string): string | undefined {
  const [d, m, y] = ['day', 'month', 'year'].map((p) => (form[`${prefix}-${p}`] ?? '').trim())
  if (!/^\d{1,2}$/.test(d ?? '') || !/^\d{1,2}$/.test(m ?? '') || !/^\d{4}$/.test(y ?? '')) return undefined
  return `${y ?? ''}-${(m ?? '').padStart(2, '0')}-${(d ?? '').padStart(2, '0')}`
}

export function duplicateService(
  repository: DuplicateRepository,
  access: RecordAccess,
  people: PersonRecords,
) {
  /**
   * Scores candidates, keeps those above the threshold, and shows them through the record-access kit (each shown
   * is a read, with its score, collected into `events`), best first, at most MAX_CANDIDATES.
   */
  async function shown(
    trx: Transaction<DB>,
    actor: Actor,
    subject: DuplicateSubject,
    rows: CandidateRow[],
    ctx: RequestContext,
    events: AuditEvent[],
  ): Promise<DuplicateCandidate[]> {
    const scored = rows
      .map((row) => ({ row, ...scoreDuplicate(subject, row) }))
      .filter((c) => c.score >= DUPLICATE_THRESHOLD)
      .sort((a, b) => b.score - a.score || a.row.id.localeCompare(b.row.id))
    const out: DuplicateCandidate[] = []
    for (const { row, score, reasons } of scored) {
      if (out.length === MAX_CANDIDATES) break
      const [reached] = await access.shown(trx, actor, CANDIDATES, [row], (r) => r.id, ctx, {
        via: 'duplicates',
        events,
        details: () => ({ score }),
      })
      if (reached === undefined) continue
      const full = { ...summaryOf(row), version: row.version }
      out.push({
        ...visibleFields(reached.decision, full, CANDIDATE_FIELD_GROUPS),
        id: row.id,
        score,
        reasons,
      })
    }
    return out
  }

  /** Possible duplicates of a person about to be created, among the records the actor may see. */
  async function forNew(
    actor: Actor,
    input: WouldBePerson,
    ctx: RequestContext,
  ): Promise<DuplicateCandidate[]> {
    const { subject, locationIds } = parseWouldBe(input)
    return access.within(actor, undefined, async (trx) => {
      const rows = await repository.candidates(trx, {
        ...subject,
        partnershipId: actor.partnershipId,
        actorId: actor.userId,
        personId: null,
        locationIds,
      })
      const events: AuditEvent[] = []
      const candidates = await shown(trx, actor, subject, rows, ctx, events)
      await access.writeAtCommit(trx, events)
      return candidates
    })
  }

  return {
    /**
     * Possible duplicates of a person the actor may read ("Check for duplicates"). The subject is reached through
     * the record-access kit: its read is audited like any other (the last row of the check, after the candidates
     * shown, in one statement); a person the actor may not read answers NotFoundError (the denial is audited).
     */
    async forPerson(
      actor: Actor,
      id: string,
      ctx: RequestContext,
    ): Promise<{ person: StoredPerson; candidates: DuplicateCandidate[] }> {
      const subjectRead: AuditEvent[] = []
      return access.read(
        actor,
        people,
        id,
        ctx,
        {
          via: 'duplicates',
          whole: false,
          events: subjectRead,
          // More than who the person is: not the intelligence unit's identity-only sight.
          decide: (a: Actor, row: PersonRecord) => decidePersonDetail(a, people.decide(a, 'read', row)),
        },
        async (trx, { row }) => {
          const person = row.person
          const rows = await repository.candidates(trx, {
            ...person,
            partnershipId: actor.partnershipId,
            actorId: actor.userId,
            personId: person.id,
            locationIds: [],
          })
          const events: AuditEvent[] = []
          const candidates = await shown(trx, actor, person, rows, ctx, events)
          await access.writeAtCommit(trx, [...events, ...subjectRead])
          return { person, candidates }
        },
      )
    },

    forNew,

    /**
     * The "Add a person" step before saving: possible duplicates of what the user typed (the posted form), among
     * the records they may see. Input the check cannot use (a malformed NHS number, an impossible date) is left
     * to the create form's own validation, which answers it on the field: the check then simply finds nothing.
     */
    async beforeCreate(actor: Actor, form: PostedPerson, ctx: RequestContext): Promise<DuplicateCandidate[]> {
      const value = (name: string) => form[name] ?? ''
      try {
        return await forNew(
          actor,
          {
            givenName: value('givenName'),
            familyName: value('familyName'),
            dateOfBirth: isoDate(form, 'dateOfBirth') ?? '',
            nhsNumber: value('nhsNumber'),
            upn: value('upn'),
            laChildId: value('laChildId'),
            policeId: value('policeId'),
          },
          ctx,
        )
      } catch (error) {
        if (error instanceof ValidationError) return []
        throw error
      }
    },
  }
}

export type DuplicateService = ReturnType<typeof duplicateService>
