// Short-lived caches of who a key is and which org owns an app: the two lookups every request
// makes. Entries live CAPGO_ACCESS_CACHE_TTL_MS (default 2 s; 0 disables); every change to keys,
// members, organizations or apps made through this server clears them at once. Other servers of a
// cluster see such a change within the TTL.
import { LRUCache } from 'lru-cache'
import type { Principal } from '../access.ts'

export interface AppAccess {
  app_id: string
  owner_org: string
}

interface Caches {
  principals: LRUCache<string, Principal>
  apps: LRUCache<string, AppAccess>
}

const byDb = new WeakMap<object, Caches | null>()

/** The caches of one database client, or null when caching is disabled. */
export function accessCache(db: object): Caches | null {
  let c = byDb.get(db)
  if (c === undefined) {
    const ttl = Number(process.env.CAPGO_ACCESS_CACHE_TTL_MS ?? 2000)
    c = ttl > 0 ? { principals: new LRUCache({ max: 10_000, ttl }), apps: new LRUCache({ max: 50_000, ttl }) } : null
    byDb.set(db, c)
  }
  return c
}

/** Forget everything cached for this database (call after any access-relevant write). */
export function invalidateAccess(db: object) {
  const c = byDb.get(db)
  c?.principals.clear()
  c?.apps.clear()
}
