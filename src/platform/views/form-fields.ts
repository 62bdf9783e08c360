import { Type } from 'typebox'

/**
 * Fields of GOV.UK forms as pages post them (every value a string, or absent), and their parsing: one definition
 * for every form page (src/platform/views/form-page.ts).
 */

export { UUID } from '../identifiers/uuid.ts'

/** A posted text field of at most `max` characters (absent when the form did not send it). */
export const formText = (max: number) => Type.Optional(Type.String({ maxLength: max }))

/** A posted field that may come once or several times (checkboxes). */
export const formMany = (max = 20, length = 60) =>
  Type.Optional(
    Type.Union([
      Type.String({ maxLength: length }),
      Type.Array(Type.String({ maxLength: length }), { maxItems: max }),
    ]),
  )

/** The three inputs of a GOV.UK date input named `prefix-day`, `prefix-month` and `prefix-year`. */
export const formDate = (prefix: string) => ({
  [`${prefix}-day`]: formText(10),
  [`${prefix}-month`]: formText(10),
  [`${prefix}-year`]: formText(10),
})

/** The optimistic version a form was shown with. */
export const formVersion = { version: formText(20) }

export type PostedForm = Record<string, string | string[] | undefined>

/** A posted field's text ('' when absent, the first when repeated). */
export function fieldOf(body: PostedForm, name: string): string {
  const value = body[name]
  return Array.isArray(value) ? (value[0] ?? '') : (value ?? '')
}

/** A checkbox field as a list. */
export function listOf(value: string | string[] | undefined): string[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value]
}

export interface DateParts {
  day: string
  month: string
  year: string
}

/** The three parts of a posted date input. */
export function dateOf(body: PostedForm, prefix: string): DateParts {
  return {
    day: fieldOf(body, `${prefix}-day`),
    month: fieldOf(body, `${prefix}-month`),
    year: fieldOf(body, `${prefix}-year`),
  }
}

/** What a date input shows for a stored date ('YYYY-MM-DD' → its three parts, without leading zeros). */
export function datePartsOf(prefix: string, value: string | null | undefined): Record<string, string> {
  const [year = '', month = '', day = ''] =
    value === null || value === undefined || value === '' ? [] : value.split('-')
  return {
    [`${prefix}-day`]: day.replace(/^0/, ''),
    [`${prefix}-month`]: month.replace(/^0/, ''),
    [`${prefix}-year`]: year,
  }
}

/** The largest value of a PostgreSQL integer column (a version). */
export const MAX_INTEGER = 2_147_483_647

/**
 * The version a form was shown with: undefined when the form sent none, otherwise a whole number. Anything that is
 * not a version a record can have (not a number, 0, beyond the largest integer a column holds) is 0, which no
 * record has: the service answers it as a stale form (409), never as a fault.
 */
export function versionOf(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined
  if (!/^\d{1,10}$/.test(value)) return 0
  const n = Number(value)
  return n >= 1 && n <= MAX_INTEGER ? n : 0
}
