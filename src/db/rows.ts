/**
 * Rows as the database gives them (snake_case columns) turned into the camelCase records the code reads, by one
 * rule instead of a hand-written field-by-field map in every repository. The mapped type keeps the records checked:
 * a repository's row interface must still match what its select list gives, field by field.
 */

/** `partnership_id` → `partnershipId`, `address_line_1` → `addressLine1`. */
export type SnakeToCamel<S extends string> = S extends `${infer Head}_${infer Tail}`
  ? `${Head}${Capitalize<SnakeToCamel<Tail>>}`
  : S

/** A row with each snake_case column under its camelCase name, the values as they are. */
export type CamelRow<R> = { [K in keyof R & string as SnakeToCamel<K>]: R[K] }

const camelNames = new Map<string, string>()

function camelName(column: string): string {
  let name = camelNames.get(column)
  if (name === undefined) {
    name = column.replace(/_(.)/g, (_underscore, next: string) => next.toUpperCase())
    camelNames.set(column, name)
  }
  return name
}

/** Every column of `row` but those in `except` (selected for another use) under its camelCase name (see CamelRow). */
export function camelRow<R extends object, K extends keyof R & string = never>(
  row: R,
  except: readonly K[] = [],
): CamelRow<Omit<R, K>> {
  const record: Record<string, unknown> = {}
  for (const [column, value] of Object.entries(row)) {
    if (!(except as readonly string[]).includes(column)) record[camelName(column)] = value
  }
  return record as CamelRow<Omit<R, K>>
}

/** The column a select-list entry gives: `'p.kind'` → `kind`, `'k.label as kind_label'` → `kind_label`. */
export type SelectedColumn<E extends string> = E extends `${string} as ${infer Alias}`
  ? Alias
  : E extends `${string}.${infer Column}`
    ? Column
    : E

/** The columns a select list (`['p.id', 'k.label as kind_label']`) gives, for pickCamelRow. */
export function selectedColumns<const E extends string>(selectList: readonly E[]): Array<SelectedColumn<E>> {
  return selectList.map((entry) => {
    const alias = entry.split(' as ')
    if (alias.length === 2) return alias[1]
    return entry.slice(entry.indexOf('.') + 1)
  }) as Array<SelectedColumn<E>>
}

/** Only `columns` of `row` (which may carry more, selected for other uses), under their camelCase names. */
export function pickCamelRow<R extends object, K extends keyof R & string>(
  row: R,
  columns: readonly K[],
): CamelRow<Pick<R, K>> {
  const record: Record<string, unknown> = {}
  for (const column of columns) record[camelName(column)] = row[column]
  return record as CamelRow<Pick<R, K>>
}
