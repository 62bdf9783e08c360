import type { Actor } from '../../platform/access/policy.ts'
import type { RequestContext } from '../../platform/auth/auth-service.ts'
import { ValidationError } from '../../platform/errors.ts'
import type { DuplicateCandidate, DuplicateService } from './duplicate-service.ts'

type Form = Record<string, string | undefined>

/** The date of birth of a GOV.UK date input (prefix-day/-month/-year) as YYYY-MM-DD, when it is one. */
function isoDate(form: Form, prefix: string): string | undefined {
  const [d, m, y] = ['day', 'month', 'year'].map((p) => (form[`${prefix}-${p}`] ?? '').trim())
  if (!/^\d{1,2}$/.test(d ?? '') || !/^\d{1,2}$/.test(m ?? '') || !/^\d{4}$/.test(y ?? '')) return undefined
  return `${y ?? ''}-${(m ?? '').padStart(2, '0')}-${(d ?? '').padStart(2, '0')}`
}

/**
 * The "Add a person" step before saving: possible duplicates of what the user typed, among the records they may
 * see. Input the check cannot use (a malformed NHS number, an impossible date) is left to the create form's own
 * validation, which answers it on the field: the check then simply finds nothing.
 */
export async function duplicatesBeforeCreate(
  duplicates: DuplicateService,
  actor: Actor,
  form: Form,
  ctx: RequestContext,
): Promise<DuplicateCandidate[]> {
  const value = (name: string) => form[name] ?? ''
  try {
    return await duplicates.forNew(
      actor,
      {
        givenName: value('givenName'),
        familyName: value('familyName'),
        dateOfBirth: isoDate(form, 'dateOfBirth') ?? '',
        nhsNumber: value('nhsNumber'),
        upn: value('upn'),
        laChildId: value('laChildId'),
        policeId: value('policeId'),
      },
      ctx,
    )
  } catch (error) {
    if (error instanceof ValidationError) return []
    throw error
  }
}
