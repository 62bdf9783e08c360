import assert from 'node:assert/strict'
import { it } from 'node:test'
import {
  parseDate,
  validateAliases,
  validatePerson,
  validateStatus,
  type PersonInput,
  type PersonReference,
} from './person-validation.ts'

const SCHOOL = '6f1c1c1e-2b7a-4c1e-9d1a-0a4c1b2c3d4e'
const reference: PersonReference = {
  kinds: new Set(['child', 'adult-of-concern']),
  ethnicities: new Set(['WBRI']),
  schoolIds: new Set([SCHOOL]),
  statuses: new Set(['child-in-need', 'looked-after']),
}
const TODAY = '2026-11-30'

const input = (overrides: Partial<PersonInput> = {}): PersonInput => ({
  kind: 'child',
  givenName: 'Alex',
  familyName: '',
  dateOfBirth: '2012-04-01',
  estimatedAge: '',
  estimatedAgeOn: '',
  gender: '',
  ethnicity: '',
  language: '',
  disability: '',
  nhsNumber: '',
  upn: '',
  laChildId: '',
  policeId: '',
  schoolId: '',
  ...overrides,
})
const messages = (overrides: Partial<PersonInput>) =>
  Object.fromEntries(
    validatePerson(input(overrides), reference, TODAY).errors.map((e) => [e.field, e.message]),
  )

it('parses ISO dates and GOV.UK date parts, and names what is missing or impossible', () => {
  assert.deepEqual(parseDate('2012-02-29', 'Date'), { date: '2012-02-29' })
  assert.deepEqual(parseDate({ day: '9', month: '3', year: '2011' }, 'Date'), { date: '2011-03-09' })
  assert.deepEqual(parseDate({ day: '', month: '', year: '' }, 'Date'), { date: null })
  assert.deepEqual(parseDate({ day: '1', month: '', year: '' }, 'Date'), {
    error: 'Date must include a month and year',
  })
  assert.deepEqual(parseDate('2013-02-29', 'Date'), {
    error: 'Date must be a real date, written as YYYY-MM-DD',
  })
  assert.deepEqual(parseDate({ day: '31', month: '4', year: '2020' }, 'Date'), {
    error: 'Date must be a real date',
  })
})

it('accepts a valid person and normalises identifiers', () => {
  const result = validatePerson(
    input({ nhsNumber: '943 476 5919', schoolId: SCHOOL, ethnicity: 'WBRI', familyName: ' Smith ' }),
    reference,
    TODAY,
  )
  assert.deepEqual(result.errors, [])
  assert.ok(result.person)
  assert.equal(result.person.nhsNumber, '9434765919')
  assert.equal(result.person.familyName, 'Smith')
  assert.equal(result.person.schoolAgencyId, SCHOOL)
})

it('refuses each bad field with its own message', () => {
  assert.match(messages({ nhsNumber: '9434765918' }).nhsNumber ?? '', /check digit does not match/)
  assert.match(messages({ nhsNumber: '94347' }).nhsNumber ?? '', /must be 10 digits/)
  assert.match(messages({ dateOfBirth: '2026-12-01' }).dateOfBirth ?? '', /today or in the past/)
  assert.equal(messages({ dateOfBirth: TODAY }).dateOfBirth, undefined, 'born today is possible')
  assert.match(messages({ upn: 'X' }).upn ?? '', /13 characters/)
  assert.match(messages({ kind: 'alien' }).kind ?? '', /Select what kind/)
  assert.match(messages({ ethnicity: 'ZZZZ' }).ethnicity ?? '', /from the list/)
  assert.match(messages({ schoolId: 'not-a-school' }).school ?? '', /Select a school/)
  assert.match(messages({ policeId: 'x<script>' }).policeId ?? '', /only include letters/)
  assert.match(messages({ estimatedAge: '15' }).estimatedAge ?? '', /not both/)
  assert.match(
    messages({ dateOfBirth: '', estimatedAgeOn: '2026-01-01' }).estimatedAge ?? '',
    /Enter the estimated age, or leave the date of the estimate blank/,
  )
  assert.match(messages({ dateOfBirth: '' }).dateOfBirth ?? '', /estimated age if it is not known/)
  assert.deepEqual(messages({ dateOfBirth: '', kind: 'adult-of-concern' }), {}, 'an adult needs no age')
})

it('an estimated age without its date is estimated today', () => {
  const result = validatePerson(input({ dateOfBirth: '', estimatedAge: '14' }), reference, TODAY)
  assert.ok(result.person)
  assert.equal(result.person.estimatedAge, 14)
  assert.equal(result.person.estimatedAgeOn, TODAY)
})

it('statuses need a known status and a start; the end is not before the start', () => {
  const ok = validateStatus(
    { status: 'looked-after', fromDate: '2025-01-01', toDate: '2025-01-01' },
    reference,
  )
  assert.deepEqual(ok.status, { status: 'looked-after', fromDate: '2025-01-01', toDate: '2025-01-01' })
  const early = validateStatus(
    { status: 'looked-after', fromDate: '2025-01-02', toDate: '2025-01-01' },
    reference,
  )
  assert.deepEqual(
    early.errors.map((e) => e.field),
    ['statusTo'],
  )
  assert.deepEqual(validateStatus({ status: '', fromDate: '', toDate: '' }, reference), { errors: [] })
  assert.deepEqual(
    validateStatus({ status: 'none-such', fromDate: '', toDate: '' }, reference).errors.map((e) => e.field),
    ['statutoryStatus', 'statusFrom'],
  )
})

it('other names: blank lines are skipped, unknown kinds and long names refused', () => {
  assert.deepEqual(
    validateAliases([
      { kind: 'street-name', name: ' Tiny ' },
      { kind: 'alias', name: '' },
    ]),
    { aliases: [{ kind: 'street-name', name: 'Tiny' }], errors: [] },
  )
  assert.deepEqual(
    validateAliases([{ kind: 'nickname', name: 'T' }]).errors.map((e) => e.field),
    ['alias0Kind'],
  )
  assert.deepEqual(
    validateAliases([{ kind: 'alias', name: 'x'.repeat(201) }]).errors.map((e) => e.field),
    ['alias0Name'],
  )
})
