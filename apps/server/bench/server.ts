// The bench server: the production app (buildApp, as main.ts builds it) plus bare Fastify routes
// in the same process that run the same Prisma queries without auth, tRPC, validation or
// OpenAPI — the ceiling our stack is measured against.
import { appRouter, createCallerFactory, createContextInner, readApiKey } from '@capgo-api/api'
import { channelSelect, toChannel } from '@capgo-api/api/bench'
import { createDb } from '@capgo-api/db'
import { buildApp } from '../src/app.ts'

const database = await createDb(process.env.DATABASE_URL)
const { db } = database
const app = await buildApp({ database, logger: { level: 'warn' } })
const createCaller = createCallerFactory(appRouter)
const caller = (req: { headers: Record<string, string | string[] | undefined> }) => createCaller(createContextInner({ db, provider: database.provider, apiKey: readApiKey(req.headers) }))

app.get('/__bare/channel', async (req) => {
  const { app_id } = req.query as { app_id: string }
  const rows = await db.channel.findMany({ where: { app_id }, orderBy: [{ created_at: 'asc' }, { id: 'asc' }], select: channelSelect, take: 50 })
  return rows.map(toChannel)
})

app.get('/__bare/channel-trpc', async (req) => {
  const { app_id } = req.query as { app_id: string }
  return caller(req).channel.get({ app_id })
})

app.get('/__bare/memory', async (req) => { if ((req.query as any).gc) (globalThis as any).gc?.(); return process.memoryUsage() })

const address = await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' })
process.send?.({ address })
process.on('SIGTERM', async () => {
  await app.close()
  await db.$disconnect()
  process.exit(0)
})
