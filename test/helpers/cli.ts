import { run } from '../../src/cli/main.ts'
import type { TestDatabase } from './database.ts'

/** Runs the `openmace` command in-process and collects what it prints. */
export async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = []
  const err: string[] = []
  const code = await run(args, { out: (l) => out.push(l), err: (l) => err.push(l) })
  return { code, out: out.join('\n'), err: err.join('\n') }
}

// The suite may run against a server (DATABASE_URL); each test chooses the database it wants.
const saved = { ...process.env }
delete saved.DATABASE_URL
delete saved.DATABASE_APP_URL

/** A clean environment for one CLI test (call in beforeEach), optionally pointed at a test database. */
export function cliEnvironment(db?: TestDatabase): void {
  process.env = { ...saved, NODE_ENV: 'development', LOG_LEVEL: 'silent' }
  if (db !== undefined) {
    process.env.DATABASE_URL = db.ownerUrl
    process.env.DATABASE_APP_URL = db.appUrl
  }
}
