import { calendarDate } from '../../platform/format.ts'
import { paths } from '../../platform/paths.ts'
import type { RawEvent } from './chronology-repository.ts'

/** One event of a child's chronology, as pages and the API show it. */
export interface ChronologyEvent {
  id: string
  type: string
  typeLabel: string
  action: string
  /** An ISO date-time, or a calendar date 'YYYY-MM-DD' when the event has no time of day. */
  occurredAt: string
  dateOnly: boolean
  title: string
  description: string
  agency: { id: string; name: string } | null
  recordedBy: string | null
  /** The record the event comes from, and a page to open (null when there is none the reader may open). */
  source: { type: string; id: string; href: string | null }
}

/** The other end of a link or merge: its name only when the reader may see it. */
export interface OtherEnd {
  name: string | null
  href: string | null
}

const ALIAS_KIND: Readonly<Record<string, string>> = {
  alias: 'Alias',
  'street-name': 'Street name',
  'previous-name': 'Previous name',
}

const sentence = (text: string) => text.charAt(0).toUpperCase() + text.slice(1)
const str = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null)

function provenance(data: Record<string, unknown>): string {
  const parts: string[] = []
  const confidence = str(data.confidence)
  if (confidence !== null) parts.push(sentence(confidence))
  const source = str(data.source)
  if (source !== null) parts.push(`Source: ${source}`)
  const evaluation = str(data.sourceEvaluation)
  const assessment = str(data.intelligenceAssessment)
  if (evaluation !== null || assessment !== null) {
    parts.push(`Graded ${evaluation ?? '-'}${assessment ?? '-'} (3x5x2)`)
  }
  return parts.join('. ')
}

/** Title and description of one event; pure, so the wording is tested without a database. */
export function describeEvent(
  event: RawEvent,
  other: OtherEnd | null,
  typeLabels: ReadonlyMap<string, string>,
): ChronologyEvent {
  const otherName = other?.name ?? null
  const data = event.data
  let title: string
  let description = ''
  let href: string | null = null
  switch (event.type) {
    case 'record':
      if (event.action === 'created') {
        title = 'Record created'
        description = `${event.codeLabel ?? 'Person'} record created`
      } else {
        title = `Known to ${event.agencyName ?? 'an agency'}`
        description = 'The agency holds or supplied information on this person'
      }
      href = paths.people.show(event.sourceId)
      break
    case 'statutory-status':
      title = `${event.codeLabel ?? 'Statutory status'} ${event.action === 'started' ? 'started' : 'ended'}`
      href = paths.people.show(event.sourceId)
      break
    case 'alias': {
      const kind = ALIAS_KIND[event.code ?? ''] ?? 'Alias'
      title = `${kind} ${event.action === 'added' ? 'added' : 'removed'}`
      description = str(data.name) ?? ''
      href = paths.people.show(event.sourceId)
      break
    }
    case 'link': {
      const what = `${event.codeLabel ?? 'linked to'} ${otherName ?? 'a record you cannot see'}`
      title =
        event.action === 'recorded'
          ? `Link recorded: ${what}`
          : event.action === 'started'
            ? `Link starts: ${what}`
            : event.action === 'ends'
              ? `Link ends: ${what}`
              : `Link ended: ${what}`
      description = event.action === 'ended' ? (str(data.endReason) ?? 'No longer current') : provenance(data)
      href = other?.href ?? null
      break
    }
    case 'flag': {
      const label = event.codeLabel ?? 'Flag'
      const review = calendarDate(str(data.reviewDate))
      if (event.action === 'set') {
        title = `Flag set: ${label}`
        description = [str(data.reason), review === '' ? null : `Review by ${review}`]
          .filter((p) => p !== null)
          .join('. ')
      } else if (event.action === 'reviewed') {
        title = `Flag reviewed: ${label}`
        description = review === '' ? '' : `Next review by ${review}`
      } else {
        title = `Flag removed: ${label}`
        description = str(data.removedReason) ?? ''
      }
      break
    }
    case 'merge': {
      const survivor = event.code === 'survivor'
      const name = otherName ?? 'another record'
      title =
        event.action === 'merged'
          ? survivor
            ? `Record merged: ${name} merged into this record`
            : `Record merged into ${name}`
          : `Merge reversed with ${name}`
      description = str(event.action === 'merged' ? data.reason : data.unmergeReason) ?? ''
      href = other?.href ?? null
      break
    }
    case 'referral': {
      const reasons = str(data.reasons)
      if (event.action === 'submitted') title = 'Referral sent to the front door'
      else if (event.action === 'review-started') title = 'Referral review started'
      else if (event.action === 'decided')
        title = `Referral decided: ${event.codeLabel ?? 'decision recorded'}`
      else title = 'Referral withdrawn'
      description = reasons ?? ''
      href = paths.referrals.show(event.sourceId)
      break
    }
    case 'concern':
      title = `Concern recorded${event.codeLabel === null ? '' : `: judged ${event.codeLabel}`}`
      description = data.immediateDanger === true ? 'The child was in immediate danger' : ''
      href = paths.concerns.show(event.sourceId)
      break
    // a13: allocation (issue 13)
    case 'allocation': {
      const team = event.codeLabel ?? 'a team'
      if (event.action === 'queued') {
        title = `Waiting for allocation by ${team}`
        description = data.urgent === true ? 'The child was in immediate danger' : ''
      } else {
        const to = str(data.to) ?? 'a worker'
        title =
          event.action === 'allocated'
            ? `Allocated to ${to} (${team})`
            : `Re-allocated from ${str(data.from) ?? 'a worker'} to ${to} (${team})`
        description = str(data.reason) ?? ''
      }
      // No link: the allocation's page is its team manager's and its worker's only.
      break
    }
    default:
      title = sentence(`${event.type} ${event.action}`)
  }
  return {
    id: event.eventKey,
    type: event.type,
    typeLabel: typeLabels.get(event.type) ?? event.type,
    action: event.action,
    occurredAt: event.occurredOn ?? event.occurredAt.toISOString(),
    dateOnly: event.occurredOn !== null,
    title,
    description,
    agency:
      event.agencyId === null || event.agencyName === null
        ? null
        : { id: event.agencyId, name: event.agencyName },
    recordedBy: event.recordedByName,
    source: { type: event.sourceKind, id: event.sourceId, href },
  }
}
