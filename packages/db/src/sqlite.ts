// The SQLite driver adapter with three additions:
// - a prepared-statement cache: Prisma's better-sqlite3 adapter prepares every query afresh
//   (`client.prepare(sql).bind(args)`), and preparing is a large share of a short query's cost.
//   Statements are kept by SQL text (LRU) and re-run with new arguments.
// - transactions that begin IMMEDIATE: the adapter's deferred BEGIN let a transaction that reads
//   and then writes (Prisma runs an upsert so) fail at once with SQLITE_BUSY when another process
//   wrote in between; IMMEDIATE takes the write lock first, waiting up to the busy timeout.
// - the connection itself, for the check-in writer (packages/api/src/infra/checkins.ts), which
//   writes its batches synchronously with cached single-row statements.

import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3'
import type { SqlDriverAdapter } from '@prisma/driver-adapter-utils'
import type BetterSqlite3 from 'better-sqlite3'
import { LRUCache } from 'lru-cache'

export type SqliteConnection = BetterSqlite3.Database
type Statement = BetterSqlite3.Statement<unknown[]>

/** The statement the adapter sees: `bind(args)` returns a view that runs the cached statement with those args. */
class StatementView {
  constructor(
    private readonly stmt: Statement,
    private readonly args?: unknown[],
  ) {}
  get reader() {
    return this.stmt.reader
  }
  bind(args: unknown[]) {
    return new StatementView(this.stmt, args)
  }
  run() {
    return this.args ? this.stmt.run(this.args) : this.stmt.run()
  }
  columns() {
    return this.stmt.columns()
  }
  raw() {
    const stmt = this.stmt.raw(true)
    return { all: () => (this.args ? stmt.all(this.args) : stmt.all()) }
  }
}

/** Replaces `client.prepare` by a cached one; returns the cache's lookup (real better-sqlite3 statements). */
function cacheStatements(client: SqliteConnection, max: number): (sql: string) => Statement {
  const prepare = client.prepare.bind(client) as (sql: string) => Statement
  const cache = new LRUCache<string, Statement>({ max })
  const cached = (sql: string) => {
    let stmt = cache.get(sql)
    if (!stmt) {
      stmt = prepare(sql) // a syntax error throws here, as before, and nothing is cached
      cache.set(sql, stmt)
    }
    return stmt
  }
  ;(client as unknown as { prepare: (sql: string) => StatementView }).prepare = (sql) =>
    new StatementView(cached(sql === 'BEGIN' ? 'BEGIN IMMEDIATE' : sql))
  return cached
}

export interface SqliteRaw {
  connection: SqliteConnection
  /** a cached prepared statement (the real better-sqlite3 one) */
  prepare: (sql: string) => Statement
}

/** The adapter factory with the statement cache; `raw` is filled on connect (Prisma connects lazily, and again after $disconnect). */
export class CachingBetterSqlite3 extends PrismaBetterSqlite3 {
  raw?: SqliteRaw
  constructor(
    config: ConstructorParameters<typeof PrismaBetterSqlite3>[0],
    private readonly cacheSize = 500,
  ) {
    super(config)
  }
  override async connect(): Promise<SqlDriverAdapter> {
    const adapter = await super.connect()
    const connection = (adapter as unknown as { client: SqliteConnection }).client
    this.raw = { connection, prepare: cacheStatements(connection, this.cacheSize) }
    return adapter
  }
}
