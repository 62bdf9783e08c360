import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { decideStreetTerms, isDecisionFor } from './policy.ts'
import { actor, P1, P2 } from './policy-fixtures.ts'
import { ROLES } from './roles.ts'

/** Street terms (issue 12): the partnership's glossary, managed by its administrator. */

describe('decideStreetTerms', () => {
  it('allows the partnership’s administrator on their own partnership’s glossary', () => {
    const admin = actor('system-admin')
    const decision = decideStreetTerms(admin, { partnershipId: P1 })
    assert.equal(decision.allowed, true)
    assert.equal(decision.breakGlass, false)
    assert.ok(isDecisionFor(decision, admin))
  })

  it('refuses another partnership’s glossary, even to its administrator', () => {
    const decision = decideStreetTerms(actor('system-admin'), { partnershipId: P2 })
    assert.equal(decision.allowed, false)
    assert.equal(decision.denial, 'partnership')
  })

  it('refuses every other role, case workers and the DPO included', () => {
    const allowed = ROLES.filter((role) => decideStreetTerms(actor(role), { partnershipId: P1 }).allowed)
    assert.deepEqual(allowed, ['system-admin'])
    assert.equal(decideStreetTerms(actor('social-worker'), { partnershipId: P1 }).denial, 'capability')
  })

  it('refuses an administrator’s API token without the reference:manage scope', () => {
    const token = actor('system-admin', { scopes: ['agency:manage'] })
    assert.equal(decideStreetTerms(token, { partnershipId: P1 }).denial, 'capability')
    const scoped = actor('system-admin', { scopes: ['reference:manage'] })
    assert.equal(decideStreetTerms(scoped, { partnershipId: P1 }).allowed, true)
  })
})
