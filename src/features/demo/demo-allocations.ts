import type { Transaction } from 'kysely'
import type { DB } from '../../db/schema.ts'
import type { Actor } from '../../platform/access/policy.ts'
import type { RequestContext } from '../../platform/auth/auth-service.ts'
import type { AllocationService } from '../allocation/allocation-service.ts'

/** The allocation service's calls the demo seed makes (a13, issue 13). */
export type DemoAllocationServices = Pick<AllocationService, 'queue' | 'allocate'>

const CTX: RequestContext = { requestId: 'demo-seed', ip: '127.0.0.1' }

/**
 * The demo's allocations, through the allocation service in the seed's transaction: the front-door decisions for an
 * assessment or a strategy meeting put their children in the Exploitation Team's queue (demo-referrals.ts); the
 * team manager allocates the oldest to themselves and then re-allocates them, with a reason, to the social worker;
 * the rest wait for allocation.
 */
export async function seedDemoAllocations(
  trx: Transaction<DB>,
  allocations: DemoAllocationServices,
  cast: { manager: Actor; socialWorker: Actor },
): Promise<{ waiting: number; allocated: number }> {
  const options = { trx }
  const { allocations: waiting } = await allocations.queue(cast.manager, CTX, options)
  const first = [...waiting].sort((a, b) => a.queuedAt.localeCompare(b.queuedAt))[0]
  if (first === undefined) return { waiting: 0, allocated: 0 }
  const held = await allocations.allocate(
    cast.manager,
    first.id,
    {
      workerId: cast.manager.userId,
      reason: 'Held by the manager until the social worker is back on Monday',
      version: first.version,
    },
    CTX,
    options,
  )
  await allocations.allocate(
    cast.manager,
    first.id,
    {
      workerId: cast.socialWorker.userId,
      reason: 'Social worker back from leave: she knows the family from an earlier assessment',
      version: held.version,
    },
    CTX,
    options,
  )
  return { waiting: waiting.length - 1, allocated: 1 }
}
