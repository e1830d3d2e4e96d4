// Reads the environment, migrates, bootstraps, listens; SIGTERM drains and exits 0.
import { bootstrap } from '@capgo-api/api'
import { createDb } from '@capgo-api/db'
import { applyMigrations } from '@capgo-api/db/migrate'
import { buildApp, loggerOptions } from './app.ts'
import { EnvError, parseEnv } from './env.ts'

let env
try {
  env = parseEnv()
} catch (e) {
  if (e instanceof EnvError) {
    console.error(e.message)
    process.exit(1)
  }
  throw e
}

const applied = await applyMigrations(env.DATABASE_URL)
const database = await createDb(env.DATABASE_URL)
const app = await buildApp({
  database,
  logger: loggerOptions(env.LOG_LEVEL),
  redisUrl: env.REDIS_URL,
  rateLimit:
    env.RATE_LIMIT_MAX === 0
      ? false
      : { max: env.RATE_LIMIT_MAX, deviceMax: env.RATE_LIMIT_DEVICE_MAX, authFailMax: env.RATE_LIMIT_AUTH_FAIL_MAX, newDevicesPerIp: env.RATE_LIMIT_NEW_DEVICES_PER_IP },
  trustProxy: env.TRUST_PROXY,
  bodyTimeoutMs: env.BODY_TIMEOUT_MS,
})
if (applied.length) app.log.info({ applied }, 'migrations applied')

const boot = await bootstrap(database.db, { apiKey: env.CAPGO_BOOTSTRAP_API_KEY })
if (boot) {
  app.log.info({ orgId: boot.orgId }, 'bootstrap: created the admin user and "Default organization"')
  // printed once, on first start only; set CAPGO_BOOTSTRAP_API_KEY to choose it instead
  if (boot.generatedKey) console.log(`\n  Admin API key (mode "all", shown once): ${boot.generatedKey}\n`)
}

let closing = false
async function shutdown(signal: string) {
  if (closing) return
  closing = true
  app.log.info({ signal }, 'shutting down')
  try {
    await app.close() // stops accepting, waits for in-flight requests
    await database.db.$disconnect()
    process.exit(0)
  } catch (err) {
    app.log.error({ err }, 'shutdown failed')
    process.exit(1)
  }
}
process.on('SIGTERM', () => void shutdown('SIGTERM'))
process.on('SIGINT', () => void shutdown('SIGINT'))

await app.listen({ port: env.PORT, host: env.HOST })
