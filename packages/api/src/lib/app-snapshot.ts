// What POST /updates needs to answer a device, per app, read in one go and cached: whether the
// app exists, its channels, its bundles and whether it has any device override. Its size never
// depends on the app's devices or overrides, so no device request (say, a flood of invented
// device_ids) can make it costly: a device's own override is read by its key (overrideOf), and
// only for apps that have overrides. Entries live CAPGO_UPDATES_CACHE_TTL_MS (default 2 s; 0
// disables). Every management mutation that can change them (apps, channels, bundles, device
// overrides, organizations) drops the app's entry when it returns (see trpc.ts), so this server
// sees such a change at the next check-in; other servers of a cluster see it within the TTL.
// Device endpoints never drop it: one that stores an override only marks it (noteOverride).
// Writes made behind the API (CLI, SQL) also show within the TTL.
import { LRUCache } from 'lru-cache'
import type { Db, Prisma } from '@capgo-api/db'

export const bundleSelect = { id: true, name: true, external_url: true, checksum: true, session_key: true, minUpdateVersion: true, deleted: true } as const satisfies Prisma.BundleSelect
export const channelSelect = {
  id: true, name: true, public: true, ios: true, android: true, allow_device_self_set: true, disableAutoUpdate: true,
  disableAutoUpdateUnderNative: true, allow_emulator: true, allow_dev: true, allow_prod: true, allow_device: true, version_id: true,
} as const satisfies Prisma.ChannelSelect

export type BundleRow = Prisma.BundleGetPayload<{ select: typeof bundleSelect }>
export type ChannelRow = Prisma.ChannelGetPayload<{ select: typeof channelSelect }>

export interface AppSnapshot {
  exists: boolean
  /** by id ascending */
  channels: ChannelRow[]
  channelById: Map<number, ChannelRow>
  bundleById: Map<number, BundleRow>
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
    db.app.findUnique({ where: { app_id: appId }, select: { app_id: true } }),
    db.channel.findMany({ where: { app_id: appId }, select: channelSelect, orderBy: { id: 'asc' } }),
    db.bundle.findMany({ where: { app_id: appId }, select: bundleSelect }),
    db.deviceOverride.findFirst({ where: { app_id: appId }, select: { device_id: true } }),
  ])
  return {
    exists: !!app,
    channels,
    channelById: new Map(channels.map((c) => [c.id, c])),
    bundleById: new Map(bundles.map((b) => [b.id, b])),
    bundleIdByName: new Map(bundles.filter((b) => !b.deleted).map((b) => [b.name, b.id])),
    hasOverrides: !!overrides,
  }
}

// the promise is cached, so concurrent check-ins of a cold app share one load
const byDb = new WeakMap<object, LRUCache<string, Promise<AppSnapshot>> | null>()

function cacheOf(db: object) {
  let c = byDb.get(db)
  if (c === undefined) {
    const ttl = Number(process.env.CAPGO_UPDATES_CACHE_TTL_MS ?? 2000)
    c = ttl > 0 ? new LRUCache<string, Promise<AppSnapshot>>({ max: 1000, ttl }) : null
    byDb.set(db, c)
  }
  return c
}

export function appSnapshot(db: Db, appId: string): Promise<AppSnapshot> {
  const cache = cacheOf(db)
  if (!cache) return load(db, appId)
  let p = cache.get(appId)
  if (!p) {
    p = load(db, appId)
    cache.set(appId, p)
    p.catch(() => { if (cache.get(appId) === p) cache.delete(appId) })
  }
  return p
}

/** One device's override: one lookup by primary key, none when the app has no overrides. */
export async function overrideOf(db: Db, app: AppSnapshot, appId: string, deviceId: string): Promise<OverrideRow | null> {
  if (!app.hasOverrides) return null
  return db.deviceOverride.findUnique({ where: { app_id_device_id: { app_id: appId, device_id: deviceId } }, select: { channel_id: true, version_id: true } })
}

/** A device endpoint stored an override: the cached snapshot learns the app has some (no reload). */
export function noteOverride(db: object, appId: string) {
  void byDb.get(db)?.get(appId)?.then((s) => { s.hasOverrides = true }, () => {})
}

/** Forget one app's snapshot, or every app's (after a write that changed them). */
export function invalidateApp(db: object, appId?: string) {
  const cache = byDb.get(db)
  if (appId === undefined) cache?.clear()
  else cache?.delete(appId)
}
