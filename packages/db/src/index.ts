// One entry point; the provider is picked at run time from the URL. App code is typed against
// the SQLite client (the subset both providers share).
import { PrismaClient } from './generated/sqlite/client.ts'

export { Prisma } from './generated/sqlite/client.ts'
export type * from './generated/sqlite/models.ts'

import type { PgPool, PoolKeepingPrismaPg } from './postgres.ts'
import type { CachingBetterSqlite3, SqliteRaw } from './sqlite.ts'

export type { SqliteRaw } from './sqlite.ts'
export type { PgPool, PgPoolClient } from './postgres.ts'
export type Db = InstanceType<typeof PrismaClient>
export type Provider = 'sqlite' | 'postgres'

export const DEFAULT_DATABASE_URL = 'file:./data/capgo.db'

export function providerOf(url: string): Provider {
  return /^postgres(ql)?:\/\//.test(url) ? 'postgres' : 'sqlite'
}

export interface DbHandle {
  db: Db
  provider: Provider
  url: string
}

const sqliteAdapters = new WeakMap<object, CachingBetterSqlite3>()
const pgAdapters = new WeakMap<object, PoolKeepingPrismaPg>()

/** The pg pool behind a PostgreSQL client made by createDb (undefined on SQLite or before it connected). */
export const pgPoolOf = (db: object): PgPool | undefined => pgAdapters.get(db)?.pool

/** The raw SQLite connection behind a client made by createDb (undefined on PostgreSQL or before it connected). */
export const sqliteRawOf = (db: object): SqliteRaw | undefined => sqliteAdapters.get(db)?.raw

/**
 * Interactive transactions wait up to 10 s for a connection (Prisma's default, 2 s, turned a busy
 * pool into 500s) and may run 15 s (a writer may wait on a row lock another server holds).
 */
const TRANSACTION_OPTIONS = { maxWait: 10_000, timeout: 15_000 }

export async function createDb(url = process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL): Promise<DbHandle> {
  const provider = providerOf(url)
  if (provider === 'postgres') {
    const [{ PrismaClient: PgClient }, { PoolKeepingPrismaPg }] = await Promise.all([
      import('./generated/postgres/client.ts'),
      import('./postgres.ts'),
    ])
    const adapter = new PoolKeepingPrismaPg({
      connectionString: url,
      max: Number(process.env.DATABASE_POOL_SIZE ?? 10),
      // fail fast when the database is unreachable instead of hanging a request
      connectionTimeoutMillis: 5_000,
    })
    const db = new PgClient({ adapter, transactionOptions: TRANSACTION_OPTIONS }) as unknown as Db
    pgAdapters.set(db, adapter)
    return { db, provider, url }
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
  sqliteAdapters.set(db, adapter)
  // WAL lets readers run beside the writer; NORMAL sync is durable across process crashes.
  await db.$queryRawUnsafe('PRAGMA journal_mode = WAL')
  await db.$queryRawUnsafe('PRAGMA synchronous = NORMAL')
  await db.$queryRawUnsafe('PRAGMA foreign_keys = ON')
  return { db, provider, url }
}

export function sqliteFile(url: string): string {
  return url.replace(/^file:/, '').replace(/\?.*$/, '')
}
