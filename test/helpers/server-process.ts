import { spawn, type ChildProcess } from 'node:child_process'
import path from 'node:path'

const ROOT = path.resolve(import.meta.dirname, '..', '..')

/**
 * `npm start` as a user runs it (`tsx src/server.ts`), on the embedded database: DATABASE_URL and
 * DATABASE_APP_URL are removed, because the server suite sets them and a server started on them would run
 * forever instead of failing the way the test expects. Output is piped; `env` comes on top of the caller's.
 */
export function spawnServer(env: Record<string, string>) {
  const clean = { ...process.env }
  delete clean.DATABASE_URL
  delete clean.DATABASE_APP_URL
  return spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: ROOT,
    env: { ...clean, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
}

/** Waits for a server that should stop by itself; kills it (and fails) when it has not within `ms`. */
export async function exitOf(child: ChildProcess, ms = 120_000): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`the server was still running after ${ms / 1000} s`))
    }, ms)
    child.once('close', (code) => {
      clearTimeout(timer)
      resolve(code)
    })
  })
}
