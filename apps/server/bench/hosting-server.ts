// The bundle-hosting bench's server (run by bench/hosting.ts with the flags of `pnpm start`): the
// production app on the disk store, plus @fastify/static serving the store's folder in the same
// process, the ceiling a download is measured against.
import fs from 'node:fs'
import { createServices } from '@capgo-api/api'
import { createDb } from '@capgo-api/db'
import fastifyStatic from '@fastify/static'
import { buildApp } from '../src/app.ts'

const storageDir = process.env.BENCH_STORAGE_DIR!
fs.mkdirSync(storageDir, { recursive: true })
const database = await createDb(process.env.DATABASE_URL)
const port = Number(process.env.BENCH_PORT)
const services = createServices(database, {
  storageUrl: `file:${storageDir}`,
  publicUrl: `http://127.0.0.1:${port}`,
  bundleMaxBytes: 512 * 1024 * 1024,
})
const app = await buildApp({ services, logger: { level: 'warn' }, rateLimit: false })
await app.register(fastifyStatic, { root: storageDir, prefix: '/__static/', decorateReply: false })
const address = await app.listen({ port, host: '127.0.0.1' })
process.send?.({ address })
process.on('SIGTERM', async () => {
  await app.close()
  await database.db.$disconnect()
  process.exit(0)
})
