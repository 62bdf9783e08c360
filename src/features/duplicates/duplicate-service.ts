import type { Transaction } from 'kysely'
import { withTransaction, type Database } from '../../db/database.ts'
import type { DB } from '../../db/schema.ts'
import { auditActorOf } from '../../platform/access/actor.ts'
import { decide, visibleFields, type Actor, type FieldGroup } from '../../platform/access/policy.ts'
import type { AuditWriter } from '../../platform/audit/audit-writer.ts'
import type { RequestContext } from '../../platform/auth/auth-service.ts'
import { NotFoundError, ValidationError, type FieldError } from '../../platform/errors.ts'
import { normaliseNhsNumber } from '../../platform/identifiers/nhs-number.ts'
import { parseUpn } from '../../platform/identifiers/upn.ts'
import { parseDateOfBirth } from '../search/search-input.ts'
import {
  findSubject,
  type CandidateRow,
  type DuplicateRepository,
  type SubjectRow,
} from './duplicate-repository.ts'
import { DUPLICATE_THRESHOLD, scoreDuplicate, type DuplicateSubject } from './duplicate-scoring.ts'

/** A possible duplicate the actor may see, with the fields the policy allows and why it was suggested. */
export interface DuplicateCandidate {
  id: string
  kind?: string
  kindLabel?: string
  givenName?: string
  familyName?: string | null
  dateOfBirth?: string | null
  version?: number
  score: number
  reasons: string[]
}

const CANDIDATE_FIELD_GROUPS: Readonly<Record<string, FieldGroup>> = {
  kind: 'identity',
  kindLabel: 'identity',
  givenName: 'identity',
  familyName: 'identity',
  dateOfBirth: 'identity',
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
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** Validates would-be fields as far as matching needs: a name or an identifier, and well-formed values. */
export function parseWouldBe(input: WouldBePerson): { subject: DuplicateSubject; locationIds: string[] } {
  const errors: FieldError[] = []
  const text = (v: string | undefined) => {
    const t = (v ?? '').trim()
    return t === '' ? null : t
  }
  const givenName = text(input.givenName)
  const familyName = text(input.familyName)
  if ((givenName?.length ?? 0) > 100)
    errors.push({ field: 'givenName', message: 'Given name must be 100 characters or fewer' })
  if ((familyName?.length ?? 0) > 100)
    errors.push({ field: 'familyName', message: 'Family name must be 100 characters or fewer' })
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
  const laChildId = text(input.laChildId)
  const policeId = text(input.policeId)
  if ((laChildId?.length ?? 0) > 50)
    errors.push({ field: 'laChildId', message: 'Local authority ID must be 50 characters or fewer' })
  if ((policeId?.length ?? 0) > 50)
    errors.push({ field: 'policeId', message: 'Police ID must be 50 characters or fewer' })
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

export function duplicateService(database: Database, repository: DuplicateRepository, audit: AuditWriter) {
  const context = (actor: Actor) => ({ actorId: actor.userId, partnershipId: actor.partnershipId })

  /** Scores candidates, keeps those above the threshold that the policy lets the actor read, audits each shown. */
  async function shown(
    trx: Transaction<DB>,
    actor: Actor,
    subject: DuplicateSubject,
    rows: CandidateRow[],
    ctx: RequestContext,
  ): Promise<DuplicateCandidate[]> {
    const scored = rows
      .map((row) => ({ row, ...scoreDuplicate(subject, row) }))
      .filter((c) => c.score >= DUPLICATE_THRESHOLD)
      .sort((a, b) => b.score - a.score || a.row.id.localeCompare(b.row.id))
    const out: DuplicateCandidate[] = []
    for (const { row, score, reasons } of scored) {
      if (out.length === MAX_CANDIDATES) break
      const decision = decide(actor, 'read', row.facts)
      if (!decision.allowed) continue
      const full = {
        kind: row.kind,
        kindLabel: row.kindLabel,
        givenName: row.givenName,
        familyName: row.familyName,
        dateOfBirth: row.dateOfBirth,
        version: row.version,
      }
      out.push({ ...visibleFields(decision, full, CANDIDATE_FIELD_GROUPS), id: row.id, score, reasons })
      await audit.write(trx, {
        action: 'record.read',
        outcome: 'allowed',
        partnershipId: actor.partnershipId,
        actor: auditActorOf(actor),
        record: { type: 'person', id: row.id },
        requestId: ctx.requestId,
        ip: ctx.ip,
        details: {
          via: 'duplicates',
          breakGlass: decision.breakGlass,
          relationships: decision.relationships.join(' '),
          score,
        },
      })
    }
    return out
  }

  return {
    /**
     * Possible duplicates of a person the actor may read ("Check for duplicates"). The subject's read is
     * audited like any other; a person the actor may not read answers NotFoundError (and the denial is audited).
     */
    async forPerson(
      actor: Actor,
      id: string,
      ctx: RequestContext,
    ): Promise<{ person: SubjectRow; candidates: DuplicateCandidate[] }> {
      const result = await withTransaction(database, context(actor), async (trx) => {
        const person = await findSubject(trx, id, actor.userId)
        const decision = person === undefined ? undefined : decide(actor, 'read', person.facts)
        const allowed = decision?.allowed === true
        const auditSubject = () =>
          audit.write(trx, {
            action: allowed ? 'record.read' : 'access.denied',
            outcome: allowed ? 'allowed' : 'denied',
            partnershipId: actor.partnershipId,
            actor: auditActorOf(actor),
            record: { type: 'person', id },
            reason: allowed
              ? null
              : person === undefined
                ? 'no such record'
                : `denied: ${decision?.denial ?? ''}`,
            requestId: ctx.requestId,
            ip: ctx.ip,
            details: { via: 'duplicates', breakGlass: decision?.breakGlass ?? false },
          })
        if (person === undefined || !allowed) {
          await auditSubject()
          return undefined
        }
        const rows = await repository.candidates(trx, {
          ...person,
          partnershipId: actor.partnershipId,
          actorId: actor.userId,
          personId: person.id,
          locationIds: [],
        })
        const candidates = await shown(trx, actor, person, rows, ctx)
        // The subject's read is the last row of the check (after the candidates shown).
        await auditSubject()
        return { person, candidates }
      })
      if (result === undefined) throw new NotFoundError()
      return result
    },

    /** Possible duplicates of a person about to be created, among the records the actor may see. */
    async forNew(actor: Actor, input: WouldBePerson, ctx: RequestContext): Promise<DuplicateCandidate[]> {
      const { subject, locationIds } = parseWouldBe(input)
      return withTransaction(database, context(actor), async (trx) => {
        const rows = await repository.candidates(trx, {
          ...subject,
          partnershipId: actor.partnershipId,
          actorId: actor.userId,
          personId: null,
          locationIds,
        })
        return shown(trx, actor, subject, rows, ctx)
      })
    },
  }
}

export type DuplicateService = ReturnType<typeof duplicateService>
