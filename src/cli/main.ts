import { Presets, SingleBar } from 'cli-progress'
import { Command, CommanderError } from 'commander'
import pg from 'pg'
import { ConfigError, loadConfig, type Config } from '../config.ts'
import { findRunningServer, loadCredentials, OWNER_ROLE, EMBEDDED_DATABASE } from '../db/embedded.ts'
import { createDatabase } from '../db/database.ts'
import { migrate, migrationStatus, ownerBypassesRowSecurity } from '../db/migrate.ts'
import { withClient } from '../db/client.ts'
import { connectionUrl } from '../db/urls.ts'
import { sealPending, verifyAudit, type SealInfo } from '../platform/audit/audit-seal.ts'
import { createLogger, type Logger } from '../platform/logger.ts'
import { cliOperator } from '../platform/tokens/token-service.ts'
import { openDatabase, openRuntime, type Runtime } from '../runtime.ts'
import { version } from '../version.ts'
import { SCALES, type Scale } from '../features/demo/demo-scale.ts'

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

/** Runs `fn` with the services, attached to a running embedded server or starting the database for the command. */
async function withRuntime<T>(fn: (runtime: Runtime, log: Logger) => Promise<T>): Promise<T> {
  const { config, log } = context()
  const runtime = await openRuntime(config, log, { attach: true })
  try {
    return await fn(runtime, log)
  } finally {
    await runtime.close()
  }
}

/** Runs `fn` on the database alone (no services, no migrations), attached as withRuntime is. */
async function withDatabase<T>(fn: (ownerUrl: string) => Promise<T>): Promise<T> {
  const { config, log } = context()
  const target = await openDatabase(config, log, { attach: true })
  try {
    return await fn(target.ownerUrl)
  } finally {
    await target.release()
  }
}

const isScale = (value: string): value is Scale => Object.hasOwn(SCALES, value)

/** Fresh planner statistics after a bulk load (as the owner: the runtime role may not ANALYZE). */
async function analyse(ownerUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: ownerUrl })
  await client.connect()
  try {
    await client.query(
      'ANALYZE person, person_agency, person_alias, person_statutory_status, location, object, link, flag',
    )
  } finally {
    await client.end()
  }
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
      const applied = await withDatabase((ownerUrl) => migrate(ownerUrl))
      io.out(applied.length === 0 ? 'Database schema is up to date.' : `Applied: ${applied.join(', ')}`)
    })

  db.command('status')
    .description('list migrations and whether each is applied, pending or changed')
    .action(async () => {
      const { statuses, bypass } = await withDatabase(async (ownerUrl) => ({
        statuses: await migrationStatus(ownerUrl),
        bypass: await withClient(ownerUrl, ownerBypassesRowSecurity),
      }))
      for (const s of statuses) {
        const when = s.appliedAt !== undefined ? `  ${s.appliedAt.toISOString()}` : ''
        io.out(`${s.state.padEnd(8)} ${s.name}${when}`)
      }
      io.out(`owner bypasses row-level security: ${bypass ? 'yes' : 'NO (it must: see docs/adr/0015)'}`)
      const bad = statuses.filter((s) => s.state === 'changed' || s.state === 'missing')
      if (bad.length > 0) throw new CliError(`${bad.length} migration(s) differ from the database`)
      if (!bypass) throw new CliError('the database owner role must bypass row-level security')
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
    .option(
      '--scale <scale>',
      'also fill it with a fictional county (≈40k people), region (≈200k) or nation (≈1M entities, 5M links)',
    )
    .action(async (options: { scale?: string }) => {
      if (options.scale !== undefined) {
        // 'tiny' (a few hundred people) is for tests and is not advertised.
        if (!isScale(options.scale)) throw new CliError('--scale takes county, region or national')
        const scale = options.scale
        await withRuntime(async (runtime) => {
          const bar = new SingleBar(
            {
              format: 'Seeding {phase} [{bar}] {percentage}% | {value}/{total} rows | {duration}s',
              etaBuffer: 50,
            },
            Presets.shades_classic,
          )
          const bar$ = { started: false }
          const result = await runtime.services.demo.seedScale(
            scale,
            (done, total, phase) => {
              if (!bar$.started) bar.start(Math.round(total), 0, { phase })
              bar$.started = true
              bar.update(Math.round(done), { phase })
            },
            { ownerUrl: runtime.target.ownerUrl },
          )
          if (bar$.started) bar.stop()
          if (!result.created || result.counts === undefined) {
            io.out(`${result.base.partnershipName} already holds ${result.people} people. Nothing changed.`)
            return
          }
          await analyse(runtime.target.ownerUrl)
          const c = result.counts
          io.out(
            `Seeded ${result.base.partnershipName} at ${scale} scale in ${result.seconds.toFixed(1)} s: ` +
              `${c.persons} people, ${c.locations} places, ${c.objects} things, ${c.links} links, ` +
              `${c.flags} flags, ${c.aliases} street names, ${c.statuses} statutory statuses ` +
              '(fictional demonstration data).',
          )
          io.out(
            `Database time: ${Object.entries(c.seconds)
              .map(([name, seconds]) => `${name} ${seconds.toFixed(1)} s`)
              .join(', ')}.`,
          )
        })
        return
      }
      await withRuntime(async (runtime) => {
        const result = await runtime.services.demo.seed()
        io.out(
          result.created
            ? `Seeded ${result.partnershipName} with ${result.agencies} agencies (fictional demonstration data).`
            : `${result.partnershipName} is already seeded (${result.agencies} agencies). Nothing changed.`,
        )
      })
    })

  const audit = program.command('audit').description('the tamper-evident audit trail')
  const describeSeal = (seal: SealInfo | undefined): string =>
    seal === undefined
      ? 'No seal yet.'
      : `Latest seal ${seal.seq} (events up to ${seal.lastEventId}, ${seal.sealedAt.toISOString()}): ${seal.hash}`

  audit
    .command('seal')
    .description('seal the audit rows committed so far into hash-chained blocks')
    .action(async () => {
      await withRuntime(async (runtime, log) => {
        const result = await sealPending(runtime.database, { logger: log })
        io.out(
          result.rows === 0
            ? 'Nothing to seal.'
            : `Sealed ${result.rows} audit row(s) in ${result.blocks} block(s).`,
        )
        io.out(describeSeal(result.latest))
      })
    })

  audit
    .command('verify')
    .description('recompute every sealed block and the chain; exit 1 naming the first broken row')
    .option('--expect <seq:hash>', 'also check a seal against the copy of its hash kept outside the database')
    .action(async (options: { expect?: string }) => {
      const expect =
        options.expect === undefined ? undefined : /^([1-9][0-9]*):([0-9a-fA-F]{64})$/.exec(options.expect)
      if (expect === null)
        throw new CliError('--expect takes SEQ:HASH (a seal number and its 64-character hash)')
      const { config, log } = context()
      const runtime = await openRuntime(config, log, { attach: true })
      // The owner role sees every audit row whatever row-level security the audit tables may get.
      const owner = createDatabase(runtime.target.ownerUrl, { poolSize: 1 })
      try {
        const result = await verifyAudit(
          owner.db,
          expect === undefined ? {} : { expect: { seq: expect[1] ?? '', hash: expect[2] ?? '' } },
        )
        io.out(
          `${result.sealedRows} audit row(s) sealed in ${result.seals} seal(s) verified; ${result.unsealedRows} not yet sealed.`,
        )
        io.out(describeSeal(result.latest))
        if (!result.ok) {
          throw new CliError(
            result.firstBrokenEventId === undefined
              ? `audit trail broken: ${result.message}`
              : `audit trail broken at row ${result.firstBrokenEventId}: ${result.message}`,
          )
        }
        io.out('Audit trail intact.')
      } finally {
        await owner.close()
        await runtime.close()
      }
    })

  const tokens = program.command('tokens').description('API tokens for system-to-system use')
  // The CLI runs on the server, as a local operator: its audit rows name the system (no account), via the CLI.
  const operator = cliOperator()
  tokens
    .command('create')
    .description('create a token for a service account; the token is printed once')
    .requiredOption('--user <email>', 'the service account the token acts as')
    .requiredOption('--scopes <list>', "comma-separated capabilities, within the account's roles")
    .requiredOption('--name <name>', 'what the token is for, e.g. "council case system"')
    .option('--days <n>', 'days until it expires (1 to 365)', '90')
    .action(async (options: { user: string; scopes: string; name: string; days: string }) => {
      await withRuntime(async (runtime) => {
        const created = await runtime.services.tokens.create(
          {
            userEmail: options.user,
            name: options.name,
            scopes: options.scopes
              .split(',')
              .map((s) => s.trim())
              .filter((s) => s !== ''),
            days: /^\d+$/.test(options.days) ? Number(options.days) : Number.NaN,
          },
          operator,
        )
        io.out(created.token)
        io.err(
          `Token ${created.id} for ${options.user} expires in ${created.expiresInDays} days. Store it now, somewhere safe: it is not shown again.`,
        )
      })
    })
  tokens
    .command('list')
    .description('list tokens (never their secrets)')
    .action(async () => {
      await withRuntime(async (runtime) => {
        const all = await runtime.services.tokens.list()
        if (all.length === 0) io.out('No API tokens.')
        for (const t of all) {
          const state =
            t.revokedAt !== null ? 'revoked' : t.expiresAt.getTime() <= Date.now() ? 'expired' : 'active'
          const used = t.lastUsedAt === null ? 'never used' : `used ${t.lastUsedAt.toISOString()}`
          io.out(
            `${t.id}  ${t.prefix}…  ${state.padEnd(7)}  expires ${t.expiresAt.toISOString()}  ${used}  ${t.userEmail}  ${t.scopes.join(',')}  ${t.name}`,
          )
        }
      })
    })
  tokens
    .command('revoke')
    .description('revoke a token at once')
    .argument('<id>', 'the token id from tokens list')
    .action(async (id: string) => {
      if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id))
        throw new CliError('give the token id shown by openmace tokens list')
      await withRuntime(async (runtime) => {
        await runtime.services.tokens.revoke(id, operator)
        io.out(`Token ${id} revoked.`)
      })
    })

  // Suggested links (issue 12, i12-suggest): the full rebuild, with a progress bar.
  const suggestions = program.command('suggestions').description('suggested links between records')
  suggestions
    .command('rebuild')
    .description("work out every record's suggested links again (each partnership, or one by its code)")
    .option('--partnership <code>', 'only this partnership')
    .action(async (options: { partnership?: string }) => {
      await withRuntime(async (runtime) => {
        const all = await runtime.services.partnerships.list()
        const chosen =
          options.partnership === undefined ? all : all.filter((p) => p.code === options.partnership)
        if (chosen.length === 0)
          throw new CliError(`no partnership with the code ${options.partnership ?? ''}`)
        for (const partnership of chosen) {
          const bar = new SingleBar(
            { format: `${partnership.name} [{bar}] {percentage}% | {value}/{total} records | {duration}s` },
            Presets.shades_classic,
          )
          const started = Date.now()
          let shown = false
          const result = await runtime.services.suggestions.rebuild(partnership.id, (done, total) => {
            if (!shown) bar.start(total, 0)
            shown = true
            bar.update(done)
          })
          bar.stop()
          const seconds = ((Date.now() - started) / 1000).toFixed(1)
          io.out(
            `${partnership.name}: ${result.records} records checked in ${seconds} s; ${result.pending} suggested links pending review.`,
          )
        }
      })
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
