import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  compactForms,
  fingerprint,
  inWords,
  objectKeys,
  premiseKey,
  scoreLocations,
  scoreObjects,
  scorePeople,
  streetKey,
  THRESHOLD,
  weightOf,
  type PersonFacts,
} from './suggestion-scoring.ts'

const words = (s: { contributions: Array<{ words: string; weight: number }> }) => s.contributions.map(inWords)

const person = (overrides: Partial<PersonFacts> = {}): PersonFacts => ({
  givenName: 'Kayden',
  familyName: 'Marsh',
  dateOfBirth: '2010-04-12',
  gender: 'Male',
  aliases: [],
  ...overrides,
})

describe('suggestion scoring (Fellegi–Sunter log-odds)', () => {
  it('weighs agreement as ln(m/u) and disagreement as ln((1-m)/(1-u)), to one decimal', () => {
    assert.equal(weightOf('phone', true), 6.9)
    assert.equal(weightOf('dateOfBirth', true), 4.6)
    assert.equal(weightOf('dateOfBirth', false), -3.9)
    assert.equal(weightOf('objectKind', false), -1.6)
    assert.equal(
      inWords({ words: 'different date of birth', weight: -3.1 }),
      'different date of birth \u22123.1',
    )
    assert.equal(inWords({ words: 'same phone number', weight: 6.9 }), 'same phone number +6.9')
  })

  it('finds the same phone typed differently on a phone and on an "other" thing, with each contribution in words', () => {
    const phone = { kind: 'phone' as const, value: '+441134960123', platform: null }
    const other = { kind: 'other' as const, value: '0113 496 0123', platform: null }
    assert.deepEqual(objectKeys(other), ['phone:+441134960123'])
    assert.ok(compactForms(phone).includes('01134960123'))
    const scored = scoreObjects(phone, other)
    assert.deepEqual(words(scored), [
      'same phone number +6.9',
      'recorded as different kinds of thing \u22121.6',
    ])
    assert.equal(scored.score, 5.3)
    // Two different numbers share nothing: no score at all.
    assert.equal(scoreObjects(phone, { ...other, value: '0113 496 0999' }).contributions.length, 0)
  })

  it('finds a vehicle registration written with a space as another thing', () => {
    const car = { kind: 'vehicle' as const, value: 'AB12CDE', platform: null }
    const note = { kind: 'other' as const, value: 'ab12 cde', platform: null }
    assert.deepEqual(words(scoreObjects(car, note)), [
      'same vehicle registration +6.9',
      'recorded as different kinds of thing \u22121.6',
    ])
  })

  it('finds the same flat recorded twice: the numbers in any order, street abbreviations written out', () => {
    const a = {
      name: null,
      addressLine1: 'Flat 3, 12 Mill Lane',
      addressLine2: null,
      town: 'Northshire',
      postcode: 'NS1 4AB',
    }
    const b = {
      name: null,
      addressLine1: '12 Mill Ln',
      addressLine2: 'Flat 3',
      town: 'northshire',
      postcode: 'NS1 4AB',
    }
    assert.equal(premiseKey(a), premiseKey(b))
    assert.equal(streetKey(b), 'mill lane')
    const scored = scoreLocations(a, b)
    assert.deepEqual(words(scored), [
      'same postcode +4.6',
      'same house or flat number +3.9',
      'same street +0.4',
      'same town +0.1',
    ])
    assert.equal(scored.score, 9)
    // Another flat in the same building: the number disagrees and the pair stays below the threshold.
    const other = scoreLocations(a, { ...b, addressLine2: 'Flat 4' })
    assert.ok(words(other).includes('different house or flat number \u22123.0'))
    assert.ok(other.score < THRESHOLD)
    // A different postcode is not compared at all.
    assert.equal(scoreLocations(a, { ...b, postcode: 'NS2 1DE' }).score, 0)
  })

  it('people: the same name and date of birth agree; a different date of birth counts against', () => {
    assert.deepEqual(words(scorePeople(person(), person())), [
      'same name +6.7',
      'same date of birth +4.6',
      'same gender +0.7',
    ])
    const older = scorePeople(person(), person({ dateOfBirth: '2009-01-01' }))
    assert.ok(words(older).includes('different date of birth \u22123.9'))
    assert.ok(older.score < THRESHOLD)
    const misspelt = scorePeople(person(), person({ givenName: 'Kaydon' }))
    assert.equal(words(misspelt)[0], 'similar name +2.7')
    assert.ok(misspelt.score >= THRESHOLD)
  })

  it('two people born the same day of the same gender with names not alike are not proposed', () => {
    const other = scorePeople(person(), person({ givenName: 'Zofia', familyName: 'Wright' }))
    assert.deepEqual(words(other), [
      'different name \u22121.6',
      'same date of birth +4.6',
      'same gender +0.7',
    ])
    assert.equal(other.score, 3.7)
    assert.equal(THRESHOLD, 4)
  })

  it('a person known by a street name in one record and by that name in another', () => {
    const known = person({ aliases: [{ kind: 'street-name', name: 'Ghost' }] })
    const street = person({ givenName: 'Ghost', familyName: null, dateOfBirth: null, gender: null })
    const scored = scorePeople(street, known)
    assert.deepEqual(words(scored), ['name matches a street name +5.9'])
    assert.ok(scored.score >= THRESHOLD)
  })

  it('fingerprints the evidence: the same evidence gives the same print, different evidence another', () => {
    const a = scorePeople(person(), person())
    const b = scorePeople(person(), person({ gender: 'Female' }))
    assert.equal(
      fingerprint('person', 'x', 'y', a.contributions),
      fingerprint('person', 'x', 'y', a.contributions),
    )
    assert.notEqual(
      fingerprint('person', 'x', 'y', a.contributions),
      fingerprint('person', 'x', 'y', b.contributions),
    )
    assert.match(fingerprint('person', 'x', 'y', a.contributions), /^[0-9a-f]{64}$/)
    // Either record may be the one that changed: the print does not depend on which is compared with which.
    const phone = { kind: 'phone' as const, value: '+441134960123', platform: null }
    const other = { kind: 'other' as const, value: '0113 496 0123', platform: null }
    assert.equal(
      fingerprint('object', 'x', 'y', scoreObjects(phone, other).contributions),
      fingerprint('object', 'x', 'y', scoreObjects(other, phone).contributions),
    )
  })
})
