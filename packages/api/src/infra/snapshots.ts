// What POST /updates needs to answer a device, per app, read in one go and cached: whether the
// app exists, its channels, its bundles and its device overrides. A check-in then costs no read.
// Entries live `ttlMs` (CAPGO_UPDATES_CACHE_TTL_MS, default 2 s; 0 disables). Every service that
// can change them (apps, channels, bundles, device overrides, organizations, a device's own
// channel) calls invalidate() next to its write, done or failed, so this server sees such a change
// at the next check-in; other servers of a cluster see it within the TTL. Writes made behind the
// API (CLI, SQL) also show within the TTL. One app's snapshot holds every override of the app:
// fine for thousands of overrides, not meant for millions.
import { LRUCache } from 'lru-cache'
import type { Db, Prisma } from '@capgo-api/db'

export const snapshotBundleSelect = { id: true, name: true, external_url: true, checksum: true, session_key: true, minUpdateVersion: true, deleted: true } as const satisfies Prisma.BundleSelect
export const snapshotChannelSelect = {
  id: true, name: true, public: true, ios: true, android: true, allow_device_self_set: true, disableAutoUpdate: true,
  disableAutoUpdateUnderNative: true, allow_emulator: true, allow_dev: true, allow_prod: true, allow_device: true, version_id: true,
} as const satisfies Prisma.ChannelSelect

export type SnapshotBundle = Prisma.BundleGetPayload<{ select: typeof snapshotBundleSelect }>
export type SnapshotChannel = Prisma.ChannelGetPayload<{ select: typeof snapshotChannelSelect }>

export interface AppSnapshot {
  exists: boolean
  /** by id ascending */
  channels: SnapshotChannel[]
  channelById: Map<number, SnapshotChannel>
  bundleById: Map<number, SnapshotBundle>
  /** bundles not deleted, by name */
  bundleIdByName: Map<string, number>
  /** device_id → its override */
  overrides: Map<string, { channel_id: number | null; version_id: number | null }>
}

async function load(db: Db, appId: string): Promise<AppSnapshot> {
  const [app, channels, bundles, overrides] = await Promise.all([
    db.app.findUnique({ where: { app_id: appId }, select: { app_id: true } }),
    db.channel.findMany({ where: { app_id: appId }, select: snapshotChannelSelect, orderBy: { id: 'asc' } }),
    db.bundle.findMany({ where: { app_id: appId }, select: snapshotBundleSelect }),
    db.deviceOverride.findMany({ where: { app_id: appId }, select: { device_id: true, channel_id: true, version_id: true } }),
  ])
  return {
    exists: !!app,
    channels,
    channelById: new Map(channels.map((c) => [c.id, c])),
    bundleById: new Map(bundles.map((b) => [b.id, b])),
    bundleIdByName: new Map(bundles.filter((b) => !b.deleted).map((b) => [b.name, b.id])),
    overrides: new Map(overrides.map((o) => [o.device_id, { channel_id: o.channel_id, version_id: o.version_id }])),
  }
}

/** The snapshot cache of one app instance; the promise is cached, so concurrent check-ins of a cold app share one load. */
export class SnapshotCache {
  private readonly cache: LRUCache<string, Promise<AppSnapshot>> | null

  constructor(
    private readonly db: Db,
    ttlMs: number,
  ) {
    this.cache = ttlMs > 0 ? new LRUCache<string, Promise<AppSnapshot>>({ max: 1000, ttl: ttlMs }) : null
  }

  get(appId: string): Promise<AppSnapshot> {
    const cache = this.cache
    if (!cache) return load(this.db, appId)
    let p = cache.get(appId)
    if (!p) {
      p = load(this.db, appId)
      cache.set(appId, p)
      p.catch(() => { if (cache.get(appId) === p) cache.delete(appId) })
    }
    return p
  }

  /** Runs a write that can change `appId`'s snapshot, then forgets the snapshot, done or failed. */
  async invalidateAfter<T>(appId: string, write: () => Promise<T>): Promise<T> {
    try {
      return await write()
    } finally {
      this.invalidate(appId)
    }
  }

  /** Forget one app's snapshot, or every app's (after a write that changed them). */
  invalidate(appId?: string) {
    if (appId === undefined) this.cache?.clear()
    else this.cache?.delete(appId)
  }
}
