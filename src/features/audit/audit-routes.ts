import type { FastifyReply } from 'fastify'
import { Type } from 'typebox'
import { AUDIT_ACTIONS, type AuditOutcome } from '../../platform/audit/audit-writer.ts'
import { requestContext } from '../../platform/auth/request-context.ts'
import { signedInActor } from '../../platform/access/actor.ts'
import { ValidationError } from '../../platform/errors.ts'
import { UUID } from '../../platform/identifiers/uuid.ts'
import { paths } from '../../platform/paths.ts'
import { RATE_LIMITS } from '../../platform/rate-limits.ts'
import type { Services } from '../../services.ts'
import type { FeatureRoutes } from '../../platform/surfaces.ts'
import { formErrors, type FormError } from '../../platform/views/form-errors.ts'
import { auditRowView } from './audit-view.ts'
import type { AuditQuery } from './audit-trail-service.ts'

/** An export reads many events at once: limited per user (RATE_LIMITS.export), the confirmation and the download. */
const exporting = { capability: 'audit:export' } as const
const VIEW = 'features/audit/views/audit-trail.njk'
const EXPORT_VIEW = 'features/audit/views/export-confirm.njk'
const text = (max: number) => Type.Optional(Type.String({ maxLength: max }))
const QuerySchema = Type.Object({
  actor: text(64),
  action: text(100),
  outcome: text(20),
  recordType: text(100),
  recordId: text(200),
  from: text(20),
  to: text(20),
  before: text(20),
})
type RawQuery = Partial<Record<keyof typeof QuerySchema.properties, string>>

const OUTCOMES: readonly AuditOutcome[] = ['allowed', 'denied', 'succeeded', 'failed']
const DAY_MS = 86_400_000

function parseDay(value: string): Date | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value)
  if (match === null) return undefined
  const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])))
  return date.toISOString().slice(0, 10) === value ? date : undefined
}

/** Turns the filter form into a query, or the GOV.UK error messages for what is wrong. */
export function parseAuditQuery(raw: RawQuery): { query: AuditQuery; errors: FormError[] } {
  const query: AuditQuery = {}
  const errors: FormError[] = []
  const value = (key: keyof RawQuery) => raw[key]?.trim() ?? ''
  if (value('actor') !== '') {
    if (UUID.test(value('actor'))) query.actorId = value('actor').toLowerCase()
    else errors.push({ field: 'actor', message: 'Choose a person from the list' })
  }
  if (value('action') !== '') {
    if ((AUDIT_ACTIONS as readonly string[]).includes(value('action'))) query.action = value('action')
    else errors.push({ field: 'action', message: 'Choose an action from the list' })
  }
  if (value('outcome') !== '') {
    const outcome = OUTCOMES.find((o) => o === value('outcome'))
    if (outcome !== undefined) query.outcome = outcome
    else errors.push({ field: 'outcome', message: 'Choose an outcome from the list' })
  }
  if (value('recordType') !== '') {
    if (/^[a-z][a-z-]*$/.test(value('recordType'))) query.recordType = value('recordType')
    else
      errors.push({
        field: 'recordType',
        message: 'Record type must be lower-case letters and hyphens, like person',
      })
  }
  if (value('recordId') !== '') {
    if (query.recordType === undefined && value('recordType') === '') {
      errors.push({ field: 'recordType', message: 'Enter the record type as well as its reference' })
    } else query.recordId = value('recordId')
  }
  for (const key of ['from', 'to'] as const) {
    if (value(key) === '') continue
    const day = parseDay(value(key))
    if (day === undefined) {
      errors.push({ field: key, message: `Enter a real date for "${key}", like 2026-11-27` })
    } else if (key === 'from') query.from = day
    else query.to = new Date(day.getTime() + DAY_MS) // the whole "to" day
  }
  if (query.from !== undefined && query.to !== undefined && query.from >= query.to) {
    errors.push({ field: 'to', message: 'The "to" date must be the same as or after the "from" date' })
  }
  return { query, errors }
}

export function auditRoutes(services: Services): FeatureRoutes {
  // Bulk export needs the person to confirm their password first (ASVS 7.5.3): the link opens a confirmation
  // page carrying the filters, which posts them back with the password.
  const confirmPage = (
    reply: FastifyReply,
    filters: Record<string, string>,
    extra: Record<string, unknown> = {},
    status = 200,
  ) =>
    reply.code(status).view(EXPORT_VIEW, {
      filters: Object.entries(filters).filter(
        ([key, value]) => key in QuerySchema.properties && value !== '',
      ),
      csrfToken: reply.csrfToken(),
      ...extra,
    })

  return {
    pages: async (app) => {
      app.get(
        paths.audit.trail,
        { config: { access: { capability: 'audit:read' } }, schema: { querystring: QuerySchema } },
        async function auditTrailGet(request, reply) {
          const actor = signedInActor(request)
          const { query, errors } = parseAuditQuery(request.query)
          const before = /^[1-9]\d{0,18}$/.test(request.query.before ?? '') ? request.query.before : undefined
          const page = await services.auditTrail.page(actor, errors.length > 0 ? {} : query, before)
          const exportQuery = new URLSearchParams(
            Object.entries(request.query as Record<string, string>).filter(
              ([key, value]) => key !== 'before' && value !== '',
            ),
          ).toString()
          const nextQuery =
            page.nextBefore === undefined
              ? undefined
              : new URLSearchParams({
                  ...Object.fromEntries(new URLSearchParams(exportQuery)),
                  before: page.nextBefore,
                }).toString()
          return reply.code(errors.length > 0 ? 400 : 200).view(VIEW, {
            values: request.query,
            ...formErrors(errors),
            rows: errors.length > 0 ? [] : page.entries.map((e) => auditRowView(e, page.names)),
            people: page.people,
            actions: AUDIT_ACTIONS,
            outcomes: OUTCOMES,
            exportHref: `${paths.audit.export}${exportQuery === '' ? '' : `?${exportQuery}`}`,
            nextHref: nextQuery === undefined ? undefined : `${paths.audit.trail}?${nextQuery}`,
            canExport: errors.length === 0,
          })
        },
      )

      app.get(
        paths.audit.export,
        {
          config: { access: exporting, rateLimit: RATE_LIMITS.export },
          schema: { querystring: QuerySchema },
        },
        async function auditExportGet(request, reply) {
          const { errors } = parseAuditQuery(request.query)
          if (errors.length > 0) {
            // Back to the page, which shows what is wrong with the filters.
            return reply.redirect(
              `${paths.audit.trail}?${new URLSearchParams(request.query).toString()}`,
              303,
            )
          }
          return confirmPage(reply, request.query)
        },
      )

      app.post(
        paths.audit.export,
        {
          config: { access: exporting, rateLimit: RATE_LIMITS.export },
          schema: {
            body: Type.Object(
              {
                ...QuerySchema.properties,
                password: Type.Optional(Type.String({ maxLength: 1000 })),
                _csrf: Type.Optional(Type.String({ maxLength: 200 })),
              },
              { additionalProperties: false },
            ),
          },
        },
        async function auditExportPost(request, reply) {
          const actor = signedInActor(request)
          const { password = '', ...filters } = request.body
          delete filters._csrf
          const { query, errors } = parseAuditQuery(filters)
          if (errors.length > 0) {
            return reply.redirect(`${paths.audit.trail}?${new URLSearchParams(filters).toString()}`, 303)
          }
          try {
            const { csv } = await services.auditTrail.exportCsv(
              actor,
              query,
              password,
              requestContext(request),
            )
            const day = new Date().toISOString().slice(0, 10)
            return await reply
              .type('text/csv; charset=utf-8')
              .header('content-disposition', `attachment; filename="openmace-audit-${day}.csv"`)
              .send(csv)
          } catch (error) {
            if (error instanceof ValidationError) {
              return confirmPage(reply, filters, formErrors(error.fieldErrors), 400)
            }
            throw error
          }
        },
      )
    },
  }
}
