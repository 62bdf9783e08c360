import { Type } from 'typebox'
import {
  dateOf,
  datePartsOf,
  fieldOf,
  formDate,
  formMany,
  formText,
  formVersion,
  listOf,
  type PostedForm,
} from '../../platform/views/form-fields.ts'
import type { Guide } from '../screening/screening-service.ts'
import type { ConcernView, StartInput } from './concern-service.ts'
import {
  BASES,
  CONSENTS,
  FAMILY_AWARE,
  RECENCIES,
  type DetailsInput,
  type TickInput,
} from './concern-validation.ts'

/** The concern's form pages: what each posts, and how a post becomes the service's input (and back). */

const DANGER_FIELDS = {
  immediateDanger: formText(10),
  policeCalled: formText(10),
  ...formDate('policeCalledOn'),
  policeCalledTime: formText(10),
  policeReference: formText(200),
}

/** Page 1: the child (chosen, or a new one) and immediate danger. */
export const START_FIELDS = {
  ...DANGER_FIELDS,
  child: formText(64),
  givenName: formText(200),
  familyName: formText(200),
  ...formDate('dateOfBirth'),
  estimatedAge: formText(10),
  schoolId: formText(64),
  addressLine1: formText(500),
  postcode: formText(20),
  matchesChecked: formText(10),
}

/** Changing page 1's immediate-danger answers from check answers. */
export const DANGER_BODY = { ...DANGER_FIELDS, ...formVersion }

/** Page 2: what was seen or heard, and the screening (each ticked item's evidence, recency and basis). */
export const DETAILS_BODY = {
  narrative: formText(20_000),
  ...formDate('happenedOn'),
  happenedAt: formText(1000),
  noticedBy: formText(1000),
  childWords: formText(20_000),
  consent: formText(20),
  consentNote: formText(5000),
  familyAware: formText(20),
  learningDisability: formText(10),
  tick: formMany(100, 100),
  ...formVersion,
}

/** The fields named after the guide's items: `evidence-<code>`, `recency-<code>`, `basis-<code>`. */
export const TICK_FIELDS = {
  '^(evidence|recency|basis)-[a-z0-9-]{1,60}$': Type.String({ maxLength: 20_000 }),
}

/** Page 3: the practitioner's judgement, and a discussion with a manager (optional). */
export const CHECK_BODY = {
  judgedLevel: formText(40),
  judgementReason: formText(20_000),
  discussedWith: formText(1000),
  discussionNote: formText(20_000),
  ...formVersion,
}

export function startInput(body: PostedForm): StartInput {
  return {
    immediateDanger: fieldOf(body, 'immediateDanger'),
    policeCalled: fieldOf(body, 'policeCalled'),
    policeCalledOn: dateOf(body, 'policeCalledOn'),
    policeCalledTime: fieldOf(body, 'policeCalledTime'),
    policeReference: fieldOf(body, 'policeReference'),
    child: fieldOf(body, 'child'),
    newChild: {
      givenName: fieldOf(body, 'givenName'),
      familyName: fieldOf(body, 'familyName'),
      dateOfBirth: dateOf(body, 'dateOfBirth'),
      estimatedAge: fieldOf(body, 'estimatedAge'),
      schoolId: fieldOf(body, 'schoolId'),
      addressLine1: fieldOf(body, 'addressLine1'),
      postcode: fieldOf(body, 'postcode'),
    },
  }
}

export function detailsInput(body: PostedForm): DetailsInput {
  return {
    narrative: fieldOf(body, 'narrative'),
    happenedOn: dateOf(body, 'happenedOn'),
    happenedAt: fieldOf(body, 'happenedAt'),
    noticedBy: fieldOf(body, 'noticedBy'),
    childWords: fieldOf(body, 'childWords'),
    consent: fieldOf(body, 'consent'),
    consentNote: fieldOf(body, 'consentNote'),
    familyAware: fieldOf(body, 'familyAware'),
    learningDisability: fieldOf(body, 'learningDisability'),
    ticks: listOf(body.tick).map((code): TickInput => ({
      itemCode: code,
      evidence: fieldOf(body, `evidence-${code}`),
      recency: fieldOf(body, `recency-${code}`),
      basis: fieldOf(body, `basis-${code}`),
    })),
  }
}

const yesNo = (value: boolean | null) => (value === null ? undefined : value ? 'yes' : 'no')

/** Page 2's form values from a saved draft (to show it again). */
export function detailsValues(concern: ConcernView): Record<string, unknown> {
  const values: Record<string, unknown> = {
    narrative: concern.narrative,
    ...datePartsOf('happenedOn', concern.happenedOn),
    happenedAt: concern.happenedAt,
    noticedBy: concern.noticedBy,
    childWords: concern.childWords,
    consent: concern.consent,
    consentNote: concern.consentNote,
    familyAware: concern.familyAware,
    learningDisability: yesNo(concern.learningDisability),
    tick: concern.indicators.map((i) => i.itemCode),
  }
  for (const i of concern.indicators) {
    values[`evidence-${i.itemCode}`] = i.evidence
    values[`recency-${i.itemCode}`] = i.recency
    values[`basis-${i.itemCode}`] = i.basis
  }
  return values
}

/** The danger answers of a saved draft, as its form shows them (the time the police were called in London). */
export function dangerValues(concern: ConcernView): Record<string, unknown> {
  const at = concern.policeCalledAt
  const london = at === null ? null : new Date(at.toLocaleString('en-US', { timeZone: 'Europe/London' }))
  const pad = (n: number) => String(n).padStart(2, '0')
  return {
    immediateDanger: concern.immediateDanger ? 'yes' : 'no',
    policeCalled: yesNo(concern.policeCalled),
    'policeCalledOn-day': london === null ? '' : String(london.getDate()),
    'policeCalledOn-month': london === null ? '' : String(london.getMonth() + 1),
    'policeCalledOn-year': london === null ? '' : String(london.getFullYear()),
    policeCalledTime: london === null ? '' : `${pad(london.getHours())}:${pad(london.getMinutes())}`,
    policeReference: concern.policeReference,
  }
}

/** The guide's items grouped as the checklist shows them. */
export function checklist(guide: Guide) {
  const groups = [
    { kind: 'vulnerability', title: 'Vulnerabilities', hint: 'Factors that make the child more vulnerable' },
    { kind: 'moderate', title: 'Risk indicators', hint: 'Signs the child may be being exploited' },
    { kind: 'significant', title: 'Significant risk indicators', hint: 'Strong signs of exploitation' },
  ]
  return groups.map((g) => ({ ...g, items: guide.items.filter((i) => i.kind === g.kind) }))
}

/** The answers' options, for every page that shows them. */
export const OPTIONS = { recencies: RECENCIES, bases: BASES, consents: CONSENTS, familyAware: FAMILY_AWARE }
