// Fleets of simulated devices: ids and native builds drawn from a fixed seed (the same fleet every
// run), driven a bounded number at a time over real HTTP.
import { type NativeApp, type Platform, type PluginConfig, SimDevice } from './plugin.ts'

/** mulberry32: a small seeded PRNG (uniform in [0, 1)). */
export function seeded(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** A version-4 UUID from the generator, lower-case as DeviceIdHelper (UUID.randomUUID().toString()) makes it. */
export function uuidFrom(rand: () => number): string {
  const b = Array.from({ length: 16 }, () => Math.floor(rand() * 256))
  b[6] = (b[6]! & 0x0f) | 0x40
  b[8] = (b[8]! & 0x3f) | 0x80
  const h = b.map((x) => x.toString(16).padStart(2, '0')).join('')
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`
}

/** The plugin's three URLs on a server (its device endpoints). */
export const endpointsOf = (base: string) => ({
  updateUrl: `${base}/updates`,
  statsUrl: `${base}/stats`,
  channelUrl: `${base}/channel_self`,
})

export interface FleetOptions {
  size: number
  seed: number
  appId: string
  /** the server's base URL */
  base: string
  platforms?: Platform[]
  /** the native version of every device (default 1.0.0) */
  versionBuild?: string
  config?: Partial<PluginConfig>
  ca?: string
  now?: () => number
  appReady?: (versionName: string) => boolean
}

/** `fn` over `items`, at most `concurrency` at once; results in input order. */
export async function pool<T, R>(items: readonly T[], concurrency: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length)
  let next = 0
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) {
        const i = next++
        out[i] = await fn(items[i]!, i)
      }
    }),
  )
  return out
}

export class Fleet {
  readonly devices: SimDevice[]

  constructor(opts: FleetOptions) {
    const rand = seeded(opts.seed)
    const platforms = opts.platforms ?? ['ios', 'android']
    this.devices = Array.from({ length: opts.size }, (_, i) => {
      const platform = platforms[i % platforms.length]!
      const native: NativeApp = {
        platform,
        versionBuild: opts.versionBuild ?? '1.0.0',
        versionCode: '1',
        versionOs: platform === 'ios' ? `17.${Math.floor(rand() * 6)}` : `${13 + Math.floor(rand() * 3)}`,
        isEmulator: false,
        isProd: true,
        installSource: platform === 'ios' ? 'app_store' : 'com.android.vending',
      }
      return new SimDevice({
        deviceId: uuidFrom(rand),
        native,
        config: { appId: opts.appId, ...endpointsOf(opts.base), ...opts.config },
        ca: opts.ca,
        now: opts.now,
        appReady: opts.appReady,
      })
    })
  }

  each<R>(fn: (d: SimDevice, i: number) => Promise<R>, concurrency = 16) {
    return pool(this.devices, concurrency, fn)
  }

  /**
   * Flushes every device's stats queue until all are empty (the plugin's 1 s timer, as steps):
   * `rounds` at most; a round with deferred devices (Retry-After) waits for the earliest block to end.
   */
  async drainStats(rounds = 10) {
    for (let r = 0; r < rounds; r++) {
      const results = await this.each((d) => d.flushStats())
      if (results.every((x) => x === 'empty' || x === 'sent' || x === 'dropped') && this.devices.every((d) => !d.pendingStats.length))
        return
      if (results.includes('deferred')) {
        const until = Math.min(...this.devices.filter((d) => d.isRemoteBlocked()).map((d) => d.remoteBlockedUntil))
        await new Promise((res) => setTimeout(res, Math.max(0, until - Date.now()) + 20))
      }
    }
    const left = this.devices.reduce((n, d) => n + d.pendingStats.length, 0)
    if (left) throw new Error(`${left} stats events still queued after ${rounds} flushes`)
  }
}
