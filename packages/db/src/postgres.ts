// The PostgreSQL driver adapter, keeping hold of its pg pool for the check-in writer
// (packages/api/src/infra/checkins.ts), which writes its batches with plain multi-row statements.
import { PrismaPg } from '@prisma/adapter-pg'

/** The part of a pg Pool the check-in writer uses (the adapter's own @types/pg may differ from ours). */
export interface PgPool {
  connect(): Promise<PgPoolClient>
  /** connections open, idle, and requests waiting for one (for /metrics) */
  readonly totalCount: number
  readonly idleCount: number
  readonly waitingCount: number
  readonly options?: { max?: number }
}
export interface PgPoolClient {
  query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<{ rows: R[] }>
  release(destroy?: boolean | Error): void
}

/** The pg Pool's event API (typed here: the adapter's own @types/pg may differ from ours). */
interface PgPoolEvents {
  on(event: 'connect', listener: (client: { on(event: 'error', listener: (err: Error) => void): unknown }) => void): unknown
}

export class PoolKeepingPrismaPg extends PrismaPg {
  /** filled on connect (Prisma connects lazily, and again after $disconnect) */
  pool?: PgPool
  override async connect() {
    const adapter = await super.connect()
    const pool = adapter.underlyingDriver()
    // A pg client whose connection drops emits 'error' even when a query is in flight (that query
    // is rejected too). The pool listens only while the client is idle, so a drop while it is
    // checked out (a transaction, a check-in batch) would be an unhandled 'error' event and kill
    // the process. Every client gets a listener for its whole life: the query's rejection is the
    // error that matters, and the pool discards the broken client on release.
    const events = pool as unknown as PgPoolEvents
    events.on('connect', (client) => client.on('error', () => {}))
    this.pool = pool as unknown as PgPool
    return adapter
  }
}
