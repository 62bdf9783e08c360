import type { Actor } from '../../platform/access/policy.ts'
import type { RequestContext } from '../../platform/auth/auth-service.ts'
import type { DuplicateCandidate, DuplicateService, PostedPerson } from './duplicate-service.ts'

/**
 * Deprecated: call `services.duplicates.beforeCreate(actor, form, ctx)`, the same check. Kept only until the
 * people feature's "Add a person" page moves to it (another feature may not import this file); then deleted.
 */
export async function duplicatesBeforeCreate(
  duplicates: DuplicateService,
  actor: Actor,
  form: PostedPerson,
  ctx: RequestContext,
): Promise<DuplicateCandidate[]> {
  return duplicates.beforeCreate(actor, form, ctx)
}
