#!/usr/bin/env node
// capgo-api: the command-line client of a capgo-api server, for developers and CI (SPEC section 5).
// It talks to the server over HTTP only: the typed client (@capgo-api/client) for the API, plain
// fetch for the upload PUT and the SVG charts. Not to be confused with the operator's tool
// (`pnpm cli`, apps/server/src/cli.ts), which works on the server's database directly.
// This file builds the program; each command group lives in commands/<group>.ts.
import { Command, CommanderError } from 'commander'
import { examples, fail, VERSION } from './command.ts'
import { addApp } from './commands/app.ts'
import { addBundle } from './commands/bundle.ts'
import { addChannel } from './commands/channel.ts'
import { addDevice } from './commands/device.ts'
import { addKey } from './commands/key.ts'
import { addLogin } from './commands/login.ts'
import { addStats } from './commands/stats.ts'
import { configFile } from './config.ts'

export function buildProgram(): Command {
  const program = new Command('capgo-api')
    .description(
      'The command-line client of a capgo-api server: ship bundles and manage apps, channels and devices over its HTTP API, ' +
        'from a laptop or CI. (Not the operator tool `pnpm cli`, which manages users and keys in the server database.)',
    )
    // -V only: --version is bundle upload's option, and program options are read after subcommands too
    .version(VERSION, '-V', 'print the version of capgo-api')
    .option('--server <url>', 'server root URL (else CAPGO_API_URL, else the stored config)')
    .option('--apikey <key>', 'API key (else CAPGO_API_KEY, else the stored config)')
    .option('--json', 'print only JSON on stdout (the API answer)')
    .configureHelp({ showGlobalOptions: true, sortSubcommands: false })
    .showSuggestionAfterError()
    .addHelpText(
      'after',
      `${examples(
        'capgo-api login --server https://updates.example.com --apikey <key>',
        'capgo-api app add com.example.app --name "Example"',
        'capgo-api bundle upload ./dist --app com.example.app --version 1.0.1 --channel production',
        'CAPGO_API_URL=https://updates.example.com CAPGO_API_KEY=<key> capgo-api bundle list --app com.example.app --json',
      )}
Configuration: --server/--apikey flags, then CAPGO_API_URL/CAPGO_API_KEY, then ${configFile()} (written by login).
Failures exit 1 and print "error: <code>: <message>" on stderr.`,
    )
  // in the order `--help` lists them
  for (const add of [addLogin, addApp, addBundle, addChannel, addDevice, addStats, addKey]) add(program)
  return program
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram()
  const json = argv.includes('--json')
  if (argv.length === 3 && argv[2] === '--version') {
    process.stdout.write(`${VERSION}\n`)
    return
  }
  program.exitOverride()
  // commander's own messages become the CLI's one-line form
  program.configureOutput({ outputError: () => {} })
  for (const c of program.commands) {
    c.exitOverride()
    c.configureOutput({ outputError: () => {} })
    for (const s of c.commands) s.exitOverride().configureOutput({ outputError: () => {} })
  }
  try {
    await program.parseAsync(argv)
  } catch (e) {
    if (!(e instanceof CommanderError)) throw e
    if (e.exitCode === 0) return // --help, --version
    // a group without its subcommand (`capgo-api app`) shows its help
    if (e.code === 'commander.help' || e.code === 'commander.helpDisplayed') {
      process.exitCode = 1
      return
    }
    fail({ code: 'invalid_arguments', message: e.message.replace(/^error: /, '') }, json)
  }
}

await main(process.argv)
