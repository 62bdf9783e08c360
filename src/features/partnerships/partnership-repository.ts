import type { Executor } from '../../db/database.ts'

export interface PartnershipSummary {
  id: string
  code: string
  name: string
  isDemo: boolean
}

export interface NewAgency {
  name: string
  agencyType: string
}

export function partnershipRepository() {
  return {
    async list(db: Executor): Promise<PartnershipSummary[]> {
      const rows = await db
        .selectFrom('partnership')
        .select(['id', 'code', 'name', 'is_demo'])
        .orderBy('name')
        .execute()
      return rows.map((r) => ({ id: r.id, code: r.code, name: r.name, isDemo: r.is_demo }))
    },

    async countReal(db: Executor): Promise<number> {
      const row = await db
        .selectFrom('partnership')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('is_demo', '=', false)
        .executeTakeFirstOrThrow()
      return Number(row.n)
    },

    async findByCode(db: Executor, code: string): Promise<PartnershipSummary | undefined> {
      const row = await db
        .selectFrom('partnership')
        .select(['id', 'code', 'name', 'is_demo'])
        .where('code', '=', code)
        .executeTakeFirst()
      return row && { id: row.id, code: row.code, name: row.name, isDemo: row.is_demo }
    },

    async create(
      db: Executor,
      partnership: { code: string; name: string; laCode?: string; isDemo: boolean },
    ): Promise<string> {
      const row = await db
        .insertInto('partnership')
        .values({
          code: partnership.code,
          name: partnership.name,
          la_code: partnership.laCode ?? null,
          is_demo: partnership.isDemo,
        })
        .returning('id')
        .executeTakeFirstOrThrow()
      return row.id
    },

    async addAgencies(db: Executor, partnershipId: string, agencies: NewAgency[]): Promise<void> {
      if (agencies.length === 0) return
      await db
        .insertInto('agency')
        .values(
          agencies.map((a) => ({ partnership_id: partnershipId, name: a.name, agency_type: a.agencyType })),
        )
        .execute()
    },

    async agencies(db: Executor, partnershipId: string): Promise<Array<NewAgency & { id: string }>> {
      const rows = await db
        .selectFrom('agency')
        .innerJoin('agency_type', 'agency_type.code', 'agency.agency_type')
        .select(['agency.id', 'agency.name', 'agency.agency_type'])
        .where('agency.partnership_id', '=', partnershipId)
        .orderBy('agency_type.sort_order')
        .orderBy('agency.name')
        .execute()
      return rows.map((r) => ({ id: r.id, name: r.name, agencyType: r.agency_type }))
    },
  }
}

export type PartnershipRepository = ReturnType<typeof partnershipRepository>
