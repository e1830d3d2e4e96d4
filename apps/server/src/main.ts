// Reads the environment, migrates, bootstraps, listens. SIGTERM (or SIGINT) stops accepting,
// drains in-flight requests, closes the database and exits 0; past SHUTDOWN_TIMEOUT_MS it exits 1.
import { bootstrap, createServices } from '@capgo-api/api'
import { createDb, type DbHandle } from '@capgo-api/db'
import { applyMigrations, MigrationError } from '@capgo-api/db/migrate'
import type { FastifyInstance } from 'fastify'
import SonicBoom from 'sonic-boom'
import { buildApp, sweepPending } from './app.ts'
import { type Env, EnvError, parseEnv } from './env.ts'
import { loggerOptions, prettyLogStream } from './log.ts'

// The reader of stdout may be gone (EPIPE) or stop reading (a full pipe): logging must then neither
// crash nor block the process. pino's default destination writes synchronously and retries a full
// pipe forever, which froze shutdown; this one writes in the background and drops lines past 4 MB
// of backlog. Lost logs are not fatal.
const logStream = new SonicBoom({ fd: 1, sync: false, maxLength: 4 * 1024 * 1024 })
logStream.on('error', () => {})
for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {})
/** Lets the log backlog drain, for a second at most. */
const flushLogs = () =>
  new Promise<void>((resolve) => {
    setTimeout(resolve, 1000).unref()
    try {
      logStream.flush(() => resolve())
    } catch {
      resolve()
    }
  })

let env: Env
try {
  env = parseEnv()
} catch (e) {
  if (e instanceof EnvError) {
    console.error(e.message)
    process.exit(1)
  }
  throw e
}

let app: FastifyInstance | undefined
let database: DbHandle | undefined
let closing = false
async function shutdown(signal: string) {
  if (closing) return
  closing = true
  // a request or connection that never finishes must not keep the process: exit 1 past the deadline
  setTimeout(() => {
    app?.log.error({ signal, timeoutMs: env.SHUTDOWN_TIMEOUT_MS }, 'shutdown: in-flight work did not finish in time')
    void flushLogs().then(() => process.exit(1))
  }, env.SHUTDOWN_TIMEOUT_MS).unref()
  app?.log.info({ signal }, 'shutting down')
  try {
    // a keep-alive connection whose request finishes during the drain is closed once idle, or it
    // would hold the drain until its keep-alive timeout
    const closeIdle = setInterval(() => app?.server.closeIdleConnections(), 100)
    await app?.close() // stops accepting, waits for in-flight requests, runs onClose hooks (Redis)
    clearInterval(closeIdle)
    await database?.db.$disconnect()
    await flushLogs()
    // exit now: whatever else is still open (a worker, a timer, a socket) must not keep the process
    process.exit(0)
  } catch (err) {
    app?.log.error({ err }, 'shutdown failed')
    await flushLogs()
    process.exit(1)
  }
}
// before anything else: a signal during migration or bootstrap stops the start too
process.on('SIGTERM', () => void shutdown('SIGTERM'))
process.on('SIGINT', () => void shutdown('SIGINT'))

let applied: string[]
try {
  applied = await applyMigrations(env.DATABASE_URL)
} catch (e) {
  if (!(e instanceof MigrationError)) throw e
  console.error(`error: ${e.message}`)
  process.exit(1)
}
database = await createDb(env.DATABASE_URL, { poolSize: env.DATABASE_POOL_SIZE, queryTimeoutMs: env.DATABASE_QUERY_TIMEOUT_MS })
const services = createServices(database, {
  accessCacheTtlMs: env.CAPGO_ACCESS_CACHE_TTL_MS,
  updatesCacheTtlMs: env.CAPGO_UPDATES_CACHE_TTL_MS,
  metrics: env.METRICS_TOKEN !== undefined,
  storageUrl: env.STORAGE_URL,
  storageOptions: {
    publicUrl: env.STORAGE_PUBLIC_URL,
    credentials:
      env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
        ? { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY }
        : undefined,
  },
  publicUrl: env.PUBLIC_URL,
  bundleMaxBytes: env.BUNDLE_MAX_BYTES,
  signingSecret: env.SIGNING_SECRET,
})
// JSON lines for log collectors; readable lines for a person at a terminal (and `pnpm dev`)
const pretty = env.LOG_FORMAT === 'pretty' || (env.LOG_FORMAT === 'auto' && process.stdout.isTTY === true)
app = await buildApp({
  services,
  logger: loggerOptions(env.LOG_LEVEL, pretty ? prettyLogStream(logStream) : logStream),
  metricsToken: env.METRICS_TOKEN,
  redisUrl: env.REDIS_URL,
  rateLimit:
    env.RATE_LIMIT_MAX === 0
      ? false
      : {
          max: env.RATE_LIMIT_MAX,
          deviceMax: env.RATE_LIMIT_DEVICE_MAX,
          authFailMax: env.RATE_LIMIT_AUTH_FAIL_MAX,
          newDevicesPerIp: env.RATE_LIMIT_NEW_DEVICES_PER_IP,
        },
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

if (!closing) await app.listen({ port: env.PORT, host: env.HOST })
if (!closing) void sweepPending(app, services)
