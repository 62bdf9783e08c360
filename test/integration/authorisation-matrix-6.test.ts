import { it } from 'node:test'
import { checkGuardedRoutes, MATRIX_SHARDS } from './matrix.ts'

it(`every guarded route × every role × every relation, shard 6 of ${String(MATRIX_SHARDS)}: status and audit row`, (t) =>
  checkGuardedRoutes(t, 6, MATRIX_SHARDS))
