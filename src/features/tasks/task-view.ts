import type { TaskSubjectKind } from '../../db/schema.ts'
import { paths } from '../../platform/paths.ts'
import type { TaskView } from './task-service.ts'

/** Where a task's subject is shown (a record kind without a page of its own: none). */
export function subjectHref(kind: TaskSubjectKind, id: string): string | null {
  switch (kind) {
    case 'person':
      return paths.people.show(id)
    case 'location':
      return paths.locations.show(id)
    case 'object':
      return paths.objects.show(id)
    case 'referral':
      return paths.referrals.show(id)
  }
}

/** A task as a page row shows it: its subject's page, and what the reader may do with it. */
export function taskRow(task: TaskView) {
  return {
    ...task,
    subjectHref: subjectHref(task.subjectKind, task.subjectId),
    completeHref: task.status === 'open' ? paths.work.complete(task.id) : null,
    reassignHref: task.canReassign ? paths.work.reassign(task.id) : null,
  }
}
