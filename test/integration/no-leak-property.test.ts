/**
 * SECURITY.md proof 2: for random users (random roles, teams, agencies) and random records (random allocation,
 * agencies, MACE agendas, break-glass grants), no API response ever contains a record, or a field of one, that
 * the access policy denies that user.
 */
import assert from 'node:assert/strict'
import { it } from 'node:test'
import fc from 'fast-check'
import { withTransaction } from '../../src/db/database.ts'
import { personRepository } from '../../src/features/people/person-repository.ts'
import { PERSON_FIELD_GROUPS } from '../../src/features/people/person-service.ts'
import { actorOf } from '../../src/platform/access/actor.ts'
import { capabilitiesOf, decide } from '../../src/platform/access/policy.ts'
import { ROLES, type Role } from '../../src/platform/access/roles.ts'
import { paths } from '../../src/platform/paths.ts'
import {
  createBreakGlassGrant,
  createMeeting,
  createPerson,
  createTeam,
  joinTeam,
} from '../factories/person-factory.ts'
import { build } from '../helpers/build.ts'
import { ownerQuery } from '../helpers/database.ts'
import { createUser, type TestUser } from '../helpers/sign-in.ts'
import { personToken } from '../helpers/tokens.ts'

const USERS = 5
const RECORDS = 8

const userArb = fc.record({
  roles: fc.uniqueArray(fc.constantFrom(...ROLES), { minLength: 1, maxLength: 2 }),
  otherAgency: fc.boolean(),
  team: fc.integer({ min: 0, max: 2 }),
})
const recordArb = fc.record({
  worker: fc.option(fc.integer({ min: 0, max: USERS - 1 }), { nil: undefined }),
  team: fc.option(fc.integer({ min: 0, max: 2 }), { nil: undefined }),
  agencies: fc.subarray([0, 1]),
  mace: fc.subarray([...Array(USERS).keys()]),
  maceClosed: fc.boolean(),
  glass: fc.subarray([...Array(USERS).keys()]),
})

it('no API response contains a person or a field the policy denies the caller', async (t) => {
  const { app, db, services } = await build(t)
  const seen = { allowed: 0, denied: 0 }
  await fc.assert(
    fc.asyncProperty(
      fc.array(userArb, { minLength: USERS, maxLength: USERS }),
      fc.array(recordArb, { minLength: RECORDS, maxLength: RECORDS }),
      async (userSpecs, recordSpecs) => {
        const first = await createUser(db, services, { roles: ['practitioner'], password: null })
        const partnershipId = first.partnershipId
        const agencies = (
          await ownerQuery<{ id: string }>(
            db.ownerUrl,
            'SELECT id FROM agency WHERE partnership_id = $1 ORDER BY id',
            [partnershipId],
          )
        ).map((a) => a.id)
        const teams = [
          await createTeam(db.database, { partnershipId, agencyId: first.agencyId }),
          await createTeam(db.database, { partnershipId, agencyId: first.agencyId }),
          await createTeam(db.database, { partnershipId, agencyId: agencies[1] ?? first.agencyId }),
        ]
        const users: Array<TestUser & { token: string; roles: Role[] }> = []
        for (const spec of userSpecs) {
          const user = await createUser(db, services, {
            roles: spec.roles,
            password: null,
            partnershipOf: first,
          })
          if (spec.otherAgency) {
            await ownerQuery(db.ownerUrl, 'UPDATE app_user SET agency_id = $2 WHERE id = $1', [
              user.id,
              agencies[1],
            ])
          }
          const teamId = teams[spec.team]
          if (teamId !== undefined) await joinTeam(db.ownerUrl, user.id, teamId)
          const scopes = [...capabilitiesOf(actorOf((await services.auth.currentUser(user.id))!))]
          const token = await personToken(db, user.email, scopes)
          users.push({ ...user, token: token.token, roles: spec.roles })
        }
        const recordIds: string[] = []
        const names = new Map<string, string>()
        for (const spec of recordSpecs) {
          const person = await createPerson(db.database, partnershipId, {
            allocatedWorkerId: spec.worker === undefined ? null : users[spec.worker]?.id,
            allocatedTeamId: spec.team === undefined ? null : teams[spec.team],
            involvedAgencyIds: spec.agencies.map((i) => agencies[i] ?? first.agencyId),
          })
          if (spec.mace.length > 0) {
            await createMeeting(db.database, partnershipId, {
              memberIds: spec.mace.map((i) => users[i]?.id ?? first.id),
              personIds: [person.id],
              status: spec.maceClosed ? 'closed' : 'planned',
            })
          }
          for (const i of spec.glass) {
            await createBreakGlassGrant(db.database, db.ownerUrl, {
              partnershipId,
              userId: users[i]?.id ?? first.id,
              personId: person.id,
            })
          }
          recordIds.push(person.id)
          names.set(person.id, `${person.givenName} ${person.familyName ?? ''}`)
        }

        for (const user of users) {
          const current = await services.auth.currentUser(user.id)
          assert.ok(current !== undefined)
          const actor = actorOf(current)
          const headers = { authorization: `Bearer ${user.token}` }
          const policy = new Map<string, ReturnType<typeof decide>>()
          for (const id of recordIds) {
            const found = await withTransaction(db.database, { partnershipId }, (trx) =>
              personRepository().findWithFacts(trx, id, user.id),
            )
            assert.ok(found !== undefined)
            policy.set(id, decide(actor, 'read', found.facts))
          }
          const allowedFields = (id: string) => {
            const decision = policy.get(id)
            return Object.entries(PERSON_FIELD_GROUPS)
              .filter(([, group]) => decision?.fields.includes(group) === true)
              .map(([field]) => field)
          }
          const canRead = capabilitiesOf(actor).has('person:read')

          const list = await app.inject({ method: 'GET', url: paths.api.people(), headers })
          if (!canRead) assert.equal(list.statusCode, 403)
          else {
            assert.equal(list.statusCode, 200)
            for (const person of list.json<{ people: Array<Record<string, unknown>> }>().people) {
              const id = String(person.id)
              assert.equal(policy.get(id)?.allowed, true, `list leaked ${id} to ${user.roles.join('+')}`)
              for (const field of Object.keys(person)) assert.ok(allowedFields(id).includes(field), field)
            }
          }
          for (const id of recordIds) {
            const res = await app.inject({ method: 'GET', url: `${paths.api.people()}/${id}`, headers })
            const decision = policy.get(id)
            if (!canRead) assert.equal(res.statusCode, 403)
            else if (decision?.allowed !== true) {
              assert.equal(res.statusCode, 404, `record ${id} for ${user.roles.join('+')}`)
              seen.denied++
              assert.ok(!res.body.includes(names.get(id) ?? id), 'a 404 carries nothing of the record')
            } else {
              assert.equal(res.statusCode, 200)
              seen.allowed++
              const person = res.json<{ person: Record<string, unknown> }>().person
              for (const field of Object.keys(person)) {
                assert.ok(allowedFields(id).includes(field), `${field} of ${id} for ${user.roles.join('+')}`)
              }
            }
          }
        }
      },
    ),
    { numRuns: 6 },
  )
  assert.ok(seen.allowed > 0 && seen.denied > 0, `the runs covered both outcomes: ${JSON.stringify(seen)}`)
})
