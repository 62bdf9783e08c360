/**
 * Recognises errors that mean "the database cannot be reached right now" (as opposed to a bug or a bad
 * query), so that pages answer 503 "service unavailable" and the app carries on when the server is back.
 */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
])
// SQLSTATE class 08 (connection exception) and 57P01-57P03 (shutdown, crash, cannot connect now).
const SQLSTATE_UNAVAILABLE = /^(08...|57P0[1-3])$/

export function isDatabaseUnavailable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false
  const { code, message, syscall } = error as { code?: unknown; message?: unknown; syscall?: unknown }
  if (typeof code === 'string' && (NETWORK_CODES.has(code) || SQLSTATE_UNAVAILABLE.test(code))) return true
  // A Unix-domain socket whose server has stopped is gone, not refusing: ENOENT, from connect only.
  if (code === 'ENOENT' && syscall === 'connect') return true
  if (typeof message === 'string') {
    return /timeout exceeded when trying to connect|Connection terminated|connection timeout|Client has encountered a connection error/i.test(
      message,
    )
  }
  return false
}
