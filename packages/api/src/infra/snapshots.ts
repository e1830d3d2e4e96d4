// What POST /updates needs to answer a device, per app, read in one go and cached: whether the
// app exists, its channels, its bundles and whether it has any device override. Its size never
// depends on the app's devices or overrides, so no device request (say, a flood of invented
// device_ids) can make it costly: a device's own override is read by its key (overrideOf), and
// only for apps that have overrides. Entries live `ttlMs` (CAPGO_UPDATES_CACHE_TTL_MS, default
// 2 s; 0 disables). Every management service that can change them (apps, channels, bundles,
// device overrides, organizations) calls invalidate() next to its write, done or failed, so this
// server sees such a change at the next check-in; other servers of a cluster see it within the
// TTL. Device endpoints never drop it (they store no override).
// Writes made behind the API (CLI, SQL) also show within the TTL.

import type { Db, Prisma } from '@capgo-api/db'
import { LRUCache } from 'lru-cache'

export const snapshotBundleSelect = {
  id: true,
  name: true,
  external_url: true,
  checksum: true,
  session_key: true,
  key_id: true,
  minUpdateVersion: true,
  deleted: true,
  size: true,
  link: true,
  comment: true,
  // hosted bundles: served once ready, from r2_path of the store named by storage_provider
  status: true,
  storage_provider: true,
  r2_path: true,
  storage_checksum: true,
} as const satisfies Prisma.BundleSelect
export const snapshotChannelSelect = {
  id: true,
  name: true,
  public: true,
  ios: true,
  android: true,
  electron: true,
  builtin: true,
  allow_device_self_set: true,
  disableAutoUpdate: true,
  disableAutoUpdateUnderNative: true,
  allow_emulator: true,
  allow_dev: true,
  allow_prod: true,
  allow_device: true,
  version_id: true,
} as const satisfies Prisma.ChannelSelect

export type SnapshotBundle = Prisma.BundleGetPayload<{ select: typeof snapshotBundleSelect }>
export type SnapshotChannel = Prisma.ChannelGetPayload<{ select: typeof snapshotChannelSelect }>

export interface AppSnapshot {
  exists: boolean
  /** /updates answers carry the bundle's link and comment */
  exposeMetadata: boolean
  /** the app's `manifest` setting (partial updates) */
  manifest: boolean
  /** by id ascending */
  channels: SnapshotChannel[]
  channelById: Map<number, SnapshotChannel>
  bundleById: Map<number, SnapshotBundle>
  /** bundles not deleted, by name */
  bundleIdByName: Map<string, number>
  /** false when the app had no device override when read: check-ins then skip the lookup */
  hasOverrides: boolean
}

export interface OverrideRow {
  channel_id: number | null
  version_id: number | null
}

async function load(db: Db, appId: string): Promise<AppSnapshot> {
  const [app, channels, bundles, overrides] = await Promise.all([
    db.app.findUnique({ where: { app_id: appId }, select: { app_id: true, expose_metadata: true, manifest: true } }),
    db.channel.findMany({ where: { app_id: appId }, select: snapshotChannelSelect, orderBy: { id: 'asc' } }),
    db.bundle.findMany({ where: { app_id: appId }, select: snapshotBundleSelect }),
    db.deviceOverride.findFirst({ where: { app_id: appId }, select: { device_id: true } }),
  ])
  return {
    exists: !!app,
    exposeMetadata: app?.expose_metadata ?? false,
    manifest: app?.manifest ?? false,
    channels,
    channelById: new Map(channels.map((c) => [c.id, c])),
    bundleById: new Map(bundles.map((b) => [b.id, b])),
    bundleIdByName: new Map(bundles.filter((b) => !b.deleted).map((b) => [b.name, b.id])),
    hasOverrides: !!overrides,
  }
}

/** The snapshot cache of one app instance; the promise is cached, so concurrent check-ins of a cold app share one load. */
export class SnapshotCache {
  private readonly cache: LRUCache<string, Promise<AppSnapshot>> | null
  /** gets answered from the cache, and loads (caching off, every get loads): for /metrics */
  hits = 0
  misses = 0

  constructor(
    private readonly db: Db,
    ttlMs: number,
  ) {
    this.cache = ttlMs > 0 ? new LRUCache<string, Promise<AppSnapshot>>({ max: 1000, ttl: ttlMs }) : null
  }

  get(appId: string): Promise<AppSnapshot> {
    const cache = this.cache
    if (!cache) {
      this.misses++
      return load(this.db, appId)
    }
    let p = cache.get(appId)
    if (p) this.hits++
    else {
      this.misses++
      p = load(this.db, appId)
      cache.set(appId, p)
      p.catch(() => {
        if (cache.get(appId) === p) cache.delete(appId)
      })
    }
    return p
  }

  /** One device's override: one lookup by primary key, none when the app has no overrides. */
  async overrideOf(app: AppSnapshot, appId: string, deviceId: string): Promise<OverrideRow | null> {
    if (!app.hasOverrides) return null
    return this.db.deviceOverride.findUnique({
      where: { app_id_device_id: { app_id: appId, device_id: deviceId } },
      select: { channel_id: true, version_id: true },
    })
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
