// The plugin's constants and the shapes the simulator exchanges with tests (definitions.ts and the
// fields CapgoUpdater.java = "CU" keeps).

export const PLUGIN_VERSION = '8.51.23'
/** CU: MAX_PENDING_STATS — the stats queue holds at most this many events, oldest dropped first */
export const MAX_PENDING_STATS = 200
/** CU: MAX_RATE_LIMIT_WINDOW_MS — a Retry-After further out is capped to a day */
export const MAX_RATE_LIMIT_WINDOW_MS = 24 * 60 * 60 * 1000
/** CU: timeout (ms) of the plugin's HTTP client */
export const HTTP_TIMEOUT_MS = 20_000
export const BUILTIN = 'builtin'

export type Platform = 'ios' | 'android' | 'electron'

/** What the native binary reports about itself (CU fields set by CUP.load). */
export interface NativeApp {
  platform: Platform
  /** the native version (CU.versionBuild) */
  versionBuild: string
  versionCode: string
  versionOs: string
  isEmulator: boolean
  isProd: boolean
  installSource: string
}

/** The plugin's `capacitor.config` keys this model reads (definitions.ts PluginsConfig.CapacitorUpdater). */
export interface PluginConfig {
  appId: string
  updateUrl: string
  /** "" disables stats (CU.sendStats returns at once) */
  statsUrl: string
  channelUrl: string
  defaultChannel?: string
  /** default true */
  allowSetDefaultChannel?: boolean
  /** RSA public key: only its key id (CryptoCipher.calcKeyId) is modelled, not decryption */
  publicKey?: string
}

/** The config with its defaults filled in. */
export type ResolvedConfig = Required<Omit<PluginConfig, 'defaultChannel' | 'publicKey'>> & { defaultChannel: string; publicKey: string }

export type BundleStatus = 'downloading' | 'pending' | 'success' | 'error' | 'deleted'
export interface BundleInfo {
  id: string
  versionName: string
  status: BundleStatus
  checksum: string
  /** file names of the unzipped bundle */
  files: string[]
}

export interface StatsEvent {
  app_id: string
  device_id: string
  action: string
  version_name: string
  old_version_name: string
  timestamp: number
  metadata?: Record<string, string>
  [k: string]: unknown
}

/** The map CU.makeJsonRequest hands its callback: the answer's fields, or error/kind/message. */
export type Answer = Record<string, unknown> & { statusCode?: number }

/** What one automatic update check ended in (the branches of CUP.backgroundDownload). */
export type CheckOutcome =
  | { result: 'up_to_date' | 'blocked' | 'failed'; error: string; message: string; statusCode: number; version?: string }
  | { result: 'builtin_next' }
  | { result: 'no_url' }
  | { result: 'no_need' }
  | { result: 'bundle_in_error'; version: string }
  | { result: 'already_downloaded'; version: string }
  | { result: 'downloaded'; version: string }
  | { result: 'download_failed'; version: string }

export interface RequestLog {
  method: string
  url: string
  /** HTTP status, or 0 for a network error, or -1 when the remote block skipped the request */
  status: number
}

export interface DeviceOptions {
  deviceId: string
  native: NativeApp
  config: PluginConfig
  /** the clock of timestamps and of the Retry-After block (default Date.now) */
  now?: () => number
  /** whether the app's JS calls notifyAppReady once a bundle of that name boots (default: always) */
  appReady?: (versionName: string) => boolean
  /** certificates the device trusts for bundle downloads, besides the system's (a test CDN's) */
  ca?: string
}

/** The plugin's notifyListeners, as the device records it. */
export type Notify = (name: string, data: Record<string, unknown>) => void
/** CU.sendStats as the device exposes it (the version name defaults to the current bundle's). */
export type SendStats = (action: string, versionName?: string, oldVersionName?: string, metadata?: Record<string, string>) => void

/** What the concern modules call back on the device: notifyListeners, CU.sendStats, CU.setNextBundle. */
export interface DeviceHooks {
  notify: Notify
  sendStats: SendStats
  setNext: (id: string) => void
}
