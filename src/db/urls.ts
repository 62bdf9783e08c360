/** Builds and rewrites PostgreSQL connection URLs without string concatenation mistakes. */

export function connectionUrl(parts: {
  user: string
  password: string
  port: number
  database: string
  host?: string
  /** A folder holding the server's Unix-domain socket: connect through it rather than TCP (`?host=`). */
  socketDir?: string
}): string {
  const url = new URL('postgres://localhost')
  url.hostname = parts.host ?? '127.0.0.1'
  url.port = String(parts.port)
  url.username = encodeURIComponent(parts.user)
  url.password = encodeURIComponent(parts.password)
  url.pathname = `/${encodeURIComponent(parts.database)}`
  if (parts.socketDir !== undefined) url.searchParams.set('host', parts.socketDir)
  return url.toString()
}

/** The same server and options with another user, password or database. */
export function withUrlParts(
  base: string,
  parts: { user?: string; password?: string; database?: string },
): string {
  const url = new URL(base)
  if (parts.user !== undefined) url.username = encodeURIComponent(parts.user)
  if (parts.password !== undefined) url.password = encodeURIComponent(parts.password)
  if (parts.database !== undefined) url.pathname = `/${encodeURIComponent(parts.database)}`
  return url.toString()
}

export function databaseName(url: string): string {
  return decodeURIComponent(new URL(url).pathname.slice(1))
}

/** For logs and messages: the URL with its password hidden. */
export function redactUrl(url: string): string {
  const parsed = new URL(url)
  if (parsed.password !== '') parsed.password = '*****'
  return parsed.toString()
}
