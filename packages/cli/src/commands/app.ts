// `app add | list | delete`.
import type { Command } from 'commander'
import { action, examples, parsePage, subcommand } from '../command.ts'
import { table } from '../output.ts'

export function addApp(program: Command): void {
  const app = program.command('app').description('apps: add, list, delete')
  subcommand(app, 'add <app_id>', 'create an app', examples('capgo-api app add com.example.app --name "Example"'))
    .requiredOption('--name <name>', 'display name')
    .option('--org <org_id>', 'owning organization (needed only when the key sees several)')
    .option('--icon <url>', 'icon URL (http or https)')
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
  subcommand(app, 'list', 'list the apps the key can see', examples('capgo-api app list', 'capgo-api app list --json'))
    .option('--page <n>', 'page (0-based, 50 a page)', parsePage)
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
  subcommand(
    app,
    'delete <app_id>',
    'delete an app with its channels, bundles, devices and statistics',
    examples('capgo-api app delete com.example.app'),
  ).action(
    action(async (ctx, appId: string) => {
      const res = await ctx.capgo().app.delete.mutate({ app_id: appId })
      ctx.out.result(`Deleted ${appId}.`, res)
    }),
  )
}
