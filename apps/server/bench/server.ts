// The bench server: the production app (buildApp, as main.ts builds it) plus bare Fastify routes
// in the same process that run the same functions and Prisma queries as the procedures, without
// auth, tRPC, validation or OpenAPI: the ceiling our stack is measured against.
import { createServices } from '@capgo-api/api'
import { answerUpdates, channelSelect, listDevices, readDailyStats, toChannel } from '@capgo-api/api/bench'
import { createDb } from '@capgo-api/db'
import { buildApp } from '../src/app.ts'

const database = await createDb(process.env.DATABASE_URL)
const { db, provider } = database
// METRICS_TOKEN=… pnpm bench: the same with /metrics on (every request counted)
const metricsToken = process.env.METRICS_TOKEN || undefined

// hosted bundles (the manifest line): the store the runner names (STORAGE_URL), links to this server's own address (below)
const services = createServices(database, { metrics: metricsToken !== undefined, storageUrl: process.env.STORAGE_URL })
// rate limits off: one bench key sends far more than the default 6000/min per key
const app = await buildApp({ services, logger: { level: 'warn' }, rateLimit: false, metricsToken })

type Query = Record<string, string>

// requests whose handler has not finished: autocannon closes its sockets at the end of a run, but the
// server still works through what it had read (slow /stats batches, say), which must not weigh on the next run
let handling = 0
app.addHook('onRequest', async () => void handling++)
app.addHook('onSend', async () => void handling--)
app.get('/__bare/idle', async () => {
  while (handling > 1) await new Promise((r) => setTimeout(r, 20))
  return { idle: true }
})

app.get('/__bare/channel', async (req) => {
  const { app_id } = req.query as Query
  const rows = await db.channel.findMany({
    where: { app_id },
    orderBy: [{ created_at: 'asc' }, { id: 'asc' }],
    select: channelSelect,
    take: 50,
  })
  return rows.map(toChannel)
})

app.get('/__bare/device', async (req) => {
  const { app_id, cursor } = req.query as Query
  return listDevices(db, provider, app_id!, 50, cursor)
})

app.post('/__bare/updates', async (req) => answerUpdates(services, req.body as never))

app.get('/__bare/statistics/org/:org_id', async (req) => {
  const { org_id } = req.params as Query
  const { from, to } = req.query as Query
  return readDailyStats(db, { app: { owner_org: org_id } }, from!, to!)
})

app.get('/__bare/memory', async (req) => {
  if ((req.query as Query).gc) (globalThis as { gc?: () => void }).gc?.()
  return process.memoryUsage()
})

const address = await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' })
services.hosting.publicUrl = address
process.send?.({ address })
process.on('SIGTERM', async () => {
  await app.close()
  await db.$disconnect()
  process.exit(0)
})
