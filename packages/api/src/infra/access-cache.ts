// Short-lived caches of who a key is and which org owns an app: the two lookups every request
// makes. Entries live `ttlMs` (CAPGO_ACCESS_CACHE_TTL_MS, default 2 s; 0 disables); every change
// to keys, members, organizations or apps made through this server clears them at once (the
// services that make those changes call invalidate()). Other servers of a cluster see such a
// change within the TTL.
import { LRUCache } from 'lru-cache'
import type { Principal } from '../access.ts'

export interface AppAccess {
  app_id: string
  owner_org: string
}

export class AccessCache {
  /** by key hash; null when caching is off */
  readonly principals: LRUCache<string, Principal> | null
  /** by app id; null when caching is off */
  readonly apps: LRUCache<string, AppAccess> | null
  /** lookups answered from the cache, and not (caching off counts as a miss): for /metrics */
  hits = 0
  misses = 0

  constructor(ttlMs: number) {
    this.principals = ttlMs > 0 ? new LRUCache({ max: 10_000, ttl: ttlMs }) : null
    this.apps = ttlMs > 0 ? new LRUCache({ max: 50_000, ttl: ttlMs }) : null
  }

  /** The cached principal of a key hash, if any (counted). */
  principal(hash: string): Principal | undefined {
    return this.counted(this.principals?.get(hash))
  }

  /** The cached owner of an app, if any (counted). */
  app(appId: string): AppAccess | undefined {
    return this.counted(this.apps?.get(appId))
  }

  private counted<T>(v: T | undefined): T | undefined {
    if (v === undefined) this.misses++
    else this.hits++
    return v
  }

  /** Runs a write that can change who sees what, then forgets everything, done or failed. */
  async invalidateAfter<T>(write: () => Promise<T>): Promise<T> {
    try {
      return await write()
    } finally {
      this.invalidate()
    }
  }

  /** Forget everything (call after any access-relevant write). */
  invalidate() {
    this.principals?.clear()
    this.apps?.clear()
  }
}
