// `pnpm bench:layers`: the in-process cost of each layer of a call, in µs per call, on one core:
// the bare function (what /__bare/* runs), the tRPC caller (auth, validation, middlewares), and
// the whole request through Fastify by app.inject for REST and tRPC. No sockets and no load
// generator, so it shows where per-request time goes; `pnpm bench` gives the throughput figures.
// `pnpm bench:layers [--only channel] [--layers caller,tRPC]`; add --cpu-prof to node to profile one layer.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { appRouter, createCallerFactory, createContextInner, createServices } from '@capgo-api/api'
import { answerUpdates, channelSelect, listDevices, toChannel } from '@capgo-api/api/bench'
import { createDb } from '@capgo-api/db'
import { applyMigrations } from '@capgo-api/db/migrate'
import { buildApp } from '../src/app.ts'
import { BENCH_KEY, buildDataset, checkInInfo, DEVICE_APP, deviceId } from './dataset.ts'

const args = process.argv.slice(2)
const opt = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined)
const only = opt('--only')?.toLowerCase() // lines whose name contains this
const onlyLayers = opt('--layers')?.split(',') // e.g. bare,tRPC
const DEVICES = 20_000
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'capgo-layers-'))
const url = `file:${path.join(dir, 'layers.db')}`
await applyMigrations(url)
await buildDataset(url, DEVICES, 10)
const database = await createDb(url)
const { db, provider } = database
// METRICS_TOKEN=… pnpm bench:layers: the same with /metrics on (every request counted)
const metricsToken = process.env.METRICS_TOKEN || undefined
const services = createServices(database, { metrics: metricsToken !== undefined })
const app = await buildApp({ services, rateLimit: false, metricsToken })
const caller = () => createCallerFactory(appRouter)(createContextInner({ services, apiKey: BENCH_KEY }))
const headers = { authorization: BENCH_KEY, 'content-type': 'application/json' }
const trpcGet = (proc: string, input: unknown) => `/trpc/${proc}?input=${encodeURIComponent(JSON.stringify(input))}`

/** µs per call, `concurrency` calls in flight (check-ins need several for their group commit). */
async function perCall(fn: () => Promise<unknown>, n: number, concurrency = 1) {
  const run = async (count: number) => {
    for (let done = 0; done < count; done += concurrency) await Promise.all(Array.from({ length: concurrency }, fn))
  }
  await run(Math.ceil(n / 5))
  const t = process.hrtime.bigint()
  await run(n)
  return Number(process.hrtime.bigint() - t) / n / 1000
}

let i = 0
const checkIn = () => checkInInfo(DEVICE_APP, deviceId(i++ % DEVICES))
const lines: [string, Record<string, () => Promise<unknown>>, number, number][] = [
  [
    'GET /channel',
    {
      bare: async () =>
        (
          await db.channel.findMany({
            where: { app_id: DEVICE_APP },
            orderBy: [{ created_at: 'asc' }, { id: 'asc' }],
            select: channelSelect,
            take: 50,
          })
        ).map(toChannel),
      caller: () => caller().channel.get({ app_id: DEVICE_APP }),
      REST: () => app.inject({ method: 'GET', url: `/channel?app_id=${DEVICE_APP}`, headers }),
      tRPC: () => app.inject({ method: 'GET', url: trpcGet('channel.get', { app_id: DEVICE_APP }), headers }),
    },
    2000,
    1,
  ],
  [
    'GET /device (page 1)',
    {
      bare: () => listDevices(db, provider, DEVICE_APP, 50),
      caller: () => caller().device.get({ app_id: DEVICE_APP }),
      REST: () => app.inject({ method: 'GET', url: `/device?app_id=${DEVICE_APP}`, headers }),
      tRPC: () => app.inject({ method: 'GET', url: trpcGet('device.get', { app_id: DEVICE_APP }), headers }),
    },
    1000,
    1,
  ],
  [
    'POST /updates',
    {
      bare: () => answerUpdates(services, checkIn() as never),
      caller: () => caller().plugin.updates(checkIn() as never),
      REST: () => app.inject({ method: 'POST', url: '/updates', headers, payload: checkIn() }),
      tRPC: () => app.inject({ method: 'POST', url: '/trpc/plugin.updates', headers, payload: checkIn() }),
    },
    10_000,
    32,
  ],
]

console.log(`µs per call (${os.cpus()[0]?.model}, Node ${process.version}); in brackets: × the bare function`)
for (const [what, layers, n, concurrency] of lines) {
  if (only && !what.toLowerCase().includes(only)) continue
  const us: Record<string, number> = {}
  for (const [layer, fn] of Object.entries(layers))
    if (layer === 'bare' || !onlyLayers || onlyLayers.includes(layer)) us[layer] = await perCall(fn, n, concurrency)
  console.log(
    `${what.padEnd(22)} ${Object.entries(us)
      .map(([k, v]) => `${k} ${v.toFixed(0)}${k === 'bare' ? '' : ` (${(v / us.bare!).toFixed(2)}×)`}`)
      .join('   ')}`,
  )
}
await app.close()
await db.$disconnect()
fs.rmSync(dir, { recursive: true, force: true })
