import type { RecordAccess } from '../../platform/access/record-access.ts'
import {
  thingService,
  thingShown,
  type DerivedDescriptions,
  type ThingShown,
} from '../../platform/access/pole-records.ts'
import { ValidationError } from '../../platform/errors.ts'
import type { ObjectRepository, ObjectRow } from './object-repository.ts'
import {
  displayValue,
  OBJECT_KIND_LABELS,
  parseObject,
  VALUE_NOUN,
  type ObjectForm,
  type ObjectInput,
} from './object-validation.ts'

/** An object (phone, vehicle, online handle, other) as pages and the API show it. */
export interface ObjectView extends ThingShown {
  /** As stored: E.164 for a phone, "AB12CDE" for a vehicle, the handle without "@". */
  value: string
  /** As people write it: "0113 496 0123", "AB12 CDE", "@name". */
  displayValue: string
  platform: string | null
}

export function objectView(row: ObjectRow): ObjectView {
  return {
    ...thingShown(row, OBJECT_KIND_LABELS[row.kind]),
    value: row.value,
    displayValue: displayValue(row.kind, row.value),
    platform: row.platform,
  }
}

const UNIQUE_VIOLATION = '23505'

const duplicate = (input: ObjectInput) =>
  new ValidationError([
    {
      field: 'value',
      message:
        input.kind === 'online-handle'
          ? `This handle on ${input.platform ?? 'this platform'} is already recorded: use the existing record`
          : `This ${VALUE_NOUN[input.kind]} is already recorded: use the existing record`,
    },
  ])

const isUniqueViolation = (error: unknown) =>
  typeof error === 'object' && error !== null && (error as { code?: unknown }).code === UNIQUE_VIOLATION

/**
 * Objects: phones, vehicles, online handles and other things — shared POLE entities of the partnership, kept as
 * every place or thing is (src/platform/access/pole-records.ts). An identifier is on one record only: a second
 * identical phone, vehicle or handle is a field error, and nothing is written. A change keeps the object's kind.
 * Every read is audited.
 */
export function objectService(
  objects: ObjectRepository,
  access: RecordAccess,
  descriptions?: DerivedDescriptions,
) {
  return thingService<ObjectRow, ObjectForm, ObjectInput, ObjectView>(access, {
    ...(descriptions === undefined ? {} : { descriptions }),
    kind: 'object',
    store: objects,
    parse: parseObject,
    parseChange: (form, row) => parseObject({ ...form, kind: row.kind }),
    view: objectView,
    createDetails: (input) => ({ kind: input.kind }),
    beforeWrite: async (trx, input, exceptId) => {
      if ((await objects.findSame(trx, input, exceptId)) !== undefined) throw duplicate(input)
    },
    // Two people recording the same phone at once: the unique index decides, with the same message.
    refusal: (error, input) => (isUniqueViolation(error) ? duplicate(input) : undefined),
  })
}

export type ObjectService = ReturnType<typeof objectService>
