import type { Transaction } from 'kysely'
import type { DB, AllocationStatus } from '../../db/schema.ts'
import {
  can,
  decideAllocation,
  decideAllocationQueue,
  decideAllocationRequest,
  decidePersonAllocation,
  decidePersonDetail,
  type Actor,
} from '../../platform/access/policy.ts'
import { itemAndChild, type RecordAccess, type RecordKind } from '../../platform/access/record-access.ts'
import type { RequestContext } from '../../platform/auth/auth-service.ts'
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../../platform/errors.ts'
import type { FieldError } from '../../platform/errors.ts'
import { UUID } from '../../platform/identifiers/uuid.ts'
import type { PersonService } from '../people/person-service.ts'
import type { DecisionFollowUp, DecisionInput } from '../referrals/referral-service.ts'
import {
  allocationFacts,
  type AllocationHistoryRow,
  type AllocationRepository,
  type AllocationRow,
  type TeamOption,
  type TeamWorker,
} from './allocation-repository.ts'
import { allocationWorkflow, type AllocationMove } from './allocation-workflow.ts'

/**
 * Allocation (issue 13): a front-door decision for an assessment or a strategy meeting puts the child in a team's
 * allocation queue (the decision names the team); the team's manager sees the queue (a child in immediate danger
 * first, then the oldest) and allocates a worker of the team, or later re-allocates with a reason. The child's
 * allocated worker and team are set through the people service, which gives the worker, the team and its manager
 * their case relationship in the policy. Every allocation is kept in the history (who, to whom, when, why) and shown
 * on the child's record and chronology. Records are reached through the record-access kit (decideAllocation).
 */

/** The decisions that put the child in a team's allocation queue (reference data, referral_decision_type). */
export const ALLOCATING_DECISIONS: readonly string[] = ['cin-assessment', 'strategy-meeting']

export interface AllocationView {
  id: string
  personId: string
  childName: string
  dateOfBirth: string | null
  teamId: string
  teamName: string
  status: AllocationStatus
  statusLabel: string
  urgent: boolean
  queuedAt: string
  queuedByName: string | null
  decisionLabel: string | null
  workerId: string | null
  workerName: string | null
  allocatedAt: string | null
  version: number
}

export interface AllocationHistoryView {
  teamName: string
  fromWorkerName: string | null
  toWorkerName: string | null
  byName: string | null
  at: string
  reason: string | null
}

export interface AllocationRead {
  allocation: AllocationView
  history: AllocationHistoryView[]
  /** May this actor allocate or re-allocate it (the team's manager). */
  canAllocate: boolean
}

export interface AllocateInput {
  workerId?: string
  reason?: string
  version?: number
}

const STATUS_LABELS: Readonly<Record<AllocationStatus, string>> = {
  waiting: 'Waiting for allocation',
  allocated: 'Allocated',
}

/** How many waiting children the home page lists. */
export const WAITING_SHOWN = 5
const QUEUE_LIMIT = 200
const MINE_LIMIT = 200
const REASON_MAX = 2000

const CHANGED_MEANWHILE = 'Someone else changed this allocation while you were looking at it. Check it again.'

export function allocationView(row: AllocationRow): AllocationView {
  return {
    id: row.id,
    personId: row.personId,
    childName: [row.givenName, row.familyName].filter((n) => n !== null && n !== '').join(' '),
    dateOfBirth: row.dateOfBirth,
    teamId: row.teamId,
    teamName: row.teamName,
    status: row.status,
    statusLabel: STATUS_LABELS[row.status],
    urgent: row.urgent,
    queuedAt: row.queuedAt.toISOString(),
    queuedByName: row.queuedByName,
    decisionLabel: row.decisionLabel,
    workerId: row.workerId,
    workerName: row.workerName,
    allocatedAt: row.allocatedAt?.toISOString() ?? null,
    version: row.version,
  }
}

export function historyView(row: AllocationHistoryRow): AllocationHistoryView {
  return {
    teamName: row.teamName,
    fromWorkerName: row.fromWorkerName,
    toWorkerName: row.toWorkerName,
    byName: row.byName,
    at: row.at.toISOString(),
    reason: row.reason,
  }
}

/** A child's record as the people service's kind loads it (with its policy facts). */
type ChildRecord = NonNullable<Awaited<ReturnType<PersonService['records']['load']>>>

const text = (value: unknown): string => (typeof value === 'string' ? value.trim() : '')

/** The errors of an allocation's input, against the team's workers and whether it is a re-allocation. */
export function allocateErrors(
  input: AllocateInput,
  row: Pick<AllocationRow, 'status' | 'workerId' | 'teamName'>,
  workers: readonly TeamWorker[],
): FieldError[] {
  const errors: FieldError[] = []
  const workerId = text(input.workerId).toLowerCase()
  if (workerId === '')
    errors.push({ field: 'workerId', message: 'Select the worker to allocate the child to' })
  else if (!workers.some((w) => w.id === workerId)) {
    // Policy: a team's manager allocates the team's own workers.
    errors.push({ field: 'workerId', message: `Select a worker from the ${row.teamName} team` })
  } else if (row.status === 'allocated' && workerId === row.workerId) {
    errors.push({
      field: 'workerId',
      message: 'Select a different worker: the child is already allocated to them',
    })
  }
  const reason = text(input.reason)
  if (row.status === 'allocated' && reason === '') {
    errors.push({ field: 'reason', message: 'Enter why the child is being re-allocated' })
  } else if (reason.length > REASON_MAX) {
    errors.push({ field: 'reason', message: `The reason must be ${String(REASON_MAX)} characters or fewer` })
  }
  return errors
}

/** Where a call runs: in the caller's transaction (the demo seed's), or in its own. */
export interface InTransaction {
  trx?: Transaction<DB>
}

export interface AllocationServiceOptions {
  now?: () => Date
}

export function allocationService(
  allocations: AllocationRepository,
  people: PersonService,
  access: RecordAccess,
  options: AllocationServiceOptions = {},
) {
  const clock = options.now ?? (() => new Date())

  /** How the record-access kit reaches an allocation: with its policy facts, decided by decideAllocation. */
  const allocationKind: RecordKind<AllocationRow> = {
    type: 'allocation',
    decide: (actor, action, row) => decideAllocation(actor, action, allocationFacts(row)),
    load: (trx, id, _actor, how) => allocations.find(trx, id, { forUpdate: how.lock }),
  }
  const records = itemAndChild('allocation')

  /** A list's allocations the actor may see, each audited as a read of the allocation and of its child. */
  async function shown(
    trx: Transaction<DB>,
    actor: Actor,
    rows: readonly AllocationRow[],
    ctx: RequestContext,
    via: string,
  ) {
    const reached = await access.shown(trx, actor, allocationKind, rows, (r) => r.id, ctx, { via, records })
    return reached.map(({ row }) => allocationView(row))
  }

  /** The teams the actor manages whose queues the policy lets them see. */
  function managedTeams(actor: Actor): string[] {
    return actor.managedTeamIds.filter(
      (teamId) => decideAllocationQueue(actor, { partnershipId: actor.partnershipId, teamId }).allowed,
    )
  }

  async function teamOptions(trx: Transaction<DB>, actor: Actor): Promise<TeamOption[]> {
    return allocations.teams(trx, actor.partnershipId)
  }

  /** The front-door decision's part: which team's allocation queue the child joins. */
  const followUp: DecisionFollowUp = {
    async options(trx, actor, child) {
      const teams = await teamOptions(trx, actor)
      // Default: the team the child is already allocated to, else the decider's own team, when either can allocate;
      // else the partnership's one team that can.
      const preferred =
        [child.allocatedTeamId, ...actor.teamIds].find(
          (id) => id !== null && teams.some((t) => t.id === id),
        ) ?? (teams.length === 1 ? teams[0]?.id : undefined)
      const values: Record<string, string> = {}
      if (typeof preferred === 'string') values.allocationTeamId = preferred
      return { options: { allocationTeams: teams, allocatingDecisions: ALLOCATING_DECISIONS }, values }
    },
    async check(trx, actor, input: DecisionInput, decision) {
      if (!ALLOCATING_DECISIONS.includes(decision)) return []
      const teamId = text(input.allocationTeamId).toLowerCase()
      if (teamId === '') {
        return [
          { field: 'allocationTeamId', message: 'Select the team that will allocate a worker to the child' },
        ]
      }
      const teams = await teamOptions(trx, actor)
      if (!teams.some((t) => t.id === teamId)) {
        return [{ field: 'allocationTeamId', message: 'Select a team from the list' }]
      }
      return []
    },
    async after(trx, actor, input, referral, ctx, now) {
      if (!ALLOCATING_DECISIONS.includes(input.decision)) return
      const teamId = text(input.allocationTeamId).toLowerCase()
      const decision = decideAllocationRequest(actor, referral.decision, referral.personId)
      if (!decision.allowed) throw new ForbiddenError()
      const id = await allocations.insert(trx, {
        partnershipId: actor.partnershipId,
        personId: referral.personId,
        referralId: referral.id,
        teamId,
        urgent: await allocations.urgent(trx, referral.id),
        queuedAt: now,
        queuedBy: actor.userId,
      })
      await access.changed(trx, actor, ctx, { type: 'allocation', id }, decision, {
        action: 'record.create',
        details: { decision: input.decision, via: 'referral-decision' },
      })
    },
  }

  function readOf(actor: Actor, row: AllocationRow, history: AllocationHistoryRow[]): AllocationRead {
    return {
      allocation: allocationView(row),
      history: history.map(historyView),
      canAllocate: allocationWorkflow
        .movesFrom(row.status)
        .some((move) => allocationWorkflow.offers(actor, move, row)),
    }
  }

  return {
    records: allocationKind,

    /** What the front-door decision does next (registered with the referral service in services.ts). */
    followUp,

    /**
     * The allocation queues of the teams the actor manages: children waiting, a child in immediate danger first,
     * then the oldest. Each child listed is audited as a read of the allocation and of the child.
     */
    async queue(
      actor: Actor,
      ctx: RequestContext,
      options: InTransaction = {},
    ): Promise<{ allocations: AllocationView[]; total: number }> {
      if (!can(actor, 'allocation:manage')) throw new ForbiddenError()
      return access.within(actor, options.trx, async (trx) => {
        const { rows, total } = await allocations.waiting(trx, managedTeams(actor), QUEUE_LIMIT)
        return { allocations: await shown(trx, actor, rows, ctx, 'allocation-queue'), total }
      })
    },

    /** For the home page: how many children wait in the teams the actor manages, and the first few. */
    async waitingFor(actor: Actor, ctx: RequestContext): Promise<{ count: number; first: AllocationView[] }> {
      const teams = managedTeams(actor)
      if (teams.length === 0) return { count: 0, first: [] }
      return access.within(actor, undefined, async (trx) => {
        const { rows, total } = await allocations.waiting(trx, teams, WAITING_SHOWN)
        return { count: total, first: await shown(trx, actor, rows, ctx, 'home-allocations') }
      })
    },

    /** For the home page and the API: the children allocated to the actor, latest first, each audited. */
    async allocatedTo(actor: Actor, ctx: RequestContext): Promise<AllocationView[]> {
      if (!can(actor, 'person:read')) return []
      return access.within(actor, undefined, async (trx) => {
        const rows = await allocations.allocatedTo(trx, actor.userId, MINE_LIMIT)
        return shown(trx, actor, rows, ctx, 'my-allocations')
      })
    },

    /** One allocation with its history: its team's manager, or the worker it is allocated to. */
    async read(actor: Actor, id: string, ctx: RequestContext): Promise<AllocationRead> {
      return access.read(actor, allocationKind, id, ctx, { via: 'allocation' }, async (trx, { row }) => {
        // The page names the child: a read of the child's record too.
        await access.shown(trx, actor, allocationKind, [row], (r) => r.id, ctx, {
          via: 'allocation',
          records: (r) => [{ type: 'person', id: r.personId }],
        })
        return readOf(actor, row, await allocations.history(trx, { allocationId: id }))
      })
    },

    /**
     * The allocate form: the allocation (its manager only; anyone else as for one that does not exist) with the
     * team's workers to choose from. Showing it is a read of the allocation.
     */
    async forAllocate(
      actor: Actor,
      id: string,
      ctx: RequestContext,
    ): Promise<AllocationRead & { workers: TeamWorker[] }> {
      return access.read(
        actor,
        allocationKind,
        id,
        ctx,
        {
          via: 'allocate',
          decide: (a: Actor, row: AllocationRow) => decideAllocation(a, 'write', allocationFacts(row)),
        },
        async (trx, { row }) => ({
          ...readOf(actor, row, await allocations.history(trx, { allocationId: id })),
          workers: await allocations.workers(trx, row.teamId),
        }),
      )
    },

    /**
     * Allocates a waiting child to a worker of the team, or re-allocates an allocated one (with a reason): the
     * allocation, its history row, the child's allocated worker and team (through the people service) and the audit
     * rows, all in one transaction. Bad input (no worker, someone outside the team, no reason to re-allocate) is a
     * ValidationError; a stale version (another manager allocated meanwhile) a ConflictError; nothing is written.
     */
    async allocate(
      actor: Actor,
      id: string,
      input: AllocateInput,
      ctx: RequestContext,
      options: InTransaction = {},
    ): Promise<AllocationView> {
      const how = { via: 'allocate', trx: options.trx }
      return access.write(actor, allocationKind, id, ctx, how, async (trx, { row }) => {
        // Stale first: a manager who allocated meanwhile has changed what this input means.
        if (input.version === undefined || input.version !== row.version)
          throw new ConflictError(CHANGED_MEANWHILE)
        const errors = allocateErrors(input, row, await allocations.workers(trx, row.teamId))
        if (errors.length > 0) throw new ValidationError(errors)
        const move: AllocationMove = row.status === 'waiting' ? 'allocate' : 'reallocate'
        const checked = allocationWorkflow.check(actor, move, row)
        if (!checked.decision.allowed) throw new NotFoundError()
        const now = clock()
        const workerId = text(input.workerId).toLowerCase()
        const reason = text(input.reason)
        await allocations.allocate(trx, id, workerId, now)
        await allocations.addHistory(trx, {
          partnershipId: actor.partnershipId,
          allocationId: id,
          personId: row.personId,
          teamId: row.teamId,
          fromWorkerId: row.workerId,
          toWorkerId: workerId,
          by: actor.userId,
          at: now,
          reason: reason === '' ? null : reason,
        })
        await people.setAllocation(actor, row.personId, { teamId: row.teamId, workerId }, ctx, {
          trx,
          because: decidePersonAllocation(actor, checked.decision, row.personId),
        })
        await access.changed(trx, actor, ctx, { type: 'allocation', id }, checked.decision, {
          action: allocationWorkflow.moves[move].audit,
          details: { move, from: checked.from, to: checked.to },
        })
        const after = await allocations.find(trx, id)
        return allocationView(after ?? row)
      })
    },

    /**
     * A child's allocation history for their record's page, in the page's transaction (which reached and audited
     * the record): shown to a reader the policy lets see the record's details, and to nobody else.
     */
    async historyOfChild(
      trx: Transaction<DB>,
      actor: Actor,
      child: ChildRecord,
    ): Promise<AllocationHistoryView[]> {
      const read = decidePersonDetail(actor, people.records.decide(actor, 'read', child))
      if (!read.allowed || !UUID.test(child.person.id)) return []
      return (await allocations.history(trx, { personId: child.person.id })).map(historyView)
    },
  }
}

export type AllocationService = ReturnType<typeof allocationService>
