#!/usr/bin/env node
// The `openmace` command: runs the TypeScript CLI through tsx, as `npm start` runs the server.
import { register } from 'tsx/esm/api'

register()
const { run } = await import('../src/cli/main.ts')
const code = await run(process.argv.slice(2), {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
})
process.exit(code)
