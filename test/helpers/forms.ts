/**
 * The three inputs of a GOV.UK date field as a form posts them: `${name}-day`, `${name}-month` and
 * `${name}-year` (each '' unless given, as a browser sends an empty box).
 */
export function dateInputs(name: string, day = '', month = '', year = ''): Record<string, string> {
  return { [`${name}-day`]: day, [`${name}-month`]: month, [`${name}-year`]: year }
}
