import pg from 'pg'

/** One short-lived connection for administrative work (migrations, roles, database creation). */
export async function withClient<T>(
  url: string,
  fn: (client: pg.Client) => Promise<T>,
  applicationName = 'openmace-admin',
): Promise<T> {
  const client = new pg.Client({ connectionString: url, application_name: applicationName })
  // A server going away mid-command surfaces as the rejected query; never as an unhandled 'error' event.
  client.on('error', () => undefined)
  await client.connect()
  try {
    return await fn(client)
  } finally {
    await client.end()
  }
}
