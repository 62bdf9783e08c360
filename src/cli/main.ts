import { Command, CommanderError } from 'commander'
import { ConfigError, loadConfig, type Config } from '../config.ts'
import { findRunningServer, loadCredentials, OWNER_ROLE, EMBEDDED_DATABASE } from '../db/embedded.ts'
import { migrate, migrationStatus } from '../db/migrate.ts'
import { connectionUrl } from '../db/urls.ts'
import { createLogger, type Logger } from '../platform/logger.ts'
import { openDatabase, openRuntime } from '../runtime.ts'
import { version } from '../version.ts'

/**
 * The `openmace` command for operators. It uses the same services as the web app; against the embedded
 * database it attaches to the server of a running OpenMACE, or starts one for the duration of the command.
 */

export class CliError extends Error {
  override name = 'CliError'
}

interface Io {
  out: (line: string) => void
  err: (line: string) => void
}

function context(): { config: Config; log: Logger } {
  const config = loadConfig()
  // Operators read the command's own output; only warnings and errors are logged (to stderr).
  const level = config.logLevel === 'info' ? 'warn' : config.logLevel
  return { config, log: createLogger(level, process.stderr) }
}

export function buildProgram(io: Io): Command {
  const program = new Command('openmace')
    .description('OpenMACE operator commands')
    .version(version)
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) })

  const db = program.command('db').description('database schema and connection')

  db.command('migrate')
    .description('apply pending migrations (each in one transaction); refuses if an applied one was edited')
    .action(async () => {
      const { config, log } = context()
      const target = await openDatabase(config, log, { attach: true })
      try {
        const applied = await migrate(target.ownerUrl)
        io.out(applied.length === 0 ? 'Database schema is up to date.' : `Applied: ${applied.join(', ')}`)
      } finally {
        await target.release()
      }
    })

  db.command('status')
    .description('list migrations and whether each is applied, pending or changed')
    .action(async () => {
      const { config, log } = context()
      const target = await openDatabase(config, log, { attach: true })
      try {
        const statuses = await migrationStatus(target.ownerUrl)
        for (const s of statuses) {
          const when = s.appliedAt !== undefined ? `  ${s.appliedAt.toISOString()}` : ''
          io.out(`${s.state.padEnd(8)} ${s.name}${when}`)
        }
        const bad = statuses.filter((s) => s.state === 'changed' || s.state === 'missing')
        if (bad.length > 0) throw new CliError(`${bad.length} migration(s) differ from the database`)
      } finally {
        await target.release()
      }
    })

  db.command('url')
    .description(
      'print the owner-role connection string of the running embedded server (for local operators)',
    )
    .action(async () => {
      const { config } = context()
      if (config.databaseUrl !== undefined) {
        throw new CliError('DATABASE_URL is set: OpenMACE uses that server, not the embedded one')
      }
      const running = await findRunningServer(config.dataDir)
      if (running === undefined) {
        throw new CliError(
          `the embedded database in ${config.dataDir} is not running: start OpenMACE with npm start`,
        )
      }
      const credentials = await loadCredentials(config.dataDir)
      io.out(
        connectionUrl({
          user: OWNER_ROLE,
          password: credentials.ownerPassword,
          port: running.port,
          database: EMBEDDED_DATABASE,
        }),
      )
    })

  const demo = program.command('demo').description('fictional demonstration data')
  demo
    .command('seed')
    .description('seed the fictional Northshire partnership (never into a database with real records)')
    .action(async () => {
      const { config, log } = context()
      const runtime = await openRuntime(config, log, { attach: true })
      try {
        const result = await runtime.services.demo.seed()
        io.out(
          result.created
            ? `Seeded ${result.partnershipName} with ${result.agencies} agencies (fictional demonstration data).`
            : `${result.partnershipName} is already seeded (${result.agencies} agencies). Nothing changed.`,
        )
      } finally {
        await runtime.close()
      }
    })

  return program
}

/** Runs the command line; returns the exit code. */
export async function run(argv: string[], io: Io): Promise<number> {
  const program = buildProgram(io)
  try {
    await program.parseAsync(argv, { from: 'user' })
    return 0
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode
    if (error instanceof ConfigError) {
      io.err(error.message)
      return 78
    }
    io.err(`openmace: ${error instanceof Error ? error.message : String(error)}`)
    return 1
  }
}

const invokedDirectly = process.argv[1] !== undefined && /cli[\\/]main\.ts$/.test(process.argv[1])
if (invokedDirectly) {
  const code = await run(process.argv.slice(2), {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  })
  process.exit(code)
}
