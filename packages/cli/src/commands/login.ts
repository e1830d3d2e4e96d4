// `login`: checks the server and the key, then stores both (config.ts says where and how).
import type { Command } from 'commander'
import { action, examples } from '../command.ts'
import { configFile, writeConfig } from '../config.ts'

export function addLogin(program: Command): void {
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
}
