import { Type } from 'typebox'
import { requestContext } from '../../platform/auth/request-context.ts'
import { paths } from '../../platform/paths.ts'
import type { FeatureRoutes } from '../../platform/surfaces.ts'
import { formText } from '../../platform/views/form-fields.ts'
import { thingRoutes, thingSchema } from '../../platform/views/thing-routes.ts'
import type { Services } from '../../services.ts'
import type { ObjectView } from './object-service.ts'
import {
  displayValue,
  isObjectKind,
  OBJECT_KINDS,
  OBJECT_KIND_LABELS,
  type ObjectForm,
  type ObjectKind,
} from './object-validation.ts'

/** The page's form: one input per kind (revealed under its radio), so each keeps its own value and message. */
const FORM_FIELDS = {
  kind: formText(40),
  phone: formText(100),
  registration: formText(100),
  handle: formText(1000),
  platform: formText(1000),
  otherValue: formText(1000),
  description: formText(10_000),
}
type PageForm = Partial<Record<keyof typeof FORM_FIELDS, string>>

/** The input on the page that holds the value of each kind. */
const VALUE_FIELD: Readonly<Record<ObjectKind, keyof PageForm>> = {
  phone: 'phone',
  vehicle: 'registration',
  'online-handle': 'handle',
  other: 'otherValue',
}

const valueFieldOf = (kind: string | undefined) =>
  kind !== undefined && isObjectKind(kind) ? VALUE_FIELD[kind] : undefined

/** The page's inputs as the service's form: the value from the chosen kind's own input. */
function fromPage(body: PageForm): ObjectForm {
  const valueField = valueFieldOf(body.kind)
  return {
    kind: body.kind,
    value: valueField === undefined ? undefined : body[valueField],
    platform: body.platform,
    description: body.description,
  }
}

/** The edit form's values for a stored object: its value as people write it, in its kind's input. */
function valuesOf(object: ObjectView): PageForm {
  const kind = object.kind as ObjectKind
  return {
    kind,
    [VALUE_FIELD[kind]]: kind === 'other' ? object.value : displayValue(kind, object.value).replace(/^@/, ''),
    platform: object.platform ?? '',
    description: object.description ?? '',
  }
}

const optionalText = (max: number) =>
  Type.Optional(Type.Union([Type.String({ maxLength: max }), Type.Null()]))
const ApiCreate = Type.Object(
  {
    kind: Type.String({ enum: [...OBJECT_KINDS] }),
    value: Type.String({
      maxLength: 1000,
      description: 'The phone number (stored in E.164), the registration, the handle, or what it is (other)',
    }),
    platform: optionalText(1000),
    description: optionalText(10_000),
  },
  { additionalProperties: false },
)
const ApiUpdate = Type.Object(
  {
    value: Type.String({ maxLength: 1000 }),
    platform: optionalText(1000),
    description: optionalText(10_000),
    version: Type.Integer({ minimum: 1, description: 'The version you last read' }),
  },
  { additionalProperties: false },
)
const ObjectSchema = thingSchema({
  value: Type.String(),
  displayValue: Type.String(),
  platform: Type.Union([Type.String(), Type.Null()]),
})

export function objectRoutes(services: Services): FeatureRoutes {
  return thingRoutes({
    name: 'object',
    service: services.objects,
    paths: {
      new: paths.objects.new,
      show: paths.objects.show,
      edit: paths.objects.edit,
      api: paths.api.objects,
      apiItem: paths.api.object,
    },
    views: { show: 'features/objects/views/object.njk', form: 'features/objects/views/object-form.njk' },
    page: {
      body: FORM_FIELDS,
      form: fromPage,
      values: valuesOf,
      // One question per page: first what it is (a GET form choosing ?kind=), then the input for that kind.
      fresh: (request) => {
        const { kind } = request.query as { kind?: unknown }
        return { kind: typeof kind === 'string' && isObjectKind(kind) ? kind : undefined }
      },
      extras: {
        kinds: OBJECT_KINDS.map((kind) => ({ value: kind, text: OBJECT_KIND_LABELS[kind] })),
        kindLabels: OBJECT_KIND_LABELS,
      },
      // The service's "value" message belongs on the kind's own input.
      field: (field, body) => (field === 'value' ? (valueFieldOf(body.kind) ?? field) : field),
      conflictField: (body) => valueFieldOf(body.kind) ?? 'kind',
      show: async (request, id, actor) => ({
        entityLinks: await services.links.forThing(actor, 'object', id, requestContext(request)),
      }),
    },
    api: {
      tag: 'objects',
      record: ObjectSchema,
      create: ApiCreate,
      update: ApiUpdate,
      createForm: (body) => ({
        kind: body.kind,
        value: body.value,
        platform: body.platform ?? undefined,
        description: body.description ?? undefined,
      }),
      updateForm: (body) => ({
        version: body.version,
        form: {
          value: body.value,
          platform: body.platform ?? undefined,
          description: body.description ?? undefined,
        },
      }),
      summaries: {
        create: 'Record a phone (normalised to E.164), vehicle (registration), online handle or other object',
        read: 'One object (the read is audited)',
        update: 'Change an object (its kind stays); 409 when `version` is not the current one',
      },
      createDescription:
        'An identifier already recorded (same phone, registration, or handle on the platform) is a 400 with a field error.',
    },
  })
}
