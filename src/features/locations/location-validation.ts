import { ValidationError, type FieldError } from '../../platform/errors.ts'
import { normalisePostcode } from '../../platform/identifiers/postcode.ts'

export const LOCATION_KINDS = ['address', 'premises', 'public-place'] as const
export type LocationKind = (typeof LOCATION_KINDS)[number]

export const LOCATION_KIND_LABELS: Readonly<Record<LocationKind, string>> = {
  address: 'Address',
  premises: 'Premises',
  'public-place': 'Public place',
}

/** A location as typed into the form or sent to the API: every field a string, as given. */
export interface LocationForm {
  kind?: string
  name?: string
  addressLine1?: string
  addressLine2?: string
  town?: string
  postcode?: string
  latitude?: string
  longitude?: string
  description?: string
}

/** A location ready to store: trimmed, postcode normalised ("NS1 4AB"), coordinates as decimal strings. */
export interface LocationInput {
  kind: LocationKind
  name: string | null
  addressLine1: string | null
  addressLine2: string | null
  town: string | null
  postcode: string | null
  latitude: string | null
  longitude: string | null
  description: string | null
}

// eslint-disable-next-line security/detect-unsafe-regex -- bounded repetitions, no nesting: linear time
const DECIMAL = /^[+-]?\d{1,3}(?:\.\d{1,12})?$/

const isKind = (value: string): value is LocationKind => (LOCATION_KINDS as readonly string[]).includes(value)

function coordinate(
  raw: string,
  field: 'latitude' | 'longitude',
  limit: number,
  errors: FieldError[],
): string | null {
  const label = field === 'latitude' ? 'Latitude' : 'Longitude'
  const value = Number(raw)
  if (!DECIMAL.test(raw) || !Number.isFinite(value) || Math.abs(value) > limit) {
    errors.push({
      field,
      message: `${label} must be a number from -${String(limit)} to ${String(limit)}, like ${field === 'latitude' ? '52.6309' : '-1.1398'}`,
    })
    return null
  }
  // numeric(9, 6): six decimal places is about 10 cm, finer than any address needs.
  return value.toFixed(6)
}

/** Checks and normalises a location; throws ValidationError with a message on each field that is wrong. */
export function parseLocation(form: LocationForm): LocationInput {
  const errors: FieldError[] = []
  const text = (value: string | undefined) => {
    const trimmed = (value ?? '').trim()
    return trimmed === '' ? null : trimmed
  }
  const kindRaw = text(form.kind) ?? ''
  const kind = isKind(kindRaw) ? kindRaw : undefined
  if (kind === undefined) {
    errors.push({ field: 'kind', message: 'Select whether this is an address, premises or a public place' })
  }
  const name = text(form.name)
  const addressLine1 = text(form.addressLine1)
  const addressLine2 = text(form.addressLine2)
  const town = text(form.town)
  const description = text(form.description)
  if (kind === 'address' && addressLine1 === null) {
    errors.push({ field: 'addressLine1', message: 'Enter the first line of the address' })
  }
  if ((kind === 'premises' || kind === 'public-place') && name === null) {
    errors.push({
      field: 'name',
      message:
        kind === 'premises'
          ? 'Enter the name of the premises, like Station Road Chicken'
          : 'Enter the name of the place, like Victoria Park skate park',
    })
  }
  if (name !== null && name.length > 200)
    errors.push({ field: 'name', message: 'Name must be 200 characters or fewer' })
  if (addressLine1 !== null && addressLine1.length > 200)
    errors.push({ field: 'addressLine1', message: 'Address line 1 must be 200 characters or fewer' })
  if (addressLine2 !== null && addressLine2.length > 200)
    errors.push({ field: 'addressLine2', message: 'Address line 2 must be 200 characters or fewer' })
  if (town !== null && town.length > 100)
    errors.push({ field: 'town', message: 'Town or city must be 100 characters or fewer' })
  if (description !== null && description.length > 2000)
    errors.push({ field: 'description', message: 'Description must be 2000 characters or fewer' })

  const postcodeRaw = text(form.postcode)
  let postcode: string | null = null
  if (postcodeRaw !== null) {
    postcode = normalisePostcode(postcodeRaw) ?? null
    if (postcode === null) errors.push({ field: 'postcode', message: 'Enter a real postcode, like NS1 4AB' })
  }

  const latRaw = text(form.latitude)
  const longRaw = text(form.longitude)
  let latitude: string | null = null
  let longitude: string | null = null
  if ((latRaw === null) !== (longRaw === null)) {
    errors.push({
      field: latRaw === null ? 'latitude' : 'longitude',
      message: 'Enter both latitude and longitude, or neither',
    })
  } else if (latRaw !== null && longRaw !== null) {
    latitude = coordinate(latRaw, 'latitude', 90, errors)
    longitude = coordinate(longRaw, 'longitude', 180, errors)
  }

  if (errors.length > 0 || kind === undefined) throw new ValidationError(errors)
  return { kind, name, addressLine1, addressLine2, town, postcode, latitude, longitude, description }
}
