import type { TaskSubjectKind } from '../../db/schema.ts'

/**
 * The declared kinds of task, in one place: what each is called, when it falls due when its trigger names no
 * time, who it goes to, when it is escalated and to whom, what raises it and what completes it. A feature that
 * makes work adds its kind here and raises it through the task service (`tasks.raise`), never by writing rows.
 */
export interface TaskKind {
  readonly code: string
  readonly label: string
  /** Falls due this long after it is raised, unless its trigger gives a due time. */
  readonly dueAfterHours: number
  /** Who it goes to: the user the trigger names (with their team), or their team alone. */
  readonly assignee: 'user-and-team' | 'team'
  /** Escalated to the manager of the assignee's team this long after it falls due (null: never). */
  readonly escalateAfterHours: number | null
  readonly subjectKinds: readonly TaskSubjectKind[]
  /** What raises it, and what completes or cancels it (shown with the kinds). */
  readonly raisedBy: string
  readonly closedBy: string
}

export const TASK_KINDS = {
  'flag-review': {
    code: 'flag-review',
    label: 'Flag review due',
    dueAfterHours: 24 * 28,
    assignee: 'user-and-team',
    escalateAfterHours: 0,
    subjectKinds: ['person', 'location'],
    raisedBy: 'A flag is set or reviewed: the review falls due at the end of its review date.',
    closedBy:
      'Done when the flag is reviewed (a new review raises the next one); cancelled when it is removed.',
  },
  'notification-acknowledgement': {
    code: 'notification-acknowledgement',
    label: 'Notification not yet acknowledged',
    dueAfterHours: 24 * 5,
    assignee: 'user-and-team',
    escalateAfterHours: 24,
    subjectKinds: ['person'],
    raisedBy:
      'A cross-authority notification is sent: the sender chases its acknowledgement if none has come in five days.',
    closedBy: 'Done when the other authority acknowledges the notification.',
  },
} as const satisfies Record<string, TaskKind>

export type TaskKindCode = keyof typeof TASK_KINDS

export const TASK_KIND_CODES = Object.keys(TASK_KINDS) as TaskKindCode[]

export function isTaskKind(code: string): code is TaskKindCode {
  return Object.hasOwn(TASK_KINDS, code)
}

export function taskKind(code: string): TaskKind | undefined {
  return isTaskKind(code) ? TASK_KINDS[code] : undefined
}
