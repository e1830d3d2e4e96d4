import type { Db, Provider } from '@capgo-api/db'

/** What every procedure gets, free of request objects so tests can build it directly. */
export interface Context {
  db: Db
  provider: Provider
  /** the raw API key sent by the caller, if any */
  apiKey?: string
  /** the caller's IP, for logs and rate limits */
  ip?: string
}

export function createContextInner(opts: Context): Context {
  return { ...opts }
}
