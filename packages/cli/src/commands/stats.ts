// `stats <app_id>`: the daily statistics as a table (tRPC), or one metric's SVG chart (REST only).
import fs from 'node:fs'
import path from 'node:path'
import { type Command, Option } from 'commander'
import { action, type Context, examples } from '../command.ts'
import { CliError, readEnvelope } from '../errors.ts'
import { formatBytes, table } from '../output.ts'

interface StatsOptions {
  from: string
  to: string
  graph?: string
  out?: string
}

export function addStats(program: Command): void {
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
      action(async (ctx, appId: string, o: StatsOptions) => {
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
        await writeChart(ctx, appId, { ...o, graph: o.graph, out: o.out })
      }),
    )
}

/** The chart is REST only (an image/svg+xml answer): fetched with the key and written to --out. */
async function writeChart(ctx: Context, appId: string, o: Required<StatsOptions>): Promise<void> {
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
    const env = readEnvelope(body)
    throw new CliError(env.error ?? 'unexpected_answer', env.message ?? `HTTP ${res.status}`)
  }
  const file = path.resolve(o.out)
  fs.mkdirSync(path.dirname(file), { recursive: true })
  fs.writeFileSync(file, body)
  ctx.out.result(`Wrote the ${o.graph} chart of ${appId} to ${file}.`, { status: 'ok', file, bytes: Buffer.byteLength(body) })
}
