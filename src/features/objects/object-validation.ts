import { ValidationError, type FieldError } from '../../platform/errors.ts'
import { formatPhone, normalisePhone } from '../../platform/identifiers/phone.ts'
import { formatRegistration, normaliseRegistration } from '../../platform/identifiers/vehicle.ts'

export const OBJECT_KINDS = ['phone', 'vehicle', 'online-handle', 'other'] as const
export type ObjectKind = (typeof OBJECT_KINDS)[number]

export const OBJECT_KIND_LABELS: Readonly<Record<ObjectKind, string>> = {
  phone: 'Phone number',
  vehicle: 'Vehicle',
  'online-handle': 'Online handle',
  other: 'Other',
}

/**
 * An object as typed: `value` is the phone number, the registration, the handle or (other) what it is;
 * `platform` is for an online handle only.
 */
export interface ObjectForm {
  kind?: string
  value?: string
  platform?: string
  description?: string
}

/** An object ready to store: phone in E.164, registration compact upper case, handle without "@". */
export interface ObjectInput {
  kind: ObjectKind
  value: string
  platform: string | null
  description: string | null
}

export const isObjectKind = (value: string): value is ObjectKind =>
  (OBJECT_KINDS as readonly string[]).includes(value)

/** What a user calls the value of each kind, for messages ("This phone number is already recorded"). */
export const VALUE_NOUN: Readonly<Record<ObjectKind, string>> = {
  phone: 'phone number',
  vehicle: 'registration',
  'online-handle': 'handle',
  other: 'description',
}

/** Checks and normalises an object; throws ValidationError with a message on each field that is wrong. */
/** The identifiers stored in one canonical form (E.164, a UK registration), and what to say when one is not. */
const IDENTIFIERS: Readonly<
  Record<
    'phone' | 'vehicle',
    { normalise: (raw: string) => string | undefined; missing: string; invalid: string }
  >
> = {
  phone: {
    normalise: normalisePhone,
    missing: 'Enter the phone number',
    invalid: 'Enter a real phone number, like 0113 496 0000 or +33 6 12 34 56 78 for a number abroad',
  },
  vehicle: {
    normalise: normaliseRegistration,
    missing: 'Enter the registration',
    invalid: 'Enter a UK registration, like AB12 CDE; record a foreign plate as another kind of object',
  },
}

export function parseObject(form: ObjectForm): ObjectInput {
  const errors: FieldError[] = []
  const kindRaw = (form.kind ?? '').trim()
  const raw = (form.value ?? '').trim()
  const platformRaw = (form.platform ?? '').trim()
  const descriptionRaw = (form.description ?? '').trim()
  const description = descriptionRaw === '' ? null : descriptionRaw
  if (description !== null && description.length > 2000) {
    errors.push({ field: 'description', message: 'Notes must be 2000 characters or fewer' })
  }
  if (!isObjectKind(kindRaw)) {
    errors.push({
      field: 'kind',
      message: 'Select whether this is a phone, a vehicle, an online handle or something else',
    })
    throw new ValidationError(errors)
  }
  const kind = kindRaw
  let value = raw
  let platform: string | null = null
  switch (kind) {
    case 'phone':
    case 'vehicle': {
      const identifier = IDENTIFIERS[kind]
      const normalised = raw === '' ? undefined : identifier.normalise(raw)
      if (raw === '') errors.push({ field: 'value', message: identifier.missing })
      else if (normalised === undefined) errors.push({ field: 'value', message: identifier.invalid })
      value = normalised ?? raw
      break
    }
    case 'online-handle': {
      // Handles on the common platforms are case-insensitive, and often written with a leading "@".
      value = raw.replace(/^@+/, '').toLowerCase()
      if (value === '') errors.push({ field: 'value', message: 'Enter the handle' })
      else if (value.length > 200 || /\s/.test(value)) {
        errors.push({ field: 'value', message: 'Handle must be one word of 200 characters or fewer' })
      }
      platform = platformRaw === '' ? null : platformRaw
      if (platform === null) {
        errors.push({ field: 'platform', message: 'Enter the platform, like Snapchat or Instagram' })
      } else if (platform.length > 60) {
        errors.push({ field: 'platform', message: 'Platform must be 60 characters or fewer' })
      }
      break
    }
    case 'other':
      if (raw === '') errors.push({ field: 'value', message: 'Enter what it is, like a black Yamaha moped' })
      else if (raw.length > 200) {
        errors.push({ field: 'value', message: 'What it is must be 200 characters or fewer' })
      }
      break
  }
  if (errors.length > 0) throw new ValidationError(errors)
  return { kind, value, platform, description }
}

/** The value as people write it: "0113 496 0123", "AB12 CDE", "@name". */
export function displayValue(kind: ObjectKind, value: string): string {
  switch (kind) {
    case 'phone':
      return formatPhone(value)
    case 'vehicle':
      return formatRegistration(value)
    case 'online-handle':
      return `@${value}`
    case 'other':
      return value
  }
}
