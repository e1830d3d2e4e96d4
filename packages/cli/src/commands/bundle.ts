// `bundle upload | list | delete` (the upload itself is upload.ts).
import type { Command } from 'commander'
import { action, examples, parsePage, subcommand } from '../command.ts'
import { formatBytes, table } from '../output.ts'
import { type UploadOptions, uploadBundle } from '../upload.ts'

export function addBundle(program: Command): void {
  const bundle = program.command('bundle').description('bundles: upload, list, delete')
  subcommand(
    bundle,
    'upload [path]',
    'zip a folder (or take a .zip), upload it as a bundle and optionally put it on a channel',
    `${examples(
      'capgo-api bundle upload ./dist --app com.example.app --version 1.0.1 --channel production',
      'capgo-api bundle upload ./dist --app com.example.app --version 1.0.2 --encrypt --key .capgo_key_v2',
      'capgo-api bundle upload ./dist --app com.example.app --version 1.0.3 --external-url https://cdn.example.com/1.0.3.zip',
      'capgo-api bundle upload --app com.example.app --version 1.0.4 --external-url https://cdn.example.com/1.0.4.zip --checksum <sha256>',
    )}
The folder must hold index.html. The zip is deterministic (sorted entries, fixed timestamps): the same folder gives the same checksum.`,
    { app: true },
  )
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
    .action(
      action(async (ctx, input: string | undefined, o: UploadOptions) => {
        const res = await uploadBundle(ctx.capgo(), input, o, ctx.out)
        ctx.out.result(
          () =>
            `Uploaded ${res.bundle.app_id}@${res.bundle.name} (${formatBytes(res.bundle.size)}, ${res.bundle.storage_provider}, checksum ${res.bundle.checksum?.slice(0, 16)}…)` +
            (res.channel ? `; channel ${o.channel} now serves it.` : '.'),
          res,
        )
      }),
    )
  subcommand(bundle, 'list', "list an app's bundles, newest first", examples('capgo-api bundle list --app com.example.app'), { app: true })
    .option('--page <n>', 'page (0-based, 50 a page)', parsePage)
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
  subcommand(
    bundle,
    'delete <version>',
    'delete a bundle (refused while a channel or device override uses it)',
    examples('capgo-api bundle delete 1.0.0 --app com.example.app'),
    { app: true },
  ).action(
    action(async (ctx, version: string, o: { app: string }) => {
      const res = await ctx.capgo().bundle.delete.mutate({ app_id: o.app, version })
      ctx.out.result(`Deleted ${o.app}@${version}.`, res)
    }),
  )
}
