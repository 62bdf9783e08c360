import { it } from 'node:test'
import { checkGuardedRoutes, MATRIX_SHARDS } from './matrix.ts'

it(`every guarded route × every role × every relation, shard 5 of ${String(MATRIX_SHARDS)}: status and audit row`, (t) =>
  checkGuardedRoutes(t, 5, MATRIX_SHARDS))
