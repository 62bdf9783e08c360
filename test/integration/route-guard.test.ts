import assert from 'node:assert/strict'
import { it } from 'node:test'
import { can } from '../../src/platform/access/policy.ts'
import { actorOf } from '../../src/platform/access/actor.ts'
import { paths } from '../../src/platform/paths.ts'
import { build } from '../helpers/build.ts'
import { ownerQuery } from '../helpers/database.ts'
import { Agent, createUser, signIn } from '../helpers/sign-in.ts'

/** Generated from the route table: every guarded page answers as its declaration says, for these callers. */
it('every guarded page sends anonymous callers to sign-in and refuses, with an audited denial, roles without its capability', async (t) => {
  const { app, db, services } = await build(t)
  await app.ready()
  const guarded = app
    .routeTable()
    .filter(
      (r) => r.method === 'GET' && !r.url.includes(':') && !r.url.includes('*') && r.surface === 'pages',
    )
    .filter((r) => r.access !== undefined && r.access !== 'public')
  assert.ok(guarded.length >= 4, `guarded page routes: ${guarded.map((r) => r.url).join(', ')}`)

  const anonymous = new Agent(app)
  for (const route of guarded) {
    const res = await anonymous.get(route.url)
    assert.equal(res.statusCode, 303, `${route.url} without sign-in`)
    assert.equal(res.headers.location, paths.signIn)
  }

  const practitioner = await createUser(db, services, { roles: ['practitioner'] })
  const agent = await signIn(app, practitioner)
  const actor = actorOf((await services.auth.currentUser(practitioner.id))!)
  let refusals = 0
  for (const route of guarded) {
    const res = await agent.get(route.url)
    const access = route.access!
    const allowed = access === 'signed-in' || (typeof access === 'object' && can(actor, access.capability))
    if (!allowed) refusals++
    assert.equal(res.statusCode, allowed ? 200 : 403, `${route.url} as a practitioner`)
  }
  assert.ok(refusals > 0, 'some pages are beyond a practitioner')
  const denials = await ownerQuery<{ n: string }>(
    db.ownerUrl,
    "SELECT count(*) AS n FROM audit_event WHERE action = 'access.denied' AND actor_id = $1",
    [practitioner.id],
  )
  assert.equal(Number(denials[0]!.n), refusals, 'one audited denial per refusal')
})
