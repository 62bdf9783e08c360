import { sql, type Transaction } from 'kysely'
import { withTransaction, type Database } from '../../db/database.ts'
import type { DB, EntityKind } from '../../db/schema.ts'
import { decideSuggestion, missingRecord, type Actor, type Decision } from '../../platform/access/policy.ts'
import type { RecordAccess, RecordKind } from '../../platform/access/record-access.ts'
import type { RequestContext } from '../../platform/auth/auth-service.ts'
import { ConflictError, ValidationError } from '../../platform/errors.ts'
import { paths } from '../../platform/paths.ts'
import type { LinkService } from '../links/link-service.ts'
import { locationView, type LocationService } from '../locations/location-service.ts'
import { objectView, type ObjectService } from '../objects/object-service.ts'
import type { PersonService } from '../people/person-service.ts'
import type { Entity, NewSuggestion, SuggestionRepository, SuggestionRow } from './suggestion-repository.ts'
import {
  compactForms,
  fingerprint,
  inWords,
  scoreLocations,
  scoreObjects,
  scorePeople,
  THRESHOLD,
  type Contribution,
  type LocationFacts,
  type ObjectFacts,
  type PersonFacts,
  type Scored,
} from './suggestion-scoring.ts'

type PersonRecords = PersonService['records']
type PersonRecord = Parameters<PersonRecords['decide']>[2]
type ObjectRow = Parameters<ObjectService['records']['decide']>[2]

/** One end of a suggestion as loaded: a person (with the policy facts of the reader) or a place or thing. */
type End =
  | { kind: 'person'; row: PersonRecord }
  | { kind: 'location'; row: Parameters<LocationService['records']['decide']>[2] }
  | { kind: 'object'; row: ObjectRow }

interface SuggestionRecord {
  row: SuggestionRow
  a: End | undefined
  b: End | undefined
}

/** An end as a reviewer sees it: what it is, its page, who recorded it, and its version. */
export interface EndShown {
  kind: EntityKind
  id: string
  name: string
  description: string
  href: string
  source: string | null
  version: number
}

export interface SuggestionView {
  id: string
  kind: EntityKind
  /** "the same person", "the same place", "the same thing". */
  proposal: string
  score: number
  explanation: Array<{ field: string; agrees: boolean; weight: number; words: string; text: string }>
  ends: [EndShown, EndShown]
  status: SuggestionRow['status']
  rejectReason: string | null
  linkId: string | null
  createdAt: string
  version: number
}

const PROPOSALS: Record<EntityKind, string> = {
  person: 'the same person',
  location: 'the same place',
  object: 'the same thing',
}
export const LINK_TYPES: Record<EntityKind, string> = {
  person: 'same-person-as',
  location: 'same-place-as',
  object: 'same-thing-as',
}

export const MESSAGES = {
  reason: 'Enter why these records are not the same',
  reasonLong: 'Reason must be 1000 characters or fewer',
  decided: 'This suggestion has already been decided',
  stale: 'Someone else changed this suggestion while you were looking at it. Check it and try again.',
  changed:
    'One of the two records has changed since this link was suggested. Check both records: the suggestion is worked out again when a record changes.',
  linked: 'These two records are already linked',
} as const

/** The kinds a full rebuild works through, in order. */
const REBUILD_KINDS: readonly EntityKind[] = ['object', 'location', 'person']

/** How many pending suggestions a page of the queue shows (best first). */
export const QUEUE_SIZE = 50

export function suggestionService(
  database: Database,
  suggestions: SuggestionRepository,
  people: PersonRecords,
  locations: LocationService,
  objects: ObjectService,
  links: LinkService,
  access: RecordAccess,
) {
  const things = { location: locations.records, object: objects.records }

  async function loadEnd(trx: Transaction<DB>, actor: Actor, kind: EntityKind, id: string) {
    if (kind === 'person') {
      const row = await people.load(trx, id, actor, { lock: false, details: false })
      return row === undefined ? undefined : ({ kind, row } as End)
    }
    const row = await things[kind].load(trx, id, actor, { lock: false, details: false })
    return row === undefined ? undefined : ({ kind, row } as End)
  }

  /** The reader's read decision on an end (a missing end: as any record that does not exist). */
  function endDecision(actor: Actor, end: End | undefined): Decision {
    if (end === undefined) return missingRecord()
    if (end.kind === 'person') return people.decide(actor, 'read', end.row)
    if (end.kind === 'location') return things.location.decide(actor, 'read', end.row)
    return things.object.decide(actor, 'read', end.row)
  }

  const decideOn = (actor: Actor, action: 'read' | 'write', record: SuggestionRecord) =>
    decideSuggestion(actor, action, record.row.partnershipId, [
      endDecision(actor, record.a),
      endDecision(actor, record.b),
    ])

  /** How the kit reaches a suggestion: with both its ends, decided on the reader's sight of both. */
  const suggestionKind: RecordKind<SuggestionRecord> = {
    type: 'suggestion',
    load: async (trx, id, actor, { lock }) => {
      const row = await suggestions.find(trx, id, { forUpdate: lock })
      if (row === undefined) return undefined
      return {
        row,
        a: await loadEnd(trx, actor, row.kind, row.aId),
        b: await loadEnd(trx, actor, row.kind, row.bId),
      }
    },
    decide: decideOn,
  }

  function shownEnd(end: End, source: string | null): EndShown {
    if (end.kind === 'person') {
      const p = end.row.person
      const name = [p.givenName, p.familyName].filter((n) => n !== null).join(' ')
      return {
        kind: 'person',
        id: p.id,
        name,
        description: p.dateOfBirth === null ? 'Date of birth not known' : `Born ${p.dateOfBirth}`,
        href: paths.people.show(p.id),
        source,
        version: p.version,
      }
    }
    if (end.kind === 'location') {
      const view = locationView(end.row)
      return {
        kind: 'location',
        id: view.id,
        name: view.title,
        description: [view.addressLine1, view.addressLine2, view.town].filter((p) => p !== null).join(', '),
        href: paths.locations.show(view.id),
        source,
        version: view.version,
      }
    }
    const view = objectView(end.row)
    return {
      kind: 'object',
      id: view.id,
      name: view.displayValue,
      description: view.platform === null ? view.kindLabel : `${view.kindLabel} on ${view.platform}`,
      href: paths.objects.show(view.id),
      source,
      version: view.version,
    }
  }

  async function viewOf(trx: Transaction<DB>, record: SuggestionRecord): Promise<SuggestionView> {
    const { row, a, b } = record
    if (a === undefined || b === undefined) throw new Error('a suggestion allowed without both ends')
    const sources = await suggestions.sources(trx, row.kind, [row.aId, row.bId])
    return {
      id: row.id,
      kind: row.kind,
      proposal: PROPOSALS[row.kind],
      score: row.score,
      explanation: row.explanation.map((c) => ({
        field: c.field,
        agrees: c.agrees,
        weight: c.weight,
        words: c.words,
        text: inWords(c),
      })),
      ends: [shownEnd(a, sources.get(row.aId) ?? null), shownEnd(b, sources.get(row.bId) ?? null)],
      status: row.status,
      rejectReason: row.rejectReason,
      linkId: row.linkId,
      createdAt: row.createdAt.toISOString(),
      version: row.version,
    }
  }

  // --- Working suggestions out ---

  /** The records like this one, each scored (indexed lookups only). */
  async function candidates(
    trx: Transaction<DB>,
    partnershipId: string,
    kind: EntityKind,
    id: string,
  ): Promise<{ me: Entity<unknown>; found: Array<{ other: Entity<unknown>; scored: Scored }> } | undefined> {
    if (kind === 'object') {
      const me = await suggestions.object(trx, id)
      if (me === undefined) return undefined
      const others = await suggestions.objectCandidates(trx, partnershipId, compactForms(me.facts), id)
      return { me, found: others.map((other) => ({ other, scored: scoreObjects(me.facts, other.facts) })) }
    }
    if (kind === 'location') {
      const me = await suggestions.location(trx, id)
      if (me === undefined) return undefined
      const postcode = me.facts.postcode
      const others =
        postcode === null ? [] : await suggestions.locationCandidates(trx, partnershipId, postcode, id)
      return { me, found: others.map((other) => ({ other, scored: scoreLocations(me.facts, other.facts) })) }
    }
    const me = await suggestions.person(trx, id)
    if (me === undefined) return undefined
    const others = await suggestions.personCandidates(trx, partnershipId, me.facts, id)
    return { me, found: others.map((other) => ({ other, scored: scorePeople(me.facts, other.facts) })) }
  }

  const withoutEvidence = (c: Contribution) => ({
    field: c.field,
    agrees: c.agrees,
    weight: c.weight,
    words: c.words,
  })

  /**
   * Works out one record's suggestions again: each record like it that scores at least the threshold, is not
   * linked to it already and was not rejected on the same evidence, is proposed (or its pending suggestion
   * brought up to date); its pending suggestions that no longer hold are superseded. Returns how many are pending.
   */
  async function refresh(
    trx: Transaction<DB>,
    partnershipId: string,
    kind: EntityKind,
    id: string,
  ): Promise<number> {
    const result = await candidates(trx, partnershipId, kind, id)
    const kept = new Set<string>()
    for (const { other, scored } of result?.found ?? []) {
      if (result === undefined || scored.score < THRESHOLD) continue
      const [a, b] = result.me.id < other.id ? [result.me, other] : [other, result.me]
      if (await suggestions.linked(trx, a.id, b.id)) continue
      const print = fingerprint(kind, a.id, b.id, scored.contributions)
      const proposal = {
        partnershipId,
        kind,
        aId: a.id,
        bId: b.id,
        aVersion: a.version,
        bVersion: b.version,
        score: scored.score,
        explanation: scored.contributions.map(withoutEvidence),
        fingerprint: print,
      }
      if (await suggestions.rejected(trx, proposal)) continue
      await suggestions.propose(trx, proposal)
      kept.add(`${a.id}:${b.id}`)
    }
    const pending = await suggestions.pendingFor(trx, id)
    await suggestions.supersede(
      trx,
      pending.filter((s) => !kept.has(`${s.aId}:${s.bId}`)).map((s) => s.id),
    )
    return kept.size
  }

  /** A batch's records with their facts, and the candidate pairs they are in (either way round). */
  async function batchPairs(
    trx: Transaction<DB>,
    partnershipId: string,
    kind: 'object' | 'location',
    after: string | null,
    size: number,
  ): Promise<{ ids: string[]; known: Array<Entity<unknown>>; pairs: Array<[string, string]> }> {
    if (kind === 'object') {
      const batch = await suggestions.objectsAfter(trx, partnershipId, after, size)
      const forms = batch.flatMap((o) => compactForms(o.facts).map((form) => ({ id: o.id, form })))
      return {
        ids: batch.map((o) => o.id),
        known: batch,
        pairs: await suggestions.objectPairs(trx, partnershipId, forms),
      }
    }
    const batch = await suggestions.locationsAfter(trx, partnershipId, after, size)
    const ids = batch.map((l) => l.id)
    return { ids, known: batch, pairs: await suggestions.locationPairs(trx, partnershipId, ids) }
  }

  const loadMany = (trx: Transaction<DB>, kind: EntityKind, ids: readonly string[]) =>
    kind === 'object'
      ? suggestions.objectsIn(trx, ids)
      : kind === 'location'
        ? suggestions.locationsIn(trx, ids)
        : suggestions.peopleIn(trx, ids)

  const scoreOf = (kind: EntityKind, a: Entity<unknown>, b: Entity<unknown>): Scored =>
    kind === 'object'
      ? scoreObjects(a.facts as ObjectFacts, b.facts as ObjectFacts)
      : kind === 'location'
        ? scoreLocations(a.facts as LocationFacts, b.facts as LocationFacts)
        : scorePeople(a.facts as PersonFacts, b.facts as PersonFacts)

  /**
   * One batch of the full rebuild: its pairs (each once in the whole rebuild: `seen`), scored, those at least the
   * threshold that are not linked or rejected on the same evidence proposed in one statement (`kept`).
   */
  async function rebuildBatch(
    trx: Transaction<DB>,
    partnershipId: string,
    kind: 'object' | 'location',
    after: string | null,
    size: number,
    run: { kept: Set<string>; seen: Set<string> },
  ): Promise<{ ids: number; last: string | null }> {
    const { ids, known, pairs } = await batchPairs(trx, partnershipId, kind, after, size)
    await proposePairs(trx, partnershipId, kind, pairs, known, run)
    return { ids: ids.length, last: ids[ids.length - 1] ?? null }
  }

  /** Scores these candidate pairs (each once in the whole rebuild: `seen`) and proposes those that hold. */
  async function proposePairs(
    trx: Transaction<DB>,
    partnershipId: string,
    kind: EntityKind,
    pairs: ReadonlyArray<readonly [string, string]>,
    known: ReadonlyArray<Entity<unknown>>,
    run: { kept: Set<string>; seen: Set<string> },
  ): Promise<void> {
    const fresh: Array<[string, string]> = []
    for (const [x, y] of pairs) {
      const pair: [string, string] = x < y ? [x, y] : [y, x]
      const key = `${pair[0]}:${pair[1]}`
      if (run.seen.has(key)) continue
      run.seen.add(key)
      fresh.push(pair)
    }
    const entities = new Map(known.map((e) => [e.id, e]))
    const missing = [...new Set(fresh.flat())].filter((id) => !entities.has(id))
    for (const e of await loadMany(trx, kind, missing)) entities.set(e.id, e)
    const proposals: NewSuggestion[] = []
    for (const [aId, bId] of fresh) {
      const a = entities.get(aId)
      const b = entities.get(bId)
      if (a === undefined || b === undefined) continue
      const scored = scoreOf(kind, a, b)
      if (scored.score < THRESHOLD) continue
      proposals.push({
        partnershipId,
        kind,
        aId,
        bId,
        aVersion: a.version,
        bVersion: b.version,
        score: scored.score,
        explanation: scored.contributions.map(withoutEvidence),
        fingerprint: fingerprint(kind, aId, bId, scored.contributions),
      })
    }
    const linked = await suggestions.linkedPairs(
      trx,
      proposals.map((p) => [p.aId, p.bId] as const),
    )
    const rejected = await suggestions.rejectedPrints(
      trx,
      partnershipId,
      proposals.map((p) => p.fingerprint),
    )
    const chosen = proposals.filter((p) => !linked.has(`${p.aId}:${p.bId}`) && !rejected.has(p.fingerprint))
    for (let i = 0; i < chosen.length; i += 2000)
      await suggestions.proposeMany(trx, chosen.slice(i, i + 2000))
    for (const p of chosen) run.kept.add(`${p.aId}:${p.bId}`)
  }

  /** The people of a full rebuild: every candidate pair in one statement, scored and proposed a chunk at a time. */
  async function rebuildPeople(
    partnershipId: string,
    chunk: number,
    run: { kept: Set<string>; seen: Set<string> },
    advance: (fraction: number) => void,
  ): Promise<void> {
    const context = { partnershipId }
    const pairs = await withTransaction(database, context, (trx) => suggestions.personPairs(trx))
    for (let i = 0; i < pairs.length; i += chunk) {
      const slice = pairs.slice(i, i + chunk)
      await withTransaction(database, context, (trx) =>
        proposePairs(trx, partnershipId, 'person', slice, [], run),
      )
      advance(slice.length / pairs.length)
    }
  }

  /** The end records shown by a list of suggestions: the people among them are audited as reads. */
  const shownRecords = (record: SuggestionRecord) => [
    { type: 'suggestion', id: record.row.id },
    ...[record.a, record.b].flatMap((end) =>
      end === undefined
        ? []
        : [{ type: end.kind, id: end.kind === 'person' ? end.row.person.id : end.row.id }],
    ),
  ]

  return {
    /**
     * Works out the suggestions of a record just recorded or changed (by `actor`, in their partnership), in the
     * caller's transaction or a new one. Nothing is shown to anyone, so nothing is audited: the queue is.
     */
    async refreshFor(
      actor: Actor,
      kind: EntityKind,
      id: string,
      options: { trx?: Transaction<DB> } = {},
    ): Promise<number> {
      return access.within(actor, options.trx, (trx) => refresh(trx, actor.partnershipId, kind, id))
    },

    /**
     * Works out a record's suggestions after it was saved, never failing the save: a failure (the database
     * refusing, a bug) is undone alone (in the caller's transaction, to a savepoint) and the record is kept as due
     * (suggestion_refresh_due, with the failure's message), for `retryDue` and the next full rebuild.
     */
    async refreshAfterSave(
      actor: Actor,
      kind: EntityKind,
      id: string,
      options: { trx?: Transaction<DB> } = {},
    ): Promise<void> {
      const due = async (trx: Transaction<DB>, error: unknown) =>
        suggestions.markDue(trx, {
          partnershipId: actor.partnershipId,
          kind,
          id,
          error: error instanceof Error ? error.message : String(error),
        })
      const { trx } = options
      if (trx !== undefined) {
        await sql`SAVEPOINT suggestion_refresh`.execute(trx)
        try {
          await refresh(trx, actor.partnershipId, kind, id)
          await sql`RELEASE SAVEPOINT suggestion_refresh`.execute(trx)
        } catch (error) {
          await sql`ROLLBACK TO SAVEPOINT suggestion_refresh`.execute(trx)
          await due(trx, error)
        }
        return
      }
      try {
        await access.within(actor, undefined, (t) => refresh(t, actor.partnershipId, kind, id))
      } catch (error) {
        // The save has committed: if even this fails, the next full rebuild works the record out.
        await access.within(actor, undefined, (t) => due(t, error)).catch(() => undefined)
      }
    },

    /**
     * Retries the records of a partnership whose suggestions failed after a save (the background job): each
     * worked out is no longer due; one failing again counts another attempt. Answers how many were tried and
     * how many failed again (with the last message), for the job's log.
     */
    async retryDue(
      partnershipId: string,
      limit = 100,
    ): Promise<{ tried: number; failed: number; lastError: string | null }> {
      const context = { partnershipId }
      const due = await withTransaction(database, context, (trx) =>
        suggestions.due(trx, partnershipId, limit),
      )
      let failed = 0
      let lastError: string | null = null
      for (const record of due) {
        try {
          await withTransaction(database, context, async (trx) => {
            await refresh(trx, partnershipId, record.kind, record.id)
            await suggestions.doneDue(trx, partnershipId, record.kind, record.id)
          })
        } catch (error) {
          failed++
          lastError = error instanceof Error ? error.message : String(error)
          await withTransaction(database, context, (trx) =>
            suggestions.markDue(trx, {
              partnershipId,
              kind: record.kind,
              id: record.id,
              error: lastError ?? '',
            }),
          )
        }
      }
      return { tried: due.length, failed, lastError }
    },

    /**
     * Works out every record's suggestions again in one partnership (`openmace suggestions rebuild`), set-based:
     * a batch of records of a kind at a time, each batch's candidate pairs found by one statement (objects by
     * their compacted forms, locations by postcode, people by suggestion_person_pairs), scored in bulk by the
     * same scoring as refreshFor, and proposed in one statement; pending suggestions no pair kept any more are
     * superseded. The same suggestions as refreshFor on every record gives; `progress` hears how far it is.
     */
    async rebuild(
      partnershipId: string,
      progress: (done: number, total: number) => void = () => undefined,
      batchSize = 5000,
    ): Promise<{ records: number; pending: number }> {
      const context = { partnershipId }
      const started = new Date()
      const total = await withTransaction(database, context, async (trx) => {
        let n = 0
        for (const kind of REBUILD_KINDS) n += await suggestions.count(trx, kind)
        return n
      })
      let done = 0
      progress(done, total)
      for (const kind of REBUILD_KINDS) {
        const kept = new Set<string>()
        const seen = new Set<string>()
        if (kind === 'person') {
          const people = await withTransaction(database, context, (trx) => suggestions.count(trx, kind))
          let share = 0
          await rebuildPeople(partnershipId, batchSize, { kept, seen }, (fraction) => {
            share += fraction
            progress(Math.min(done + Math.round(share * people), total), total)
          })
          done += people
        }
        let after: string | null = null
        for (; kind !== 'person';) {
          const last: string | null = after
          const count: { ids: number; last: string | null } = await withTransaction(
            database,
            context,
            (trx) => rebuildBatch(trx, partnershipId, kind, last, batchSize, { kept, seen }),
          )
          if (count.ids === 0) break
          done += count.ids
          progress(Math.min(done, total), total)
          after = count.last
        }
        await withTransaction(database, context, async (trx) => {
          const stale = (await suggestions.pendingPairs(trx, partnershipId, kind)).filter(
            (p) => !kept.has(`${p.aId}:${p.bId}`),
          )
          for (let i = 0; i < stale.length; i += 10_000) {
            await suggestions.supersede(
              trx,
              stale.slice(i, i + 10_000).map((p) => p.id),
            )
          }
        })
      }
      progress(total, total)
      const pending = await withTransaction(database, context, async (trx) => {
        await suggestions.clearDue(trx, partnershipId, started)
        return suggestions.pendingCount(trx, partnershipId)
      })
      return { records: done, pending }
    },

    /**
     * The reviewer's queue, a page at a time: pending suggestions best first, QUEUE_SIZE of them a page (the
     * page's query bounded so), only those between two records the reviewer may see (the others are left out, as
     * if absent, so a page may show fewer); each shown is audited as a read, with each person it names. `more`:
     * whether a later page has suggestions.
     */
    async queuePage(
      actor: Actor,
      ctx: RequestContext,
      via: 'page' | 'api',
      page: number,
    ): Promise<{ suggestions: SuggestionView[]; page: number; more: boolean }> {
      return access.within(actor, undefined, async (trx) => {
        const fetched = await suggestions.pending(
          trx,
          actor.partnershipId,
          QUEUE_SIZE + 1,
          (page - 1) * QUEUE_SIZE,
        )
        const rows = fetched.slice(0, QUEUE_SIZE)
        const records: SuggestionRecord[] = []
        for (const row of rows) {
          records.push({
            row,
            a: await loadEnd(trx, actor, row.kind, row.aId),
            b: await loadEnd(trx, actor, row.kind, row.bId),
          })
        }
        const shown = await access.shown(trx, actor, suggestionKind, records, (r) => r.row.id, ctx, {
          via,
          records: shownRecords,
        })
        const views: SuggestionView[] = []
        for (const { row } of shown) views.push(await viewOf(trx, row))
        return { suggestions: views, page, more: fetched.length > QUEUE_SIZE }
      })
    },

    /** The queue's first page. */
    async queue(actor: Actor, ctx: RequestContext, via: 'page' | 'api'): Promise<SuggestionView[]> {
      return (await this.queuePage(actor, ctx, via, 1)).suggestions
    },

    /** One suggestion with its explanation, audited (and each person it names); NotFoundError unless both ends show. */
    async read(
      actor: Actor,
      id: string,
      ctx: RequestContext,
      via: 'page' | 'api' | 'form',
    ): Promise<{ suggestion: SuggestionView; canDecide: boolean }> {
      return access.read(actor, suggestionKind, id, ctx, { via }, async (trx, { row: record }) => {
        const named = [record.a, record.b].flatMap((end) => (end?.kind === 'person' ? [end.row] : []))
        await access.shown(trx, actor, people, named, (p) => p.person.id, ctx, { via: 'suggestion' })
        const suggestion = await viewOf(trx, record)
        return {
          suggestion,
          canDecide: suggestion.status === 'pending' && decideOn(actor, 'write', record).allowed,
        }
      })
    },

    /**
     * Accepts a pending suggestion at `version`: the link is made through the link service (possibly the same
     * person, place or thing; suspected; its provenance names both records and who recorded each), in the same
     * transaction. ConflictError (nothing written) when it was decided already, the suggestion is stale, either
     * record changed since it was made, or the two are linked meanwhile.
     */
    async accept(actor: Actor, id: string, version: number, ctx: RequestContext): Promise<SuggestionView> {
      return access.write(actor, suggestionKind, id, ctx, async (trx, { row: record, decision }) => {
        const { row } = record
        if (row.status !== 'pending') throw new ConflictError(MESSAGES.decided)
        if (row.version !== version) throw new ConflictError(MESSAGES.stale)
        const shown = await viewOf(trx, record)
        const [a, b] = shown.ends
        if (a.version !== row.aVersion || b.version !== row.bVersion)
          throw new ConflictError(MESSAGES.changed)
        if (await suggestions.linked(trx, row.aId, row.bId)) throw new ConflictError(MESSAGES.linked)
        const describe = (end: EndShown) => `${end.name} (recorded by ${end.source ?? 'unknown'})`
        const source = `Suggested link, score ${row.score.toFixed(1)}: ${describe(a)} and ${describe(b)}`
        const linkId = await links.create(
          actor,
          {
            linkType: LINK_TYPES[row.kind],
            fromKind: row.kind,
            fromId: row.aId,
            toKind: row.kind,
            to: row.bId,
            fromDate: '',
            toDate: '',
            source: source.length > 300 ? `${source.slice(0, 299)}…` : source,
            sourceType: 'record',
            sourceAgencyId: '',
            sourceEvaluation: '',
            intelligenceAssessment: '',
            confidence: 'suspected',
          },
          ctx,
          { trx },
        )
        if (!(await suggestions.decide(trx, id, version, { status: 'accepted', linkId }, actor.userId))) {
          throw new ConflictError(MESSAGES.stale)
        }
        await access.changed(trx, actor, ctx, { type: 'suggestion', id }, decision, {
          action: 'record.update',
          details: { change: 'accept', kind: row.kind, score: row.score },
        })
        return { ...shown, status: 'accepted', linkId, version: version + 1 }
      })
    },

    /**
     * Rejects a pending suggestion at `version`, with a reason: the pair is never proposed again on the same
     * evidence. ValidationError without a reason; ConflictError when decided already or stale. Nothing is
     * written on any error.
     */
    async reject(
      actor: Actor,
      id: string,
      version: number,
      reason: string,
      ctx: RequestContext,
    ): Promise<SuggestionView> {
      return access.write(actor, suggestionKind, id, ctx, async (trx, { row: record, decision }) => {
        const given = reason.trim()
        if (given === '') throw new ValidationError([{ field: 'reason', message: MESSAGES.reason }])
        if (given.length > 1000)
          throw new ValidationError([{ field: 'reason', message: MESSAGES.reasonLong }])
        if (record.row.status !== 'pending') throw new ConflictError(MESSAGES.decided)
        if (record.row.version !== version) throw new ConflictError(MESSAGES.stale)
        const shown = await viewOf(trx, record)
        if (
          !(await suggestions.decide(trx, id, version, { status: 'rejected', reason: given }, actor.userId))
        ) {
          throw new ConflictError(MESSAGES.stale)
        }
        await access.changed(trx, actor, ctx, { type: 'suggestion', id }, decision, {
          action: 'record.update',
          details: { change: 'reject', kind: record.row.kind },
        })
        return { ...shown, status: 'rejected', rejectReason: given, version: version + 1 }
      })
    },
  }
}

export type SuggestionService = ReturnType<typeof suggestionService>

/**
 * The services whose creations and changes of a person, location or object work out that record's suggestions
 * again once written (services.ts wires them): the same services, with refreshFor after each change.
 */
export function suggestionRefresh<
  L extends Pick<LocationService, 'create' | 'update'>,
  O extends Pick<ObjectService, 'create' | 'update'>,
  P extends {
    create(
      actor: Actor,
      input: never,
      ctx: RequestContext,
      options?: { trx?: Transaction<DB> },
    ): Promise<string>
    update(actor: Actor, id: string, ...rest: never[]): Promise<unknown>
    addAliases(actor: Actor, id: string, ...rest: never[]): Promise<unknown>
    removeAlias(actor: Actor, id: string, ...rest: never[]): Promise<unknown>
  },
>(service: SuggestionService, wrapped: { locations: L; objects: O; personEdit: P }) {
  const { locations, objects, personEdit } = wrapped
  const thing = <
    S extends Pick<LocationService, 'create' | 'update'> | Pick<ObjectService, 'create' | 'update'>,
  >(
    kind: 'location' | 'object',
    s: S,
  ): S => ({
    ...s,
    create: async (...args: Parameters<S['create']>) => {
      const created = await (s.create as (...a: typeof args) => Promise<{ id: string }>)(...args)
      await service.refreshAfterSave(args[0], kind, created.id)
      return created
    },
    update: async (...args: Parameters<S['update']>) => {
      const updated = await (s.update as (...a: typeof args) => Promise<{ id: string }>)(...args)
      await service.refreshAfterSave(args[0], kind, args[1])
      return updated
    },
  })
  const afterPersonChange = <K extends 'update' | 'addAliases' | 'removeAlias'>(method: K) =>
    (async (...args: Parameters<P[K]>) => {
      const result = await (personEdit[method] as (...a: typeof args) => Promise<unknown>)(...args)
      await service.refreshAfterSave(args[0], 'person', args[1])
      return result
    }) as P[K]
  const person: P = {
    ...personEdit,
    create: async (...args: Parameters<P['create']>) => {
      const id = await (personEdit.create as (...a: typeof args) => Promise<string>)(...args)
      const options = args[3]
      await service.refreshAfterSave(
        args[0],
        'person',
        id,
        options?.trx === undefined ? {} : { trx: options.trx },
      )
      return id
    },
    update: afterPersonChange('update'),
    addAliases: afterPersonChange('addAliases'),
    removeAlias: afterPersonChange('removeAlias'),
  }
  return { locations: thing('location', locations), objects: thing('object', objects), personEdit: person }
}
