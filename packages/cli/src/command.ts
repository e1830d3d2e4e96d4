// What every command shares: the version, the global options, the context a command body gets
// (output, connection, client, each made on first use), the exit-1 failure line, and small builders.
import { type CapgoClient, createClient } from '@capgo-api/client'
import { type Command, InvalidArgumentError } from 'commander'
import { type Connection, resolveConnection } from './config.ts'
import { toFailure } from './errors.ts'
import { createOutput, type Output } from './output.ts'

declare const CLI_VERSION: string | undefined
export const VERSION = typeof CLI_VERSION === 'string' ? CLI_VERSION : '0.0.0-dev'

interface GlobalOptions {
  server?: string
  apikey?: string
  json?: boolean
}

export interface Context {
  out: Output
  conn: () => Connection
  capgo: () => CapgoClient
}

export function positiveInt(v: string): number {
  if (!/^\d+$/.test(v) || Number(v) < 1) throw new InvalidArgumentError('not a positive whole number.')
  return Number(v)
}

/** The value of `--page <n>`: 0-based. */
export const parsePage = (v: string) => positiveInt(String(Number(v) + 1)) - 1

export const examples = (...lines: string[]) => `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`

/**
 * Adds `<parent> <spec>` with its description and help text; `app: true` adds the `--app <app_id>`
 * option (first in the help, as on every command that works on one app).
 */
export function subcommand(parent: Command, spec: string, description: string, help: string, o: { app?: boolean } = {}): Command {
  const cmd = parent.command(spec).description(description)
  if (o.app) cmd.requiredOption('--app <app_id>', 'the app')
  return cmd.addHelpText('after', help)
}

/** Runs a command's body with its output, connection and client, and turns any failure into exit 1. */
export function action<A extends unknown[]>(fn: (ctx: Context, ...args: A) => Promise<void>) {
  return async (...args: unknown[]) => {
    const cmd = args[args.length - 1] as Command
    const g = cmd.optsWithGlobals<GlobalOptions>()
    const out = createOutput(g.json === true)
    let conn: Connection | undefined
    let client: CapgoClient | undefined
    const ctx: Context = {
      out,
      conn: () => {
        conn ??= resolveConnection({ server: g.server, apikey: g.apikey })
        return conn
      },
      capgo: () => {
        client ??= createClient({
          url: ctx.conn().server,
          apiKey: ctx.conn().apikey,
          headers: { 'user-agent': `capgo-api-cli/${VERSION}` },
        })
        return client
      },
    }
    try {
      await fn(ctx, ...(args.slice(0, -1) as A))
    } catch (e) {
      fail(toFailure(e, conn?.server), out.json)
    }
  }
}

export function fail(f: { code: string; message: string }, json: boolean): void {
  process.stderr.write(`error: ${f.code}: ${f.message.replace(/\s*\n\s*/g, ' ')}\n`)
  if (json) process.stdout.write(`${JSON.stringify({ status: 'KO', error: f.code, message: f.message }, null, 2)}\n`)
  process.exitCode = 1
}
