/**
 * The 3x5x2 grading of police intelligence (DOMAIN.md): how reliable the source is, how the intelligence is known,
 * and how it may be shared. One table for intelligence entries and the links and flags derived from them.
 */
export const SOURCE_EVALUATIONS = {
  '1': 'Reliable',
  '2': 'Untested',
  '3': 'Not reliable',
} as const
export const INTELLIGENCE_ASSESSMENTS = {
  A: 'Known directly',
  B: 'Known indirectly, corroborated',
  C: 'Known indirectly',
  D: 'Not known',
  E: 'Suspected false or malicious',
} as const
export const HANDLING_CODES = {
  P: 'Lawful sharing permitted',
  C: 'Lawful sharing permitted with conditions',
} as const
export type SourceEvaluation = keyof typeof SOURCE_EVALUATIONS
export type IntelligenceAssessment = keyof typeof INTELLIGENCE_ASSESSMENTS
export type HandlingCode = keyof typeof HANDLING_CODES
