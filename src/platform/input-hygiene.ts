import type { FastifyInstance, FastifyRequest } from 'fastify'
import { ValidationError, type FieldError } from './errors.ts'

/**
 * Control characters never reach the database. PostgreSQL refuses U+0000 in text (and in jsonb), so a NUL in
 * any field used to be a 500; the other C0 controls (but tab, LF and CR, which forms and notes carry) and
 * U+007F are never meant in a name, a search or a note, and only hide things from whoever reads the record.
 * One preValidation hook walks the body, querystring and params of every request, pages and API alike, and
 * refuses the first few it finds with a 400 that names each field. Not a security event: logged, not audited.
 */

// Everything from U+0000 to U+001F but U+0009 (tab), U+000A (LF) and U+000D (CR), and U+007F (DEL).
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTER = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/

/** How many findings a refusal names at most (the walk stops there). */
const MAX_FINDINGS = 10

export interface ControlCharacterFinding {
  /** JSON pointer of the string, e.g. "/body/aliases/0/name"; a bad member name is reported at its object. */
  pointer: string
  /** The first control character found there. */
  codePoint: number
  /** Whether it is the member's name (rather than a string value) that holds it. */
  inName: boolean
}

/** The first control character of a string (see CONTROL_CHARACTER), or undefined. */
export function controlCharacterIn(value: string): number | undefined {
  const match = CONTROL_CHARACTER.exec(value)
  return match === null ? undefined : match[0].charCodeAt(0)
}

/** RFC 6901: "~" is "~0" and "/" is "~1" in a pointer's reference tokens. */
function token(key: string): string {
  return key.replaceAll('~', '~0').replaceAll('/', '~1')
}

/**
 * Every string (values and member names) under `value`, depth first in document order, with its pointer from
 * `base`. Iterative, so a deeply nested JSON body cannot overflow the stack; stops after `limit` findings.
 */
export function findControlCharacters(
  value: unknown,
  base: string,
  limit = MAX_FINDINGS,
): ControlCharacterFinding[] {
  const found: ControlCharacterFinding[] = []
  const stack: Array<{ value: unknown; pointer: string }> = [{ value, pointer: base }]
  for (let next = stack.pop(); next !== undefined && found.length < limit; next = stack.pop()) {
    const { value: current, pointer } = next
    if (typeof current === 'string') {
      const codePoint = controlCharacterIn(current)
      if (codePoint !== undefined) found.push({ pointer, codePoint, inName: false })
    } else if (Array.isArray(current)) {
      for (let i = current.length - 1; i >= 0; i--) {
        stack.push({ value: current[i], pointer: `${pointer}/${i}` })
      }
    } else if (typeof current === 'object' && current !== null) {
      const entries = Object.entries(current)
      const children: typeof stack = []
      for (const [key, child] of entries) {
        const codePoint = controlCharacterIn(key)
        if (codePoint !== undefined) {
          // The name itself cannot go into the pointer (it holds the character): the object is named.
          found.push({ pointer, codePoint, inName: true })
          if (found.length >= limit) break
          continue
        }
        children.push({ value: child, pointer: `${pointer}/${token(key)}` })
      }
      for (const child of children.reverse()) stack.push(child)
    }
  }
  return found.slice(0, limit)
}

const hex = (codePoint: number) => `U+${codePoint.toString(16).toUpperCase().padStart(4, '0')}`

/** A refusal that names each field; its message (the API's `detail`) names them too. */
export class ControlCharacterError extends ValidationError {
  constructor(fieldErrors: FieldError[], detail: string) {
    super(fieldErrors)
    this.message = detail
  }
}

/** The 400 for these findings: JSON pointers for the API, plain sentences for a page's error page. */
export function controlCharacterError(findings: ControlCharacterFinding[], api: boolean): ValidationError {
  if (api) {
    const errors = findings.map((f) => ({
      field: f.pointer,
      message: `must not contain control characters (found ${hex(f.codePoint)}${f.inName ? ' in a member name' : ''})`,
    }))
    return new ControlCharacterError(errors, errors.map((e) => `${e.field} ${e.message}`).join('; '))
  }
  const errors = findings.map((f) => {
    const field = f.pointer.replace(/^\/(body|querystring|params)\/?/, '') || f.pointer.slice(1)
    return {
      field,
      message: `The ${field} field must not contain control characters (it has ${hex(f.codePoint)}). Remove them and try again.`,
    }
  })
  return new ControlCharacterError(errors, errors.map((e) => e.message).join(' '))
}

/** What a request carries that the hook checks, each under its pointer prefix. */
export function controlCharactersOf(request: Pick<FastifyRequest, 'body' | 'query' | 'params'>) {
  const found: ControlCharacterFinding[] = []
  for (const [part, value] of [
    ['params', request.params],
    ['querystring', request.query],
    ['body', request.body],
  ] as const) {
    if (found.length >= MAX_FINDINGS) break
    found.push(...findControlCharacters(value, `/${part}`, MAX_FINDINGS - found.length))
  }
  return found
}

/**
 * Registers the check on a surface (src/platform/surfaces.ts), after its credentials: the API's errors are
 * problem+json pointers, the pages' a GOV.UK error summary.
 */
export function setUpInputHygiene(app: FastifyInstance, surface: 'api' | 'pages'): void {
  app.addHook('preValidation', async (request) => {
    const findings = controlCharactersOf(request)
    if (findings.length === 0) return
    // Pointers and code points only: the values are the caller's data.
    request.log.info(
      {
        event: 'control-characters-refused',
        fields: findings.map((f) => ({ pointer: f.pointer, codePoint: hex(f.codePoint) })),
      },
      'request refused: control characters in its input',
    )
    throw controlCharacterError(findings, surface === 'api')
  })
}
