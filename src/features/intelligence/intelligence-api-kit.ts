import type { FastifyReply, FastifySchema } from 'fastify'
import type { Actor } from '../../platform/access/policy.ts'
import type { RequestContext } from '../../platform/auth/auth-service.ts'
import { paths } from '../../platform/paths.ts'
import { apiRoute } from '../../platform/route-kit.ts'
import type { Services } from '../../services.ts'
import { apiEntry } from './intelligence-forms.ts'

/** What the intelligence API routes share: their declaration, and the answer to an entry just recorded. */

type ApiEntry = ReturnType<typeof apiEntry>

/** An intelligence API route (tag `intelligence`): who may call it (`capability`), its summary, then its schema. */
export const intelligenceRoute = <const S extends FastifySchema>(
  access: { capability: 'intelligence:read' | 'intelligence:write' | 'person:read' },
  summary: string,
  schema: S,
) => apiRoute(access.capability, 'intelligence', { summary, ...schema })

/**
 * An entry `work` records (a new entry, or a new version of one) read back as the caller sees it, answered 201
 * with where it is.
 */
export async function entryRecorded(
  intelligence: Services['intelligence'],
  reply: FastifyReply,
  actor: Actor,
  ctx: RequestContext,
  work: () => Promise<string>,
): Promise<FastifyReply> {
  const id = await work()
  const entry: ApiEntry = apiEntry((await intelligence.read(actor, id, ctx, 'api')).entry)
  return reply.code(201).header('location', paths.api.intelligenceEntry(entry.id)).send({ entry })
}
