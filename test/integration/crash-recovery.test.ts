import assert from 'node:assert/strict'
import type { ChildProcess } from 'node:child_process'
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, describe, it } from 'node:test'
import pg from 'pg'
import { embeddedPaths, loadCredentials, OWNER_ROLE, EMBEDDED_DATABASE } from '../../src/db/embedded.ts'
import { connectionUrl } from '../../src/db/urls.ts'
import { spawnServer } from '../helpers/server-process.ts'

/**
 * The whole process, as a user runs it (`npm start` is `tsx src/server.ts`): killed without warning, it must
 * come back UP with every acknowledged write, by itself.
 */

interface Started {
  child: ChildProcess
  url: string
}

async function start(dataDir: string): Promise<Started> {
  const child = spawnServer({
    NODE_ENV: 'development',
    OPENMACE_DATA_DIR: dataDir,
    PORT: '0',
    LOG_LEVEL: 'warn',
  })
  let output = ''
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no start within 90 s:\n${output}`)), 90_000)
    const onData = (chunk: Buffer) => {
      output += chunk.toString()
      const match = /is running at (http:\/\/localhost:\d+)/.exec(output)
      if (match?.[1] !== undefined) {
        clearTimeout(timer)
        resolve({ child, url: match[1] })
      }
    }
    child.stdout.on('data', onData)
    child.stderr.on('data', onData)
    child.on('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`server exited with ${code}:\n${output}`))
    })
  })
}

async function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  await new Promise((resolve) => child.once('exit', resolve))
}

async function postmasterPid(dataDir: string): Promise<number> {
  const text = await fs.readFile(embeddedPaths(dataDir).postmasterPid, 'utf8')
  return Number.parseInt(text.split('\n')[0] ?? '', 10)
}

async function ownerUrl(dataDir: string): Promise<string> {
  const text = await fs.readFile(embeddedPaths(dataDir).postmasterPid, 'utf8')
  const port = Number.parseInt(text.split('\n')[3] ?? '', 10)
  const { ownerPassword } = await loadCredentials(dataDir)
  return connectionUrl({ user: OWNER_ROLE, password: ownerPassword, port, database: EMBEDDED_DATABASE })
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

async function health(url: string): Promise<string> {
  const res = await fetch(`${url}/health`)
  return ((await res.json()) as { status: string }).status
}

describe('crash safety of npm start on the embedded database', { timeout: 240_000 }, () => {
  let dataDir: string | undefined
  const setDataDir = (dir: string) => {
    dataDir = dir
  }
  let current: Started | undefined
  after(async () => {
    if (dataDir === undefined) return // the test was filtered out
    const dir = dataDir
    if (current !== undefined && current.child.exitCode === null) {
      current.child.kill('SIGKILL')
      await exited(current.child)
    }
    // Leave no server behind even if an assertion failed half-way.
    const pid = await postmasterPid(dir).catch(() => undefined)
    if (pid !== undefined && alive(pid)) process.kill(pid, 'SIGQUIT')
    await fs.rm(dir, { recursive: true, force: true })
  })

  it('comes back UP with all data after SIGKILL of the app, then of the app and PostgreSQL together', async () => {
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'openmace-crash-'))
    setDataDir(dataDir)
    current = await start(dataDir)
    assert.equal(await health(current.url), 'UP')
    const service = (await (await fetch(`${current.url}/api/v1/service`)).json()) as {
      partnerships: unknown[]
    }
    assert.equal(service.partnerships.length, 1, 'a fresh data folder is seeded with the demo partnership')

    // Round 1: the app dies; its PostgreSQL lives on as an orphan holding the folder.
    const orphan = await postmasterPid(dataDir)
    current.child.kill('SIGKILL')
    await exited(current.child)
    assert.ok(alive(orphan), 'the postgres child outlived the killed app (the case to recover from)')
    current = await start(dataDir)
    assert.equal(await health(current.url), 'UP')
    assert.ok(!alive(orphan), 'the orphan was stopped')

    // Round 2: acknowledged writes, then the app and PostgreSQL are both killed mid-stream.
    const client = new pg.Client({ connectionString: await ownerUrl(dataDir) })
    client.on('error', () => undefined) // the server is about to be killed under it
    await client.connect()
    await client.query('CREATE TABLE crash_probe (n integer PRIMARY KEY)')
    const acknowledged: number[] = []
    const writer = (async () => {
      for (let n = 1; n <= 100_000; n++) {
        try {
          await client.query('INSERT INTO crash_probe (n) VALUES ($1)', [n])
          acknowledged.push(n)
        } catch {
          return
        }
      }
    })()
    while (acknowledged.length < 200) await new Promise((resolve) => setTimeout(resolve, 10))
    const pgPid = await postmasterPid(dataDir)
    process.kill(pgPid, 'SIGKILL')
    current.child.kill('SIGKILL')
    await writer
    await client.end().catch(() => undefined)
    await exited(current.child)

    current = await start(dataDir)
    assert.equal(await health(current.url), 'UP')
    const check = new pg.Client({ connectionString: await ownerUrl(dataDir) })
    await check.connect()
    const { rows } = await check.query<{ n: number }>('SELECT n FROM crash_probe ORDER BY n')
    await check.end()
    const stored = new Set(rows.map((r) => r.n))
    const lost = acknowledged.filter((n) => !stored.has(n))
    assert.deepEqual(lost, [], `every acknowledged write survived (${acknowledged.length} acknowledged)`)
    const after = (await (await fetch(`${current.url}/api/v1/service`)).json()) as { partnerships: unknown[] }
    assert.equal(after.partnerships.length, 1, 'the demo data is intact and was not seeded twice')

    // The running app seals new audit rows by itself (the audit-seal job, every 5 s).
    const audit = new pg.Client({ connectionString: await ownerUrl(dataDir) })
    await audit.connect()
    const { rows: inserted } = await audit.query<{ id: string }>(
      "INSERT INTO audit_event (action, outcome) VALUES ('record.read', 'allowed') RETURNING id",
    )
    let sealedUpTo = '0'
    for (let i = 0; i < 150 && BigInt(sealedUpTo) < BigInt(inserted[0]!.id); i++) {
      await new Promise((resolve) => setTimeout(resolve, 100))
      const { rows: seals } = await audit.query<{ last: string | null }>(
        'SELECT max(last_event_id) AS last FROM audit_seal',
      )
      sealedUpTo = seals[0]?.last ?? '0'
    }
    await audit.end()
    assert.ok(BigInt(sealedUpTo) >= BigInt(inserted[0]!.id), 'the audit row was sealed within 15 s')

    // Graceful stop: SIGTERM stops the app and its PostgreSQL.
    const lastPg = await postmasterPid(dataDir)
    current.child.kill('SIGTERM')
    await exited(current.child)
    for (let i = 0; i < 100 && alive(lastPg); i++) await new Promise((resolve) => setTimeout(resolve, 100))
    assert.ok(!alive(lastPg), 'PostgreSQL stopped with the app')
  })
})
