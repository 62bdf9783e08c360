/**
 * The three inputs of a GOV.UK date field as a form posts them: `${name}-day`, `${name}-month` and
 * `${name}-year` (each '' unless given, as a browser sends an empty box).
 */
export function dateInputs(name: string, day = '', month = '', year = ''): Record<string, string> {
  return { [`${name}-day`]: day, [`${name}-month`]: month, [`${name}-year`]: year }
}

/**
 * The new-link page's form as a browser posts it: from 3 February 2025, no end, confirmed from a record, with no
 * intelligence grading; `fields` give the link's type, its other end and anything else the test needs.
 */
export function linkForm(fields: Record<string, string> = {}): Record<string, string> {
  return {
    linkType: 'uses-phone',
    to: '',
    ...dateInputs('fromDate', '3', '2', '2025'),
    ...dateInputs('toDate'),
    source: 'Stop check 2025-0042',
    sourceType: 'record',
    sourceAgencyId: '',
    sourceEvaluation: '',
    intelligenceAssessment: '',
    confidence: 'confirmed',
    ...fields,
  }
}
