// Transactions and the locks that serialize writers: one lock per app, one per organization.
import type { Db } from '@capgo-api/db'

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
