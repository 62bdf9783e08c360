import type { Transaction } from 'kysely'
import { withTransaction, type Database } from '../../db/database.ts'
import type { DB } from '../../db/schema.ts'
import { rlsContextOf } from '../../platform/access/actor.ts'
import { decideStreetTerms, type Actor } from '../../platform/access/policy.ts'
import { adminChangeRecorder } from '../../platform/audit/admin-change.ts'
import type { AuditWriter } from '../../platform/audit/audit-writer.ts'
import type { RequestContext } from '../../platform/auth/auth-service.ts'
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  ValidationError,
  type FieldError,
} from '../../platform/errors.ts'
import { findStreetTerms, type StreetTerm } from '../screening/screening-service.ts'
import type { StreetTermRepository, StreetTermRow } from './street-term-repository.ts'

export type { StreetTermRow } from './street-term-repository.ts'

/** What an administrator enters for a term: its variants one a line (a page) or as a list (the API). */
export interface StreetTermInput {
  term: string
  variants: string | readonly string[]
  meaning: string
}

/** A change of a term at the version it was read: the same fields, and whether it is retired (undefined: not said). */
export interface StreetTermChange extends StreetTermInput {
  retired: boolean | undefined
}

/** A term found in a text: what it means, and the words that matched it (where, for highlighting). */
export interface DetectedTerm {
  code: string
  term: string
  meaning: string
  indicatorCodes: string[]
  found: string[]
  matches: Array<{ start: number; length: number; text: string }>
}

export interface InTransaction {
  trx?: Transaction<DB>
}

export const TERM_MAX = 100
export const MEANING_MAX = 1000
export const VARIANTS_MAX = 30

export const STALE_TERM =
  'Someone else changed this term while you were editing it. Check it below and save again.'

/** Words as screening compares them: lower case, spaces and hyphens alike (findStreetTerms matches them so). */
export const normalWords = (words: string) =>
  words
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, ' ')

const codeOf = (term: string) =>
  `t-${normalWords(term)
    .replace(/[^a-z0-9 ]+/g, '')
    .trim()
    .replace(/ +/g, '-')}`.replace(/-$/, '')

/** The patterns findStreetTerms looks for: the term itself and its variants. */
export const patternsOf = (row: Pick<StreetTermRow, 'term' | 'variants'>): string[] => [
  ...new Set([normalWords(row.term), ...row.variants.map(normalWords)]),
]

const asStreetTerm = (row: StreetTermRow): StreetTerm => ({
  code: row.code,
  term: row.term,
  meaning: row.meaning,
  patterns: patternsOf(row),
  indicatorCodes: row.indicatorCodes,
})

const linesOf = (variants: string | readonly string[]) =>
  (typeof variants === 'string' ? variants.split(/\r?\n|,/) : variants)
    .map((v) => v.trim().replace(/\s+/g, ' '))
    .filter((v) => v !== '')

/**
 * The partnership's street-terms glossary (issue 12): reference data its administrator lists, adds to and changes
 * (decideStreetTerms), each change versioned and audited in its transaction, a term retired rather than deleted.
 * Screening finds the partnership's current terms and variants in a concern's words (`current`); any feature finds
 * them in a text of its own with `detect`.
 */
export function streetTermService(database: Database, repository: StreetTermRepository, audit: AuditWriter) {
  const recordChange = adminChangeRecorder(audit, 'admin.reference-change', 'street-term')

  /** The database's own refusal of a second current term of the same name, answered as the service's. */
  const unique = async <T>(work: Promise<T>): Promise<T> => {
    try {
      return await work
    } catch (error) {
      if (typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '23505') {
        throw new ValidationError([{ field: 'term', message: 'Your partnership already has this term' }])
      }
      throw error
    }
  }

  const run = <T>(actor: Actor, options: InTransaction, work: (trx: Transaction<DB>) => Promise<T>) =>
    options.trx !== undefined ? work(options.trx) : withTransaction(database, rlsContextOf(actor), work)

  /** The glossary is the administrator's: anyone else is refused (the route guard refuses them first). */
  const mayManage = (actor: Actor) => {
    if (!decideStreetTerms(actor, { partnershipId: actor.partnershipId }).allowed) throw new ForbiddenError()
  }

  /** A term of the actor's partnership that they may manage; any other is "not found". */
  const found = async (trx: Transaction<DB>, actor: Actor, id: string, lock = false) => {
    const row = await repository.find(trx, actor.partnershipId, id, { forUpdate: lock })
    if (row === undefined || !decideStreetTerms(actor, { partnershipId: row.partnershipId }).allowed) {
      throw new NotFoundError()
    }
    return row
  }

  /**
   * The input checked, with its variants tidied (each once, none the same as the term); a term or variant another
   * current term of the partnership has is refused, naming that term, so that screening never finds two meanings
   * for the same words.
   */
  async function checked(
    trx: Transaction<DB>,
    actor: Actor,
    input: StreetTermInput,
    options: { exceptId?: string; retired?: boolean | undefined; askedRetired?: boolean } = {},
  ): Promise<{ term: string; variants: string[]; meaning: string }> {
    const errors: FieldError[] = []
    const term = input.term.trim().replace(/\s+/g, ' ')
    const meaning = input.meaning.trim()
    if (term === '') errors.push({ field: 'term', message: 'Enter the term' })
    else if (term.length > TERM_MAX)
      errors.push({ field: 'term', message: `The term must be ${String(TERM_MAX)} characters or fewer` })
    const seen = new Set([normalWords(term)])
    const variants: string[] = []
    for (const variant of linesOf(input.variants)) {
      if (variant.length > TERM_MAX) {
        errors.push({
          field: 'variants',
          message: `Each variant must be ${String(TERM_MAX)} characters or fewer`,
        })
        break
      }
      const normal = normalWords(variant)
      if (seen.has(normal)) continue
      seen.add(normal)
      variants.push(normal)
    }
    if (variants.length > VARIANTS_MAX)
      errors.push({ field: 'variants', message: `Enter ${String(VARIANTS_MAX)} variants or fewer` })
    if (meaning === '') errors.push({ field: 'meaning', message: 'Enter what the term means' })
    else if (meaning.length > MEANING_MAX)
      errors.push({
        field: 'meaning',
        message: `The meaning must be ${String(MEANING_MAX)} characters or fewer`,
      })
    if (options.askedRetired === true && options.retired === undefined) {
      errors.push({ field: 'status', message: 'Choose whether the term is in use or retired' })
    }
    if (errors.length > 0) throw new ValidationError(errors)

    if (options.retired !== true) {
      await repository.lockGlossary(trx, actor.partnershipId)
      const others = (await repository.current(trx, actor.partnershipId)).filter(
        (r) => r.id !== options.exceptId,
      )
      const owner = new Map<string, StreetTermRow>()
      for (const other of others) for (const words of patternsOf(other)) owner.set(words, other)
      const termOwner = owner.get(normalWords(term))
      if (termOwner !== undefined) {
        errors.push({
          field: 'term',
          message:
            normalWords(termOwner.term) === normalWords(term)
              ? `Your partnership already has the term “${termOwner.term}”: change that term instead`
              : `“${term}” is already a variant of “${termOwner.term}”`,
        })
      }
      const taken = variants
        .map((v) => ({ v, other: owner.get(v) }))
        .find((x): x is { v: string; other: StreetTermRow } => x.other !== undefined)
      if (taken !== undefined) {
        errors.push({
          field: 'variants',
          message: `“${taken.v}” is already ${normalWords(taken.other.term) === taken.v ? 'the term' : 'a variant of'} “${taken.other.term}”`,
        })
      }
      if (errors.length > 0) throw new ValidationError(errors)
    }
    return { term, variants, meaning }
  }

  /** A code for a new term: from its words, made unique in the partnership. */
  async function newCode(trx: Transaction<DB>, partnershipId: string, term: string): Promise<string> {
    const base = codeOf(term).slice(0, 60).replace(/-$/, '')
    const stem = base === 't' ? 't-term' : base
    for (let n = 1; ; n++) {
      const code = n === 1 ? stem : `${stem}-${String(n)}`
      if (!(await repository.codeTaken(trx, partnershipId, code))) return code
    }
  }

  return {
    /** Every term of the actor's partnership, current first, retired after. */
    async list(actor: Actor, options: InTransaction = {}): Promise<StreetTermRow[]> {
      mayManage(actor)
      return run(actor, options, (trx) => repository.list(trx, actor.partnershipId))
    },

    /** One term; another partnership's, or one that does not exist, is "not found". */
    async find(actor: Actor, id: string, options: InTransaction = {}): Promise<StreetTermRow> {
      return run(actor, options, (trx) => found(trx, actor, id))
    },

    /** Adds a term (audited); answers it. */
    async create(
      actor: Actor,
      input: StreetTermInput,
      ctx: RequestContext,
      options: InTransaction = {},
    ): Promise<StreetTermRow> {
      mayManage(actor)
      return unique(
        run(actor, options, async (trx) => {
          const valid = await checked(trx, actor, input)
          const code = await newCode(trx, actor.partnershipId, valid.term)
          const id = await repository.create(trx, {
            partnershipId: actor.partnershipId,
            code,
            ...valid,
            by: actor.userId,
          })
          await recordChange(trx, actor, id, ctx, {
            change: 'created',
            code,
            variants: valid.variants.length,
          })
          return found(trx, actor, id)
        }),
      )
    },

    /** Changes a term (or retires or reinstates it) if nobody changed it since `version`; audited. */
    async update(
      actor: Actor,
      id: string,
      version: number,
      input: StreetTermChange,
      ctx: RequestContext,
      options: InTransaction = {},
    ): Promise<StreetTermRow> {
      return unique(
        run(actor, options, async (trx) => {
          const before = await found(trx, actor, id, true)
          const valid = await checked(trx, actor, input, {
            exceptId: id,
            retired: input.retired,
            askedRetired: true,
          })
          const retired = input.retired === true
          if (!(await repository.update(trx, id, version, { ...valid, retired }, actor.userId))) {
            throw new ConflictError(STALE_TERM)
          }
          const wasRetired = before.retiredAt !== null
          const fields = [
            before.term === valid.term ? '' : 'term',
            before.variants.join('\n') === valid.variants.join('\n') ? '' : 'variants',
            before.meaning === valid.meaning ? '' : 'meaning',
          ].filter((f) => f !== '')
          await recordChange(trx, actor, id, ctx, {
            change: wasRetired === retired ? 'changed' : retired ? 'retired' : 'reinstated',
            code: before.code,
            fields: fields.join(' '),
          })
          return found(trx, actor, id)
        }),
      )
    },

    /** The partnership's current terms as screening finds them (in the caller's transaction, or a new one). */
    async current(actor: Actor, options: InTransaction = {}): Promise<StreetTerm[]> {
      return run(actor, options, async (trx) =>
        (await repository.current(trx, actor.partnershipId)).map(asStreetTerm),
      )
    },

    /**
     * The partnership's current terms and variants found in `text` (for an actor, or a partnership by id), in the
     * order they first appear, each with the words that matched. Highlighting and prompting only: a term found
     * never ticks an indicator by itself.
     */
    async detect(who: Actor | string, text: string, options: InTransaction = {}): Promise<DetectedTerm[]> {
      const partnershipId = typeof who === 'string' ? who : who.partnershipId
      const load = (trx: Transaction<DB>) => repository.current(trx, partnershipId)
      const rows =
        options.trx !== undefined
          ? await load(options.trx)
          : await withTransaction(
              database,
              typeof who === 'string' ? { partnershipId } : rlsContextOf(who),
              load,
            )
      const terms = rows.map(asStreetTerm)
      const detected = new Map<string, DetectedTerm>()
      for (const match of findStreetTerms(text, terms)) {
        const term = terms.find((t) => t.code === match.code)
        if (term === undefined) continue
        const entry = detected.get(term.code) ?? {
          code: term.code,
          term: term.term,
          meaning: term.meaning,
          indicatorCodes: [...term.indicatorCodes],
          found: [],
          matches: [],
        }
        detected.set(term.code, entry)
        entry.matches.push({ start: match.start, length: match.length, text: match.text })
        if (!entry.found.includes(match.text)) entry.found.push(match.text)
      }
      return [...detected.values()]
    },
  }
}

export type StreetTermService = ReturnType<typeof streetTermService>
