// The PostgreSQL driver adapter, keeping hold of its pg pool for the check-in writer
// (packages/api/src/infra/checkins.ts), which writes its batches with plain multi-row statements.
import { PrismaPg } from '@prisma/adapter-pg'

/** The part of a pg Pool the check-in writer uses (the adapter's own @types/pg may differ from ours). */
export interface PgPool {
  connect(): Promise<PgPoolClient>
}
export interface PgPoolClient {
  query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<{ rows: R[] }>
  release(destroy?: boolean | Error): void
}

export class PoolKeepingPrismaPg extends PrismaPg {
  /** filled on connect (Prisma connects lazily, and again after $disconnect) */
  pool?: PgPool
  override async connect() {
    const adapter = await super.connect()
    this.pool = adapter.underlyingDriver() as unknown as PgPool
    return adapter
  }
}
