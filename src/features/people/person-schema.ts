import { Type } from 'typebox'
import { changeProblems, IdParams, nullable, personFields, readProblems } from '../../platform/route-kit.ts'

/** The people API's schemas (tag `people`): a person as returned, and the bodies that create and change one. */

/** A person as the API returns it: fields the caller may not see are absent, not null. */
export const PersonSchema = Type.Object(
  {
    ...personFields,
    age: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
    ageIsEstimate: Type.Optional(Type.Boolean()),
    gender: Type.Optional(nullable(Type.String())),
    nhsNumber: Type.Optional(nullable(Type.String())),
    ethnicityLabel: Type.Optional(nullable(Type.String())),
    language: Type.Optional(nullable(Type.String())),
    disability: Type.Optional(nullable(Type.String())),
    upn: Type.Optional(nullable(Type.String())),
    laChildId: Type.Optional(nullable(Type.String())),
    policeId: Type.Optional(nullable(Type.String())),
    schoolName: Type.Optional(nullable(Type.String())),
    aliases: Type.Optional(Type.Array(Type.Object({ kind: Type.String(), name: Type.String() }))),
    statuses: Type.Optional(
      Type.Array(
        Type.Object({
          status: Type.String(),
          label: Type.String(),
          fromDate: Type.String({ format: 'date' }),
          toDate: nullable(Type.String({ format: 'date' })),
        }),
      ),
    ),
    allocatedWorkerName: Type.Optional(nullable(Type.String())),
    allocatedTeamName: Type.Optional(nullable(Type.String())),
    version: Type.Optional(Type.Integer()),
  },
  { additionalProperties: false, description: 'Only the fields the access policy lets the caller see' },
)

export const PeopleResponse = Type.Object({ people: Type.Array(PersonSchema) })

export const PersonReadResponse = Type.Object(
  {
    person: PersonSchema,
    access: Type.Object({
      relationships: Type.Array(Type.String()),
      breakGlassUntil: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    }),
  },
  { additionalProperties: false },
)

export { changeProblems, readProblems }

export const PersonParams = IdParams

const optionalText = (max: number) =>
  Type.Optional(Type.Union([Type.String({ maxLength: max }), Type.Null()]))
export const apiDate = () =>
  Type.Optional(Type.Union([Type.String({ maxLength: 20, description: 'YYYY-MM-DD' }), Type.Null()]))

const PERSON_API_FIELDS = {
  kind: Type.String({ maxLength: 40, description: 'child, adult-of-concern, parent-carer or associate' }),
  givenName: Type.String({ maxLength: 1000 }),
  familyName: optionalText(1000),
  dateOfBirth: apiDate(),
  estimatedAge: Type.Optional(Type.Union([Type.Integer({ minimum: 0, maximum: 200 }), Type.Null()])),
  estimatedAgeOn: apiDate(),
  gender: optionalText(1000),
  ethnicity: optionalText(10),
  language: optionalText(1000),
  disability: optionalText(5000),
  nhsNumber: optionalText(100),
  upn: optionalText(100),
  laChildId: optionalText(1000),
  policeId: optionalText(1000),
  schoolId: Type.Optional(
    Type.Union([Type.String({ maxLength: 64, description: 'An education agency' }), Type.Null()]),
  ),
}

export const AliasBody = Type.Object(
  {
    kind: Type.Union([Type.Literal('alias'), Type.Literal('street-name'), Type.Literal('previous-name')]),
    name: Type.String({ maxLength: 1000 }),
  },
  { additionalProperties: false },
)
export const StatusBody = Type.Object(
  {
    status: Type.String({ maxLength: 40, description: 'A statutory status code (DOMAIN.md)' }),
    fromDate: Type.String({ maxLength: 20, description: 'YYYY-MM-DD' }),
    toDate: apiDate(),
  },
  { additionalProperties: false },
)
export const CreateBody = Type.Object(
  {
    ...PERSON_API_FIELDS,
    aliases: Type.Optional(Type.Array(AliasBody, { maxItems: 50 })),
    statuses: Type.Optional(Type.Array(StatusBody, { maxItems: 20 })),
  },
  { additionalProperties: false },
)
export const PatchBody = Type.Object(
  {
    version: Type.Integer({
      description: 'The version the change is based on; 409 when it is no longer current',
    }),
    ...PERSON_API_FIELDS,
    kind: Type.Optional(PERSON_API_FIELDS.kind),
    givenName: Type.Optional(PERSON_API_FIELDS.givenName),
  },
  { additionalProperties: false },
)
export const AliasAddBody = Type.Object(
  { version: Type.Integer(), ...AliasBody.properties },
  { additionalProperties: false },
)
export const StatusAddBody = Type.Object(
  { version: Type.Integer(), ...StatusBody.properties },
  { additionalProperties: false },
)
export const StatusEndBody = Type.Object(
  { version: Type.Integer(), toDate: apiDate() },
  { additionalProperties: false },
)
export const Versioned = Type.Object({ version: Type.Integer() }, { additionalProperties: false })
export const Created = Type.Object({ id: Type.String({ format: 'uuid' }), version: Type.Integer() })
export const VersionOnly = Type.Object({ version: Type.Integer() })
export const AliasParams = Type.Object({
  id: Type.String({ format: 'uuid' }),
  aliasId: Type.String({ maxLength: 64 }),
})
export const StatusParams = Type.Object({
  id: Type.String({ format: 'uuid' }),
  statusId: Type.String({ maxLength: 64 }),
})
