import type { Executor } from '../../db/database.ts'
import type { GuideItem, GuideRules, Level, StreetTerm } from './screening-rules.ts'

/**
 * The screening guide in force (or a given version), its items, the risk scale and the street terms: the
 * partnership's current glossary (the street-terms feature's, issue 12).
 */
export interface Guide {
  id: number
  title: string
  version: number
  rules: GuideRules
  items: (GuideItem & { hint: string | null })[]
  levels: Level[]
  streetTerms: StreetTerm[]
}

export function screeningRepository() {
  return {
    /** The guide without its street terms (the service adds the partnership's). */
    async guide(db: Executor, id?: number): Promise<Omit<Guide, 'streetTerms'>> {
      let query = db.selectFrom('screening_guide').selectAll()
      query = id === undefined ? query.where('is_current', '=', true) : query.where('id', '=', id)
      const guide = await query.executeTakeFirstOrThrow()
      const [items, levels] = await Promise.all([
        db
          .selectFrom('screening_item')
          .select(['code', 'kind', 'label', 'hint'])
          .where('guide_id', '=', guide.id)
          .orderBy('sort_order')
          .execute(),
        db.selectFrom('risk_level').selectAll().orderBy('sort_order').execute(),
      ])
      return {
        id: guide.id,
        title: guide.title,
        version: guide.version,
        rules: {
          vulnerabilityPoints: guide.vulnerability_points,
          moderatePoints: guide.moderate_points,
          significantRecentPoints: guide.significant_recent_points,
          significantOlderPoints: guide.significant_older_points,
          youngChildAge: guide.young_child_age,
          youngChildFloor: guide.young_child_floor,
        },
        items,
        levels: levels.map((l) => ({
          code: l.code,
          label: l.label,
          minScore: l.min_score,
          sortOrder: l.sort_order,
        })),
      }
    },
  }
}

export type ScreeningRepository = ReturnType<typeof screeningRepository>
