/**
 * The authorisation matrix (SECURITY.md, proof 1): the table and the routes agree, anonymous callers are refused,
 * and shard 1 of the generated route × role × relation test (the others are authorisation-matrix-N.test.ts).
 * The table and the checks are in ./matrix.ts.
 */
import { it } from 'node:test'
import { checkAnonymous, checkGuardedRoutes, checkTableAgrees, MATRIX_SHARDS } from './matrix.ts'

it('the route table and the matrix agree: every route is in the matrix with the access it declares', (t) =>
  checkTableAgrees(t))

it('API routes refuse anonymous callers with 401 problem+json; pages send them to sign in', (t) =>
  checkAnonymous(t))

it(`every guarded route × every role × every relation, shard 1 of ${String(MATRIX_SHARDS)}: status and audit row`, (t) =>
  checkGuardedRoutes(t, 1, MATRIX_SHARDS))
