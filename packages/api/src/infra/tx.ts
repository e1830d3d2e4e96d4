// Transactions and the locks that serialize writers: one lock per app, one per organization.
import type { Db } from '@capgo-api/db'
import { ApiError, isContention } from '../errors.ts'

/** The client inside an interactive transaction. */
export type Tx = Parameters<Parameters<Db['$transaction']>[0]>[0]

/**
 * Serializes writers of one app inside a transaction: a no-op UPDATE row-locks the app on
 * PostgreSQL and takes the write lock at once on SQLite (no deferred-lock upgrade deadlock).
 */
export async function lockApp(tx: Tx, appId: string) {
  await tx.$executeRaw`UPDATE "App" SET "retention" = "retention" WHERE "app_id" = ${appId}`
}

/**
 * Serializes writers of one organization (membership changes: the last-super_admin guard depends
 * on it; deletion): the same no-op UPDATE on the Organization row.
 */
export async function lockOrg(tx: Tx, orgId: string) {
  await tx.$executeRaw`UPDATE "Organization" SET "name" = "name" WHERE "id" = ${orgId}`
}

/** How long a write to an app may wait for its turn and retry before it answers 503 (with Retry-After). */
const APP_WRITE_BUDGET_MS = 20_000

/**
 * `fn` in a transaction holding the app's lock (lockApp). Writers of one app in this process wait
 * their turn in memory, not each on a pooled connection blocked on the row lock (200 writers of
 * one app would hold the whole pool and starve every other request); a transaction that loses to
 * contention (no connection in time, deadlock, serialization failure, busy SQLite) is retried
 * with backoff. Past the budget: 503 database_unavailable, never a 500.
 */
export class AppWrites {
  /** per app: the promise the next writer of the app waits for */
  private readonly turns = new Map<string, Promise<void>>()
  constructor(private readonly db: Db) {}

  transaction<T>(appId: string, fn: (tx: Tx) => Promise<T>): Promise<T> {
    const deadline = Date.now() + APP_WRITE_BUDGET_MS
    return inTurn(this.turns, appId, deadline, () =>
      retryContention(deadline, () =>
        this.db.$transaction(async (tx) => {
          await lockApp(tx, appId)
          return fn(tx)
        }),
      ),
    )
  }
}

/** Runs `fn` once the writers of `appId` queued before it are done (or fails at `deadline`). */
async function inTurn<T>(queue: Map<string, Promise<void>>, appId: string, deadline: number, fn: () => Promise<T>): Promise<T> {
  const before = queue.get(appId)
  let done!: () => void
  const mine = new Promise<void>((r) => (done = r))
  // the next writer waits for those before us too: leaving early (timed out) does not let it skip them
  const tail = before ? before.then(() => mine) : mine
  queue.set(appId, tail)
  try {
    if (before) await waitUntil(before, deadline)
    return await fn()
  } finally {
    done()
    if (queue.get(appId) === tail) queue.delete(appId)
  }
}

function waitUntil(p: Promise<void>, deadline: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new ApiError('database_unavailable', { message: 'The database is busy with other writes to this app: retry shortly.' })),
      Math.max(0, deadline - Date.now()),
    )
    void p.then(() => {
      clearTimeout(timer)
      resolve()
    })
  })
}

/** `fn`, again after a growing pause (25 ms doubling, up to 1 s, jittered) while it loses to contention, until `deadline`. */
async function retryContention<T>(deadline: number, fn: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn()
    } catch (e) {
      if (!isContention(e)) throw e
      const pause = Math.min(1000, 25 * 2 ** attempt) * (0.5 + Math.random())
      if (Date.now() + pause > deadline)
        throw new ApiError('database_unavailable', { message: 'The database is busy: retry shortly.', cause: e })
      await new Promise((r) => setTimeout(r, pause))
    }
  }
}

export const isUniqueViolation = (e: unknown) => (e as { code?: string } | null)?.code === 'P2002'

/** Runs `fn`, and once more if a concurrent writer won a unique-key race (the retry then updates). */
export async function retryOnUniqueViolation<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn()
  } catch (e) {
    if (!isUniqueViolation(e)) throw e
    return fn()
  }
}
