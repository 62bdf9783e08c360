import { Type } from 'typebox'
import { requestContext } from '../../platform/auth/request-context.ts'
import { paths } from '../../platform/paths.ts'
import type { FeatureRoutes } from '../../platform/surfaces.ts'
import { formText } from '../../platform/views/form-fields.ts'
import { thingRoutes, thingSchema } from '../../platform/views/thing-routes.ts'
import type { Services } from '../../services.ts'
import type { LocationForm, LocationView } from './location-service.ts'
import { LOCATION_KINDS, LOCATION_KIND_LABELS } from './location-validation.ts'

/** The page's form: the location's fields as typed. */
const FORM_FIELDS = {
  kind: formText(40),
  name: formText(1000),
  addressLine1: formText(1000),
  addressLine2: formText(1000),
  town: formText(1000),
  postcode: formText(100),
  latitude: formText(100),
  longitude: formText(100),
  description: formText(10_000),
}
type FormFields = keyof typeof FORM_FIELDS

const nullable = (max: number, description?: string) =>
  Type.Optional(
    Type.Union([
      Type.String({ maxLength: max, ...(description === undefined ? {} : { description }) }),
      Type.Null(),
    ]),
  )
const coordinate = Type.Optional(Type.Union([Type.Number(), Type.String({ maxLength: 100 }), Type.Null()]))
const ApiFields = {
  kind: Type.String({ enum: [...LOCATION_KINDS], description: 'address, premises or public-place' }),
  name: nullable(1000),
  addressLine1: nullable(1000),
  addressLine2: nullable(1000),
  town: nullable(1000),
  postcode: nullable(100, 'UK postcode; stored as "NS1 4AB"'),
  latitude: coordinate,
  longitude: coordinate,
  description: nullable(10_000),
}
const ApiCreate = Type.Object(ApiFields, { additionalProperties: false })
const ApiUpdate = Type.Object(
  { ...ApiFields, version: Type.Integer({ minimum: 1, description: 'The version you last read' }) },
  { additionalProperties: false },
)
const nullableString = Type.Union([Type.String(), Type.Null()])
const LocationSchema = thingSchema({
  title: Type.String(),
  name: nullableString,
  addressLine1: nullableString,
  addressLine2: nullableString,
  town: nullableString,
  postcode: nullableString,
  latitude: nullableString,
  longitude: nullableString,
})

type Given = string | number | null | undefined

/** Posted or sent fields as the form the validation reads (numbers for coordinates become their decimal text). */
function formOf(body: Partial<Record<FormFields, Given>>): LocationForm {
  const str = (value: Given) => (value === null || value === undefined ? undefined : String(value))
  return {
    kind: str(body.kind),
    name: str(body.name),
    addressLine1: str(body.addressLine1),
    addressLine2: str(body.addressLine2),
    town: str(body.town),
    postcode: str(body.postcode),
    latitude: str(body.latitude),
    longitude: str(body.longitude),
    description: str(body.description),
  }
}

/** The edit form's values for a stored location. */
const valuesOf = (location: LocationView) => ({
  kind: location.kind,
  name: location.name ?? '',
  addressLine1: location.addressLine1 ?? '',
  addressLine2: location.addressLine2 ?? '',
  town: location.town ?? '',
  postcode: location.postcode ?? '',
  latitude: location.latitude ?? '',
  longitude: location.longitude ?? '',
  description: location.description ?? '',
})

export function locationRoutes(services: Services): FeatureRoutes {
  return thingRoutes({
    name: 'location',
    service: services.locations,
    paths: {
      new: paths.locations.new,
      show: paths.locations.show,
      edit: paths.locations.edit,
      api: paths.api.locations,
      apiItem: paths.api.location,
    },
    views: {
      show: 'features/locations/views/location.njk',
      form: 'features/locations/views/location-form.njk',
    },
    page: {
      body: FORM_FIELDS,
      form: formOf,
      values: valuesOf,
      extras: { kinds: LOCATION_KINDS.map((kind) => ({ value: kind, text: LOCATION_KIND_LABELS[kind] })) },
      conflictField: 'kind',
      // The page shows the location's links and flags, each as far as this reader may see them.
      show: async (request, id, actor) => {
        const ctx = requestContext(request)
        const entityLinks = await services.links.forThing(actor, 'location', id, ctx)
        const flagged = await services.flags.onSubject(actor, 'location', id, ctx)
        return { entityLinks, flags: flagged.flags, canWriteFlags: flagged.canWrite }
      },
    },
    api: {
      tag: 'locations',
      record: LocationSchema,
      create: ApiCreate,
      update: ApiUpdate,
      createForm: formOf,
      updateForm: ({ version, ...body }) => ({ version, form: formOf(body) }),
      summaries: {
        create: 'Record a location (address, premises or public place); the postcode is validated',
        read: 'One location (the read is audited)',
        update: 'Change a location; 409 when `version` is not the current one',
      },
    },
  })
}
