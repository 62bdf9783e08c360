import type { Actor, Decision } from '../access/policy.ts'
import type { AuditAction } from '../audit/audit-writer.ts'
import { ConflictError } from '../errors.ts'

/**
 * Declared workflows: a record's journey as a table of moves that can be listed, tested exhaustively and shown to
 * a manager, instead of moves written out by hand in each service. A move says which states it starts from, the
 * state it ends in, who may make it (a named decision in src/platform/access/policy.ts), the message for each
 * state it cannot start from (answered 409, nothing written), a four-eyes rule where one applies (the author of a
 * thing may not approve it), and the audit action. Its service method then only does what is particular to it
 * (validate the input, write the change) through `transition`.
 *
 * The database repeats the same rules in a trigger; a test walks every pair of states through the trigger and
 * compares its answers with `allowedPairs()` (src/features/referrals/referral-workflow.test.ts for referrals).
 */

export interface MoveDefinition<S extends string, Row> {
  /** What the move is called where people see it ("Start the review"). */
  readonly label: string
  readonly from: readonly S[]
  readonly to: S
  /** Who may make the move: the policy's named decision on this record. */
  readonly may: (actor: Actor, row: Row) => Decision
  /** Why the move cannot start from a state it does not start from (a 409). */
  readonly refusals: Partial<Record<S, string>>
  /** Four-eyes: the user who may not make this move on this record (e.g. its author may not approve it). */
  readonly notBy?: (row: Row) => string | null | undefined
  /** The message when the four-eyes rule refuses. */
  readonly notByMessage?: string
  readonly audit: AuditAction
}

export interface WorkflowDefinition<S extends string, M extends string, Row> {
  /** The record type (audit trail, transition rows). */
  readonly record: string
  readonly states: readonly S[]
  /** The state a new record starts in (its first transition comes from null). */
  readonly initial: S
  /** The record's current state. */
  readonly stateOf: (row: Row) => S
  readonly moves: { readonly [K in M]: MoveDefinition<S, Row> }
}

/** The result of checking a move on a record: the policy's decision, and the states it goes between. */
export interface CheckedMove<S extends string> {
  decision: Decision
  from: S
  to: S
}

/** Refused by the four-eyes rule of a move. */
export class FourEyesError extends ConflictError {}

export function declareWorkflow<S extends string, M extends string, Row>(
  definition: WorkflowDefinition<S, M, Row>,
) {
  for (const [name, move] of Object.entries<MoveDefinition<S, Row>>(definition.moves)) {
    for (const state of [...move.from, move.to]) {
      if (!definition.states.includes(state))
        throw new Error(`workflow ${definition.record}: ${name} uses ${state}`)
    }
    for (const state of definition.states) {
      if (!move.from.includes(state) && move.refusals[state] === undefined) {
        throw new Error(`workflow ${definition.record}: ${name} gives no reason for refusing from ${state}`)
      }
    }
  }

  return {
    ...definition,

    /** Every move from one state to another the table allows (and the first, from null to the initial state). */
    allowedPairs(): Array<[S | null, S]> {
      const pairs: Array<[S | null, S]> = [[null, definition.initial]]
      for (const move of Object.values<MoveDefinition<S, Row>>(definition.moves)) {
        for (const from of move.from) {
          if (!pairs.some(([a, b]) => a === from && b === move.to)) pairs.push([from, move.to])
        }
      }
      return pairs
    },

    /** The moves that may start from `state` (a page offers only these). */
    movesFrom(state: S): M[] {
      return (Object.keys(definition.moves) as M[]).filter((m) => definition.moves[m].from.includes(state))
    },

    /**
     * Checks a move on a record the caller has reached: the state (ConflictError with the table's message), the
     * four-eyes rule (FourEyesError), then who may (the decision; the caller answers a denial as not found or
     * forbidden as its surface requires). Pure: nothing is written.
     */
    check(actor: Actor, move: M, row: Row): CheckedMove<S> {
      const declared = definition.moves[move]
      const from = definition.stateOf(row)
      if (!declared.from.includes(from)) {
        throw new ConflictError(declared.refusals[from] ?? `This ${definition.record} cannot be changed now`)
      }
      const notBy = declared.notBy?.(row)
      if (notBy !== undefined && notBy !== null && notBy === actor.userId) {
        throw new FourEyesError(declared.notByMessage ?? 'Someone else must do this')
      }
      return { decision: declared.may(actor, row), from, to: declared.to }
    },

    /** May this actor make this move now (to offer it on a page)? Nothing thrown, nothing written. */
    offers(actor: Actor, move: M, row: Row): boolean {
      const declared = definition.moves[move]
      if (!declared.from.includes(definition.stateOf(row))) return false
      const notBy = declared.notBy?.(row)
      if (notBy !== undefined && notBy !== null && notBy === actor.userId) return false
      return declared.may(actor, row).allowed
    },
  }
}

export type Workflow<S extends string, M extends string, Row> = ReturnType<typeof declareWorkflow<S, M, Row>>
