// One entry point; the provider is picked at run time from the URL. App code is typed against
// the SQLite client (the subset both providers share).
import { PrismaClient } from './generated/sqlite/client.ts'

export { Prisma } from './generated/sqlite/client.ts'
export type * from './generated/sqlite/models.ts'

import { DEFAULT_DATABASE_URL } from './paths.ts'
import type { PgPool } from './postgres.ts'
import type { SqliteRaw } from './sqlite.ts'

export type { PgPool, PgPoolClient } from './postgres.ts'
export type { SqliteRaw } from './sqlite.ts'
export type Db = InstanceType<typeof PrismaClient>
export type Provider = 'sqlite' | 'postgres'

export { absoluteFileUrl, commandDir, DEFAULT_DATABASE_URL, type PathEnv, resolveDatabaseUrl } from './paths.ts'

export function providerOf(url: string): Provider {
  return /^postgres(ql)?:\/\//.test(url) ? 'postgres' : 'sqlite'
}

export interface DbHandle {
  db: Db
  provider: Provider
  url: string
  /** the raw SQLite connection behind `db` (undefined on PostgreSQL, or before Prisma connected) */
  sqliteRaw(): SqliteRaw | undefined
  /** the pg pool behind `db` (undefined on SQLite, or before Prisma connected) */
  pgPool(): PgPool | undefined
}

export interface DbOptions {
  /** PostgreSQL connections in the pool (DATABASE_POOL_SIZE; default 10) */
  poolSize?: number
  /** ms a PostgreSQL statement may wait for its answer (the server passes DATABASE_QUERY_TIMEOUT_MS; unset: no limit) */
  queryTimeoutMs?: number
}

/**
 * Interactive transactions wait up to 10 s for a connection (Prisma's default, 2 s, turned a busy
 * pool into 500s) and may run 15 s (a writer may wait on a row lock another server holds).
 */
const TRANSACTION_OPTIONS = { maxWait: 10_000, timeout: 15_000 }

export async function createDb(url = DEFAULT_DATABASE_URL, opts: DbOptions = {}): Promise<DbHandle> {
  const provider = providerOf(url)
  if (provider === 'postgres') {
    const [{ PrismaClient: PgClient }, { PoolKeepingPrismaPg }] = await Promise.all([
      import('./generated/postgres/client.ts'),
      import('./postgres.ts'),
    ])
    const adapter = new PoolKeepingPrismaPg({
      connectionString: url,
      max: opts.poolSize ?? 10,
      // fail fast when the database is unreachable instead of hanging a request
      connectionTimeoutMillis: 5_000,
      // …or when it stops answering on an open connection (a network that drops packets without a
      // reset): the statement fails, its request gets 503, and the process keeps serving
      query_timeout: opts.queryTimeoutMs,
      keepAlive: true,
    })
    const db = new PgClient({ adapter, transactionOptions: TRANSACTION_OPTIONS }) as unknown as Db
    return { db, provider, url, sqliteRaw: () => undefined, pgPool: () => adapter.pool }
  }
  const { CachingBetterSqlite3 } = await import('./sqlite.ts')
  const file = sqliteFile(url)
  if (file !== ':memory:') {
    const fs = await import('node:fs')
    const path = await import('node:path')
    fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true })
  }
  const adapter = new CachingBetterSqlite3({ url: file, timeout: 10_000 })
  const db = new PrismaClient({ adapter, transactionOptions: TRANSACTION_OPTIONS })
  // WAL lets readers run beside the writer; NORMAL sync is durable across process crashes.
  await db.$queryRawUnsafe('PRAGMA journal_mode = WAL')
  await db.$queryRawUnsafe('PRAGMA synchronous = NORMAL')
  await db.$queryRawUnsafe('PRAGMA foreign_keys = ON')
  return { db, provider, url, sqliteRaw: () => adapter.raw, pgPool: () => undefined }
}

export function sqliteFile(url: string): string {
  return url.replace(/^file:/, '').replace(/\?.*$/, '')
}
