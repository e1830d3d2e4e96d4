// `device list | override | reset`.
import type { Command } from 'commander'
import { action, examples, positiveInt, subcommand } from '../command.ts'
import { CliError } from '../errors.ts'
import { table } from '../output.ts'

export function addDevice(program: Command): void {
  const device = program.command('device').description('devices: list, override, reset')
  subcommand(
    device,
    'list',
    "list an app's devices, most recently seen first",
    examples('capgo-api device list --app com.example.app --limit 20'),
    { app: true },
  )
    .option('--limit <n>', 'devices per page (1-1000, default 50)', positiveInt)
    .option('--cursor <cursor>', 'the next page (the nextCursor of the previous one)')
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
  subcommand(
    device,
    'override <device_id>',
    'pin a device to a channel or a bundle (it need not have checked in yet)',
    examples(
      'capgo-api device override 6aa5ec5e-0b5a-4b7c-9d1e-3f2a1b0c9d8e --app com.example.app --channel beta',
      'capgo-api device override 6aa5ec5e-0b5a-4b7c-9d1e-3f2a1b0c9d8e --app com.example.app --bundle 1.0.1',
    ),
    { app: true },
  )
    .option('--channel <name>', 'the channel it follows')
    .option('--bundle <version>', 'the bundle it gets')
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
  subcommand(
    device,
    'reset <device_id>',
    "remove a device's channel and bundle overrides",
    examples('capgo-api device reset 6aa5ec5e-0b5a-4b7c-9d1e-3f2a1b0c9d8e --app com.example.app'),
    { app: true },
  ).action(
    action(async (ctx, deviceId: string, o: { app: string }) => {
      const res = await ctx.capgo().device.deleteOverride.mutate({ app_id: o.app, device_id: deviceId })
      ctx.out.result(`Device ${deviceId.toLowerCase()} of ${o.app} follows its channel again.`, res)
    }),
  )
}
