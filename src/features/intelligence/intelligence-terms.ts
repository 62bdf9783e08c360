import type { Actor } from '../../platform/access/policy.ts'
import type { StreetTermService } from '../street-terms/street-term-service.ts'
import type { IntelligenceView } from './intelligence-service.ts'

/** A street term found in an entry's text as the reader sees it, and in which of its texts. */
export interface EntryTerm {
  code: string
  term: string
  meaning: string
  found: string[]
  /** "sanitised" and, for a handler reading it in full, "full". */
  in: Array<'sanitised' | 'full'>
}

/**
 * The partnership's street terms (the street-terms service's `detect`) found in an entry as the reader may see
 * it: in its sanitised text for everyone who may read it, and in its full text only for those who read it in full
 * (a MACE member's sanitised view never hints at words that are only in the full text). In order of appearance.
 */
export async function entryTerms(
  streetTerms: Pick<StreetTermService, 'detect'>,
  actor: Actor,
  entry: Pick<IntelligenceView, 'sanitisedText' | 'fullText' | 'full'>,
): Promise<EntryTerm[]> {
  const texts: Array<['sanitised' | 'full', string]> = [['sanitised', entry.sanitisedText]]
  if (entry.full && entry.fullText !== null) texts.push(['full', entry.fullText])
  const terms = new Map<string, EntryTerm>()
  for (const [where, text] of texts) {
    for (const t of await streetTerms.detect(actor, text)) {
      const term = terms.get(t.code) ?? { code: t.code, term: t.term, meaning: t.meaning, found: [], in: [] }
      terms.set(t.code, term)
      term.in.push(where)
      for (const words of t.found) if (!term.found.includes(words)) term.found.push(words)
    }
  }
  return [...terms.values()]
}
