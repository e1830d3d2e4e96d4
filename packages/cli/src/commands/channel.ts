// `channel add | set | list | delete`.
import { type Command, Option } from 'commander'
import { action, examples, subcommand } from '../command.ts'
import { table } from '../output.ts'

/** --disable-auto-update's words, and the API's values for them. */
const DISABLE = { major: 'major', minor: 'minor', patch: 'patch', metadata: 'version_number', none: 'none' } as const

interface SetOptions {
  app: string
  bundle?: string
  public?: boolean
  disableAutoUpdate?: keyof typeof DISABLE
  ios?: boolean
  android?: boolean
  selfAssign?: boolean
}

export function addChannel(program: Command): void {
  const channel = program.command('channel').description('channels: add, set, list, delete')
  subcommand(
    channel,
    'add <name>',
    'create a channel (or update it if it exists)',
    examples('capgo-api channel add production --app com.example.app --public'),
    { app: true },
  )
    .option('--public', "make it the app's default channel for its platforms")
    .action(
      action(async (ctx, name: string, o: { app: string; public?: boolean }) => {
        const res = await ctx.capgo().channel.upsert.mutate({ app_id: o.app, channel: name, ...(o.public ? { public: true } : {}) })
        ctx.out.result(`Channel ${name} of ${o.app} is ready${o.public ? ' (default)' : ''}.`, res)
      }),
    )
  subcommand(
    channel,
    'set <name>',
    "change a channel's bundle and settings (creates the channel if missing)",
    examples(
      'capgo-api channel set production --app com.example.app --bundle 1.0.1',
      'capgo-api channel set beta --app com.example.app --self-assign --no-public --disable-auto-update minor',
    ),
    { app: true },
  )
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
    .action(
      action(async (ctx, name: string, o: SetOptions) => {
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
      }),
    )
  subcommand(channel, 'list', "list an app's channels", examples('capgo-api channel list --app com.example.app'), { app: true }).action(
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
  subcommand(
    channel,
    'delete <name>',
    'delete a channel (device overrides to it go with it)',
    examples('capgo-api channel delete beta --app com.example.app'),
    { app: true },
  ).action(
    action(async (ctx, name: string, o: { app: string }) => {
      const res = await ctx.capgo().channel.delete.mutate({ app_id: o.app, channel: name })
      ctx.out.result(`Deleted channel ${name} of ${o.app}.`, res)
    }),
  )
}
