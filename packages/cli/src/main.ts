#!/usr/bin/env node
// capgo-api: the command-line client of a capgo-api server, for developers and CI (SPEC section 5).
// It talks to the server over HTTP only: the typed client (@capgo-api/client) for the API, plain
// fetch for the upload PUT and the SVG charts. Not to be confused with the operator's tool
// (`pnpm cli`, apps/server/src/cli.ts), which works on the server's database directly.
import fs from 'node:fs'
import path from 'node:path'
import { type CapgoClient, createClient } from '@capgo-api/client'
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander'
import { type Connection, configFile, resolveConnection, writeConfig } from './config.ts'
import { capacitorConfigSnippet, keyId, writeKeyPair } from './crypto.ts'
import { CliError, toFailure } from './errors.ts'
import { createOutput, formatBytes, type Output, table } from './output.ts'
import { uploadBundle } from './upload.ts'

declare const CLI_VERSION: string | undefined
const VERSION = typeof CLI_VERSION === 'string' ? CLI_VERSION : '0.0.0-dev'

interface GlobalOptions {
  server?: string
  apikey?: string
  json?: boolean
}

interface Context {
  out: Output
  conn: () => Connection
  capgo: () => CapgoClient
}

function positiveInt(v: string): number {
  if (!/^\d+$/.test(v) || Number(v) < 1) throw new InvalidArgumentError('not a positive whole number.')
  return Number(v)
}

const examples = (...lines: string[]) => `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`

/** Runs a command's body with its output, connection and client, and turns any failure into exit 1. */
function action<A extends unknown[]>(fn: (ctx: Context, ...args: A) => Promise<void>) {
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

function fail(f: { code: string; message: string }, json: boolean): void {
  process.stderr.write(`error: ${f.code}: ${f.message.replace(/\s*\n\s*/g, ' ')}\n`)
  if (json) process.stdout.write(`${JSON.stringify({ status: 'KO', error: f.code, message: f.message }, null, 2)}\n`)
  process.exitCode = 1
}

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

  program
    .command('login')
    .description('check the server and API key, and store both in your config folder (mode 0600)')
    .addHelpText(
      'after',
      examples(
        'capgo-api login --server https://updates.example.com --apikey ae6e7458-…',
        'capgo-api login --apikey <new key>   # keeps the stored server',
      ),
    )
    .action(
      action(async (ctx) => {
        const conn = ctx.conn()
        // a key that works: any key may list the apps it can see
        await ctx.capgo().app.list.query({ limit: 1 })
        const file = configFile()
        writeConfig(conn, file)
        ctx.out.result(`Logged in to ${conn.server}; saved in ${file}.`, { status: 'ok', server: conn.server, config: file })
      }),
    )

  const app = program.command('app').description('apps: add, list, delete')
  app
    .command('add <app_id>')
    .description('create an app')
    .requiredOption('--name <name>', 'display name')
    .option('--org <org_id>', 'owning organization (needed only when the key sees several)')
    .option('--icon <url>', 'icon URL (http or https)')
    .addHelpText('after', examples('capgo-api app add com.example.app --name "Example"'))
    .action(
      action(async (ctx, appId: string, o: { name: string; org?: string; icon?: string }) => {
        const res = await ctx.capgo().app.create.mutate({
          app_id: appId,
          name: o.name,
          ...(o.org ? { owner_org: o.org } : {}),
          ...(o.icon ? { icon_url: o.icon } : {}),
        })
        ctx.out.result(`Created ${res.app_id} ("${res.name}") in organization ${res.owner_org}.`, res)
      }),
    )
  app
    .command('list')
    .description('list the apps the key can see')
    .option('--page <n>', 'page (0-based, 50 a page)', (v) => positiveInt(String(Number(v) + 1)) - 1)
    .addHelpText('after', examples('capgo-api app list', 'capgo-api app list --json'))
    .action(
      action(async (ctx, o: { page?: number }) => {
        const res = await ctx.capgo().app.list.query(o.page !== undefined ? { page: o.page } : {})
        ctx.out.result(
          () =>
            res.length
              ? table([
                  ['APP ID', 'NAME', 'ORGANIZATION', 'CREATED'],
                  ...res.map((a) => [a.app_id, a.name, a.owner_org, a.created_at.slice(0, 10)]),
                ])
              : 'No apps.',
          res,
        )
      }),
    )
  app
    .command('delete <app_id>')
    .description('delete an app with its channels, bundles, devices and statistics')
    .addHelpText('after', examples('capgo-api app delete com.example.app'))
    .action(
      action(async (ctx, appId: string) => {
        const res = await ctx.capgo().app.delete.mutate({ app_id: appId })
        ctx.out.result(`Deleted ${appId}.`, res)
      }),
    )

  const bundle = program.command('bundle').description('bundles: upload, list, delete')
  bundle
    .command('upload [path]')
    .description('zip a folder (or take a .zip), upload it as a bundle and optionally put it on a channel')
    .requiredOption('--app <app_id>', 'the app')
    .requiredOption('--version <semver>', 'bundle name, a semantic version such as 1.2.3')
    .option('--channel <name>', 'put the bundle on this channel once uploaded (created if missing)')
    .option('--encrypt', 'encrypt the bundle for devices holding the public key (needs --key)')
    .option('--key <file>', 'private key file (.capgo_key_v2 from capgo-api key create)')
    .option('--external-url <url>', 'register a zip hosted elsewhere (https) instead of uploading')
    .option('--checksum <sha256>', 'with --external-url and no path: SHA-256 of that zip')
    .option(
      '--min-update-version <semver>',
      'lowest native version that may auto-update to it (channels with --disable-auto-update metadata)',
    )
    .addHelpText(
      'after',
      `${examples(
        'capgo-api bundle upload ./dist --app com.example.app --version 1.0.1 --channel production',
        'capgo-api bundle upload ./dist --app com.example.app --version 1.0.2 --encrypt --key .capgo_key_v2',
        'capgo-api bundle upload ./dist --app com.example.app --version 1.0.3 --external-url https://cdn.example.com/1.0.3.zip',
        'capgo-api bundle upload --app com.example.app --version 1.0.4 --external-url https://cdn.example.com/1.0.4.zip --checksum <sha256>',
      )}
The folder must hold index.html. The zip is deterministic (sorted entries, fixed timestamps): the same folder gives the same checksum.`,
    )
    .action(
      action(
        async (
          ctx,
          input: string | undefined,
          o: {
            app: string
            version: string
            channel?: string
            encrypt?: boolean
            key?: string
            externalUrl?: string
            checksum?: string
            minUpdateVersion?: string
          },
        ) => {
          const res = await uploadBundle(ctx.capgo(), input, o, ctx.out)
          ctx.out.result(
            () =>
              `Uploaded ${res.bundle.app_id}@${res.bundle.name} (${formatBytes(res.bundle.size)}, ${res.bundle.storage_provider}, checksum ${res.bundle.checksum?.slice(0, 16)}…)` +
              (res.channel ? `; channel ${o.channel} now serves it.` : '.'),
            res,
          )
        },
      ),
    )
  bundle
    .command('list')
    .description("list an app's bundles, newest first")
    .requiredOption('--app <app_id>', 'the app')
    .option('--page <n>', 'page (0-based, 50 a page)', (v) => positiveInt(String(Number(v) + 1)) - 1)
    .addHelpText('after', examples('capgo-api bundle list --app com.example.app'))
    .action(
      action(async (ctx, o: { app: string; page?: number }) => {
        const res = await ctx.capgo().bundle.get.query({ app_id: o.app, ...(o.page !== undefined ? { page: o.page } : {}) })
        ctx.out.result(
          () =>
            res.length
              ? table([
                  ['VERSION', 'SIZE', 'STORAGE', 'ENCRYPTED', 'CREATED'],
                  ...res.map((b) => [
                    b.name,
                    formatBytes(b.size),
                    b.storage_provider,
                    b.session_key ? 'yes' : 'no',
                    b.created_at.slice(0, 19),
                  ]),
                ])
              : `No bundles for ${o.app}.`,
          res,
        )
      }),
    )
  bundle
    .command('delete <version>')
    .description('delete a bundle (refused while a channel or device override uses it)')
    .requiredOption('--app <app_id>', 'the app')
    .addHelpText('after', examples('capgo-api bundle delete 1.0.0 --app com.example.app'))
    .action(
      action(async (ctx, version: string, o: { app: string }) => {
        const res = await ctx.capgo().bundle.delete.mutate({ app_id: o.app, version })
        ctx.out.result(`Deleted ${o.app}@${version}.`, res)
      }),
    )

  const channel = program.command('channel').description('channels: add, set, list, delete')
  channel
    .command('add <name>')
    .description('create a channel (or update it if it exists)')
    .requiredOption('--app <app_id>', 'the app')
    .option('--public', "make it the app's default channel for its platforms")
    .addHelpText('after', examples('capgo-api channel add production --app com.example.app --public'))
    .action(
      action(async (ctx, name: string, o: { app: string; public?: boolean }) => {
        const res = await ctx.capgo().channel.upsert.mutate({ app_id: o.app, channel: name, ...(o.public ? { public: true } : {}) })
        ctx.out.result(`Channel ${name} of ${o.app} is ready${o.public ? ' (default)' : ''}.`, res)
      }),
    )
  const DISABLE = { major: 'major', minor: 'minor', patch: 'patch', metadata: 'version_number', none: 'none' } as const
  channel
    .command('set <name>')
    .description("change a channel's bundle and settings (creates the channel if missing)")
    .requiredOption('--app <app_id>', 'the app')
    .option('--bundle <version>', 'serve this bundle ("builtin": the bundle shipped in the app binary)')
    .option('--public', 'make it the default channel for its platforms')
    .option('--no-public', 'stop being the default channel')
    .addOption(
      new Option(
        '--disable-auto-update <rule>',
        'block updates across major/minor/patch, or under the bundle minUpdateVersion (metadata)',
      ).choices(Object.keys(DISABLE)),
    )
    .option('--ios', 'serve iOS devices')
    .option('--no-ios', 'do not serve iOS devices')
    .option('--android', 'serve Android devices')
    .option('--no-android', 'do not serve Android devices')
    .option('--self-assign', 'let devices choose this channel themselves')
    .option('--no-self-assign', 'do not let devices choose it')
    .addHelpText(
      'after',
      examples(
        'capgo-api channel set production --app com.example.app --bundle 1.0.1',
        'capgo-api channel set beta --app com.example.app --self-assign --no-public --disable-auto-update minor',
      ),
    )
    .action(
      action(
        async (
          ctx,
          name: string,
          o: {
            app: string
            bundle?: string
            public?: boolean
            disableAutoUpdate?: keyof typeof DISABLE
            ios?: boolean
            android?: boolean
            selfAssign?: boolean
          },
        ) => {
          const res = await ctx.capgo().channel.upsert.mutate({
            app_id: o.app,
            channel: name,
            ...(o.bundle !== undefined ? { version: o.bundle } : {}),
            ...(o.public !== undefined ? { public: o.public } : {}),
            ...(o.disableAutoUpdate ? { disableAutoUpdate: DISABLE[o.disableAutoUpdate] } : {}),
            ...(o.ios !== undefined ? { ios: o.ios } : {}),
            ...(o.android !== undefined ? { android: o.android } : {}),
            ...(o.selfAssign !== undefined ? { allow_device_self_set: o.selfAssign } : {}),
          })
          ctx.out.result(`Channel ${name} of ${o.app} updated${o.bundle ? `: serves ${o.bundle}` : ''}.`, res)
        },
      ),
    )
  channel
    .command('list')
    .description("list an app's channels")
    .requiredOption('--app <app_id>', 'the app')
    .addHelpText('after', examples('capgo-api channel list --app com.example.app'))
    .action(
      action(async (ctx, o: { app: string }) => {
        const res = await ctx.capgo().channel.get.query({ app_id: o.app, limit: 1000 })
        const list = Array.isArray(res) ? res : [res]
        ctx.out.result(
          () =>
            list.length
              ? table([
                  ['CHANNEL', 'BUNDLE', 'DEFAULT', 'PLATFORMS', 'SELF-ASSIGN', 'DISABLE AUTO UPDATE'],
                  ...list.map((c) => [
                    c.name,
                    c.version?.name ?? '-',
                    c.public ? 'yes' : 'no',
                    [c.ios && 'ios', c.android && 'android', c.electron && 'electron'].filter(Boolean).join(',') || '-',
                    c.allow_device_self_set ? 'yes' : 'no',
                    c.disableAutoUpdate,
                  ]),
                ])
              : `No channels for ${o.app}.`,
          res,
        )
      }),
    )
  channel
    .command('delete <name>')
    .description('delete a channel (device overrides to it go with it)')
    .requiredOption('--app <app_id>', 'the app')
    .addHelpText('after', examples('capgo-api channel delete beta --app com.example.app'))
    .action(
      action(async (ctx, name: string, o: { app: string }) => {
        const res = await ctx.capgo().channel.delete.mutate({ app_id: o.app, channel: name })
        ctx.out.result(`Deleted channel ${name} of ${o.app}.`, res)
      }),
    )

  const device = program.command('device').description('devices: list, override, reset')
  device
    .command('list')
    .description("list an app's devices, most recently seen first")
    .requiredOption('--app <app_id>', 'the app')
    .option('--limit <n>', 'devices per page (1-1000, default 50)', positiveInt)
    .option('--cursor <cursor>', 'the next page (the nextCursor of the previous one)')
    .addHelpText('after', examples('capgo-api device list --app com.example.app --limit 20'))
    .action(
      action(async (ctx, o: { app: string; limit?: number; cursor?: string }) => {
        const res = await ctx
          .capgo()
          .device.get.query({ app_id: o.app, ...(o.limit ? { limit: o.limit } : {}), ...(o.cursor ? { cursor: o.cursor } : {}) })
        const page = 'data' in res ? res : { data: [res], hasMore: false, nextCursor: undefined }
        ctx.out.result(
          () =>
            (page.data.length
              ? table([
                  ['DEVICE ID', 'PLATFORM', 'BUNDLE', 'NATIVE', 'CHANNEL', 'LAST SEEN'],
                  ...page.data.map((d) => [
                    d.device_id,
                    d.platform,
                    d.version_name ?? '-',
                    d.version_build ?? '-',
                    d.channel ?? '-',
                    d.updated_at.slice(0, 19),
                  ]),
                ])
              : `No devices for ${o.app}.`) + (page.hasMore && page.nextCursor ? `\nMore: --cursor '${page.nextCursor}'` : ''),
          res,
        )
      }),
    )
  device
    .command('override <device_id>')
    .description('pin a device to a channel or a bundle (it need not have checked in yet)')
    .requiredOption('--app <app_id>', 'the app')
    .option('--channel <name>', 'the channel it follows')
    .option('--bundle <version>', 'the bundle it gets')
    .addHelpText(
      'after',
      examples(
        'capgo-api device override 6aa5ec5e-0b5a-4b7c-9d1e-3f2a1b0c9d8e --app com.example.app --channel beta',
        'capgo-api device override 6aa5ec5e-0b5a-4b7c-9d1e-3f2a1b0c9d8e --app com.example.app --bundle 1.0.1',
      ),
    )
    .action(
      action(async (ctx, deviceId: string, o: { app: string; channel?: string; bundle?: string }) => {
        if (o.channel && o.bundle) throw new CliError('invalid_arguments', 'give --channel or --bundle, not both.')
        const res = await ctx.capgo().device.setOverride.mutate({
          app_id: o.app,
          device_id: deviceId,
          ...(o.channel ? { channel: o.channel } : {}),
          ...(o.bundle ? { version_id: o.bundle } : {}),
        })
        ctx.out.result(
          `Device ${deviceId.toLowerCase()} of ${o.app} now gets ${o.channel ? `channel ${o.channel}` : `bundle ${o.bundle}`}.`,
          res,
        )
      }),
    )
  device
    .command('reset <device_id>')
    .description("remove a device's channel and bundle overrides")
    .requiredOption('--app <app_id>', 'the app')
    .addHelpText('after', examples('capgo-api device reset 6aa5ec5e-0b5a-4b7c-9d1e-3f2a1b0c9d8e --app com.example.app'))
    .action(
      action(async (ctx, deviceId: string, o: { app: string }) => {
        const res = await ctx.capgo().device.deleteOverride.mutate({ app_id: o.app, device_id: deviceId })
        ctx.out.result(`Device ${deviceId.toLowerCase()} of ${o.app} follows its channel again.`, res)
      }),
    )

  program
    .command('stats <app_id>')
    .description("an app's daily statistics (MAU, storage, bandwidth), or a chart of one as SVG")
    .requiredOption('--from <date>', 'first day, YYYY-MM-DD')
    .requiredOption('--to <date>', 'last day, YYYY-MM-DD (at most 366 days after --from)')
    .addOption(
      new Option('--graph <metric>', 'write a chart of this metric instead (needs --out)').choices(['mau', 'storage', 'bandwidth']),
    )
    .option('--out <file>', 'where the SVG chart goes')
    .addHelpText(
      'after',
      examples(
        'capgo-api stats com.example.app --from 2026-01-01 --to 2026-01-31',
        'capgo-api stats com.example.app --from 2026-01-01 --to 2026-03-31 --graph mau --out mau.svg',
      ),
    )
    .action(
      action(async (ctx, appId: string, o: { from: string; to: string; graph?: string; out?: string }) => {
        if (o.graph && !o.out) throw new CliError('invalid_arguments', '--graph writes an SVG file: add --out <file.svg>.')
        if (o.out && !o.graph) throw new CliError('invalid_arguments', '--out goes with --graph mau|storage|bandwidth.')
        if (!o.graph || !o.out) {
          const res = await ctx.capgo().statistics.app.query({ app_id: appId, from: o.from, to: o.to })
          ctx.out.result(
            () =>
              table([
                ['DATE', 'MAU', 'STORAGE', 'BANDWIDTH'],
                ...res.map((d) => [d.date, String(d.mau), formatBytes(d.storage), formatBytes(d.bandwidth)]),
              ]),
            res,
          )
          return
        }
        // the chart is REST only (an image/svg+xml answer)
        const { server, apikey } = ctx.conn()
        const url = `${server}/statistics/app/${encodeURIComponent(appId)}?${new URLSearchParams({ from: o.from, to: o.to, graph: o.graph })}`
        let res: Response
        try {
          res = await fetch(url, { headers: { authorization: apikey } })
        } catch (e) {
          throw new CliError(
            'network_error',
            `no answer from ${server}: ${((e as Error).cause as Error | undefined)?.message ?? (e as Error).message}`,
          )
        }
        const body = await res.text()
        if (!res.ok || !(res.headers.get('content-type') ?? '').includes('svg')) {
          let env: { error?: unknown; message?: unknown } = {}
          try {
            env = JSON.parse(body)
          } catch {}
          throw new CliError(
            typeof env.error === 'string' ? env.error : 'unexpected_answer',
            typeof env.message === 'string' ? env.message : `HTTP ${res.status}`,
          )
        }
        const file = path.resolve(o.out)
        fs.mkdirSync(path.dirname(file), { recursive: true })
        fs.writeFileSync(file, body)
        ctx.out.result(`Wrote the ${o.graph} chart of ${appId} to ${file}.`, { status: 'ok', file, bytes: Buffer.byteLength(body) })
      }),
    )

  const key = program.command('key').description('encryption keys for end-to-end encrypted bundles')
  key
    .command('create')
    .description('create the RSA-2048 key pair the updater plugin (8.x) uses: .capgo_key_v2 (private, 0600) and .capgo_key_v2.pub')
    .option('--out <dir>', 'folder to write the keys in (default: the current folder)')
    .option('--force', 'replace existing key files (devices holding the old public key will reject new bundles)')
    .addHelpText(
      'after',
      `${examples('capgo-api key create', 'capgo-api key create --out ./keys')}
Put the public key in capacitor.config (printed), keep .capgo_key_v2 secret (not in git), and upload with
  capgo-api bundle upload ./dist --app <id> --version <v> --encrypt --key .capgo_key_v2`,
    )
    .action(
      action(async (ctx, o: { out?: string; force?: boolean }) => {
        const dir = path.resolve(o.out ?? '.')
        const k = writeKeyPair(dir, o.force === true)
        const id = keyId(k.publicKey)
        ctx.out.result(
          () =>
            [
              `Wrote ${k.privateFile} (private: keep it secret, out of git) and ${k.publicFile}.`,
              '',
              k.publicKey.trim(),
              '',
              'Add the public key to capacitor.config, then rebuild the native app:',
              capacitorConfigSnippet(k.publicKey),
              '',
              `key_id: ${id}`,
            ].join('\n'),
          {
            status: 'ok',
            key_id: id,
            private_key_file: k.privateFile,
            public_key_file: k.publicFile,
            public_key: k.publicKey,
            capacitor_config: { plugins: { CapacitorUpdater: { publicKey: k.publicKey } } },
          },
        )
      }),
    )
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
