import assert from 'node:assert/strict'
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, it, type TestContext } from 'node:test'
import { createTestDatabase } from '../../test/helpers/database.ts'
import { exitOf, spawnServer } from '../../test/helpers/server-process.ts'
import { createLogger } from '../platform/logger.ts'
import {
  checkPostgresCanReach,
  EmbeddedDatabaseUnreachableError,
  embeddedBinaries,
  postgresUserIds,
  socketFolder,
  startEmbedded,
} from './embedded.ts'
import { blockingFolder, type FolderMode } from './folder-access.ts'

describe('the embedded server’s socket', () => {
  it('goes in the data folder when its path is short and plain; otherwise TCP only', () => {
    assert.equal(socketFolder('/tmp/openmace/postgres', 54321), '/tmp/openmace/postgres')
    assert.equal(
      socketFolder(`/tmp/${'a'.repeat(90)}/postgres`, 54321),
      undefined,
      'past the socket-path limit',
    )
    assert.equal(socketFolder('/tmp/open mace,x/postgres', 54321), undefined, 'would need quoting')
  })

  it('the tests’ embedded server is reached through its socket, not TCP', async (t) => {
    const { database, appUrl } = await createTestDatabase(t)
    const { rows } = await database.pool.query<{ address: string | null }>(
      'SELECT inet_client_addr()::text AS address',
    )
    if (new URL(appUrl).searchParams.get('host') === null) {
      // A server given by TEST_ADMIN_URL (the PostgreSQL 15 suite) is reached however its URL says.
      t.skip('not the embedded server')
      return
    }
    assert.deepEqual(rows, [{ address: null }], 'a Unix-domain socket has no client address')
  })
})

describe('which folder stops a user reaching a path', () => {
  const folders: Record<string, FolderMode> = {
    '/': { mode: 0o40755, uid: 0, gid: 0 },
    '/home': { mode: 0o40755, uid: 0, gid: 0 },
    '/home/alex': { mode: 0o40700, uid: 1000, gid: 1000 },
    '/home/alex/openmace': { mode: 0o40755, uid: 1000, gid: 1000 },
    '/srv': { mode: 0o40750, uid: 0, gid: 104 },
    '/srv/openmace': { mode: 0o40605, uid: 101, gid: 104 },
  }
  const statOf = async (folder: string) => {
    const found = folders[folder]
    if (found === undefined) throw Object.assign(new Error(`no ${folder}`), { code: 'ENOENT' })
    return found
  }
  const postgres = { uid: 101, gid: 104 }

  it('names the first folder from the root down without search permission for that user, and the chmod', async () => {
    assert.deepEqual(await blockingFolder('/home/alex/openmace/data', postgres, statOf), {
      folder: '/home/alex',
      grant: 'o+x',
    })
    assert.equal(await blockingFolder('/home/alex/openmace', { uid: 1000, gid: 1000 }, statOf), undefined)
    assert.equal(await blockingFolder('/home/alex/openmace', { uid: 0, gid: 0 }, statOf), undefined, 'root')
  })

  it('applies the owner’s, else the group’s, else the others’ bits, never a mix', async () => {
    assert.equal(await blockingFolder('/srv', postgres, statOf), undefined, 'group 104 may search')
    assert.deepEqual(await blockingFolder('/srv', { uid: 1000, gid: 1000 }, statOf), {
      folder: '/srv',
      grant: 'o+x',
    })
    // The owner has no x although others have: the owner's bits are the ones that count.
    assert.deepEqual(await blockingFolder('/srv/openmace/data', postgres, statOf), {
      folder: '/srv/openmace',
      grant: 'u+x',
    })
  })

  it('stops at a folder that does not exist yet: nothing below it can block', async () => {
    assert.equal(await blockingFolder('/home/nobody/x', postgres, statOf), undefined)
  })

  it('reads real folders', async (t) => {
    const top = await fs.mkdtemp(path.join(os.tmpdir(), 'openmace-reach-'))
    t.after(() => fs.rm(top, { recursive: true, force: true }))
    await fs.mkdir(path.join(top, 'home', 'alex', 'openmace'), { recursive: true, mode: 0o755 })
    await fs.chmod(path.join(top, 'home'), 0o755)
    await fs.chmod(path.join(top, 'home', 'alex'), 0o700)
    await fs.chmod(top, 0o755)
    const mine = os.userInfo()
    const stranger = { uid: mine.uid + 4242, gid: mine.gid + 4242 }
    assert.deepEqual(await blockingFolder(path.join(top, 'home', 'alex', 'openmace'), stranger), {
      folder: path.join(top, 'home', 'alex'),
      grant: 'o+x',
    })
    assert.equal(await blockingFolder(path.join(top, 'home', 'alex', 'openmace'), mine), undefined)
  })
})

describe('starting the embedded server as root in a folder the postgres user cannot reach', () => {
  const notRoot = os.userInfo().uid !== 0 && 'runs only as root: only then does PostgreSQL run as "postgres"'

  /** A home-like folder tree with mode 0700 (owned by root), in a temporary folder anyone may pass through. */
  async function lockedTree(t: Pick<TestContext, 'after'>): Promise<{ locked: string; dataDir: string }> {
    const top = await fs.mkdtemp(path.join(os.tmpdir(), 'openmace-locked-'))
    t.after(() => fs.rm(top, { recursive: true, force: true }))
    await fs.chmod(top, 0o755)
    const locked = path.join(top, 'home')
    await fs.mkdir(path.join(locked, 'openmace'), { recursive: true })
    await fs.chmod(locked, 0o700)
    return { locked, dataDir: path.join(locked, 'openmace', 'data') }
  }

  it('stops before spawning anything, naming the folder and what to do', { skip: notRoot }, async (t) => {
    const { locked, dataDir } = await lockedTree(t)
    const error = await startEmbedded(dataDir, createLogger('silent')).then(
      () => assert.fail('started'),
      (e: unknown) => e,
    )
    assert.ok(error instanceof EmbeddedDatabaseUnreachableError, String(error))
    assert.equal(error.folder, locked)
    assert.match(
      error.message,
      new RegExp(`cannot pass through the folder ${locked} to reach the data folder`),
    )
    assert.match(error.message, /set OPENMACE_DATA_DIR to a folder "postgres" can reach/)
    assert.ok(error.message.includes(`chmod o+x ${locked}`), error.message)
    assert.doesNotMatch(error.message, /\n/, 'one paragraph')
    await assert.rejects(fs.access(path.join(dataDir, 'postgres', 'PG_VERSION')), 'no cluster created')
  })

  it('names the programs’ folder and the temporary folder too', { skip: notRoot }, async (t) => {
    const { locked } = await lockedTree(t)
    const reachable = { programs: path.dirname((await embeddedBinaries()).postgres), dataDir: os.tmpdir() }
    const ids = await postgresUserIds()
    await checkPostgresCanReach(reachable, ids)

    const programs = path.join(locked, 'openmace', 'node_modules', 'bin')
    await assert.rejects(checkPostgresCanReach({ ...reachable, programs }, ids), (e: unknown) => {
      assert.ok(e instanceof EmbeddedDatabaseUnreachableError)
      assert.equal(e.folder, locked)
      assert.match(e.message, /to reach PostgreSQL's programs in .*: move the OpenMACE folder/)
      return true
    })
    await assert.rejects(checkPostgresCanReach({ ...reachable, tmpDir: locked }, ids), (e: unknown) => {
      assert.ok(e instanceof EmbeddedDatabaseUnreachableError)
      assert.equal(e.folder, locked)
      assert.match(e.message, /set TMPDIR to a folder "postgres" can reach/)
      return true
    })
  })

  it('npm start prints that paragraph and exits 1, with no stack trace', { skip: notRoot }, async (t) => {
    const { locked, dataDir } = await lockedTree(t)
    const child = spawnServer({
      NODE_ENV: 'development',
      LOG_LEVEL: 'silent',
      PORT: '0',
      OPENMACE_DATA_DIR: dataDir,
    })
    t.after(() => child.kill('SIGKILL'))
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    const code = await exitOf(child, 60_000)
    assert.equal(code, 1, stderr)
    assert.ok(
      stderr.startsWith('OpenMACE could not start: the embedded PostgreSQL server cannot reach its files.'),
      stderr,
    )
    assert.ok(stderr.includes(`chmod o+x ${locked}`), stderr)
    assert.equal(stderr.trim().split('\n').length, 1, 'one paragraph')
    assert.doesNotMatch(stderr, /EACCES|\n\s+at /, 'no stack trace')
  })
})
