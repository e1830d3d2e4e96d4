// A model of the client side of @capgo/capacitor-updater 8.51.23, the plugin this server's device
// endpoints serve (SPEC section 3). Each piece names the Android source it models (android/src/main/
// java/ee/forgr/capacitor_updater/: CapgoUpdater.java = "CU", CapacitorUpdaterPlugin.java = "CUP");
// behaviour is modelled, not code copied. Devices speak real HTTP (fetch) to the URLs they are
// configured with, download real zips and check their SHA-256 as the plugin does.
//
// Time is explicit: the plugin's timers (the 1 s stats flush, the appReadyTimeout) are steps the
// test takes (flushStats, launchAfterReload), so a fleet's run is deterministic; the Retry-After
// block reads `now()`, which a test may replace.
import { createHash } from 'node:crypto'
import http from 'node:http'
import https from 'node:https'
import { unzipSync } from 'fflate'

export const PLUGIN_VERSION = '8.51.23'
/** CU: MAX_PENDING_STATS — the stats queue holds at most this many events, oldest dropped first */
export const MAX_PENDING_STATS = 200
/** CU: MAX_RATE_LIMIT_WINDOW_MS — a Retry-After further out is capped to a day */
const MAX_RATE_LIMIT_WINDOW_MS = 24 * 60 * 60 * 1000
/** CU: timeout (ms) of the plugin's HTTP client */
const HTTP_TIMEOUT_MS = 20_000
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

/** CUP.isValidURL: java.net.URL accepts a URL whose protocol has a handler. */
function isValidUrl(s: unknown): s is string {
  if (typeof s !== 'string') return false
  try {
    return ['http:', 'https:', 'ftp:', 'file:', 'jar:'].includes(new URL(s).protocol)
  } catch {
    return false
  }
}

/** CryptoCipher.calcKeyId: the first 20 characters of the key with PEM armour and whitespace removed. */
export function keyIdOf(publicKey: string): string {
  const k = publicKey.replace(/\s+/g, '').replace('-----BEGINRSAPUBLICKEY-----', '').replace('-----ENDRSAPUBLICKEY-----', '')
  return k.slice(0, 20)
}

/** CUP.normalizedUpdateResponseKind: anything but the three known kinds counts as failed. */
const normalizeKind = (kind: unknown) => (kind === 'up_to_date' || kind === 'blocked' || kind === 'failed' ? kind : 'failed')

export class SimDevice {
  readonly deviceId: string
  readonly native: NativeApp
  readonly config: Required<Omit<PluginConfig, 'defaultChannel' | 'publicKey'>> & { defaultChannel: string; publicKey: string }
  /** CU.defaultChannel: the persisted setChannel choice, else the config's */
  defaultChannel: string
  customId = ''
  private persistedChannel: string | undefined // SharedPreferences "CapacitorUpdater.defaultChannel"
  private readonly cachedKeyId: string
  private readonly now: () => number
  private readonly appReady: (versionName: string) => boolean
  private readonly ca: string | undefined

  // bundles on disk (CU.getBundleInfo / saveBundleInfo); "builtin" is always there
  readonly bundles = new Map<string, BundleInfo>()
  private current = BUILTIN
  private next: string | null = null
  private fallback = BUILTIN
  private bundleSeq = 0

  // stats (CU.statsQueue / statsInFlight)
  private statsQueue: StatsEvent[] = []
  /** events of batches the server answered 2xx (what it acknowledged) */
  readonly acknowledged: StatsEvent[] = []
  /** events of batches dropped on a permanent (4xx) answer */
  readonly dropped: StatsEvent[] = []
  /** the parsed bodies of the 2xx /stats answers */
  readonly statsAnswers: unknown[] = []

  // rate limit (CU.rateLimitBlockedUntilMs & co; rateLimitStatisticSent is static: once per process)
  private blockedUntil = 0
  private blockedError = ''
  private blockedMessage = ''
  private rateLimitStatisticSent = false

  // CUP.lastNotifiedStatPercent: never reset after a download reaches 100 (a later download only reports download_complete)
  private lastNotifiedStatPercent = 0
  private launchReadyReported = false
  private launchTimeoutReported = false

  /** every request made (or skipped by the remote block) */
  readonly requests: RequestLog[] = []
  /** what the plugin told the app (notifyListeners) */
  readonly events: { name: string; data: Record<string, unknown> }[] = []

  constructor(opts: DeviceOptions) {
    this.deviceId = opts.deviceId
    this.native = opts.native
    this.config = {
      allowSetDefaultChannel: true,
      ...opts.config,
      defaultChannel: opts.config.defaultChannel ?? '',
      publicKey: opts.config.publicKey ?? '',
    }
    this.defaultChannel = this.config.defaultChannel
    this.cachedKeyId = this.config.publicKey ? keyIdOf(this.config.publicKey) : ''
    this.now = opts.now ?? Date.now
    this.appReady = opts.appReady ?? (() => true)
    this.ca = opts.ca
    this.bundles.set(BUILTIN, { id: BUILTIN, versionName: BUILTIN, status: 'success', checksum: '', files: [] })
  }

  // ---- state the tests read ------------------------------------------------------------------

  get currentBundle(): BundleInfo {
    return this.bundles.get(this.current)!
  }
  get nextBundle(): BundleInfo | undefined {
    return this.next ? this.bundles.get(this.next) : undefined
  }
  get pendingStats(): readonly StatsEvent[] {
    return this.statsQueue
  }
  get remoteBlockedUntil(): number {
    return this.blockedUntil
  }
  eventsNamed(name: string) {
    return this.events.filter((e) => e.name === name)
  }

  // ---- CU.createInfoObject ------------------------------------------------------------------

  /** CU.createInfoObject: the fields every device request carries. */
  infoObject(): Record<string, unknown> {
    const info: Record<string, unknown> = {
      platform: this.native.platform,
      device_id: this.deviceId,
      app_id: this.config.appId,
      custom_id: this.customId,
      version_build: this.native.versionBuild,
      version_code: this.native.versionCode,
      version_os: this.native.versionOs,
      version_name: this.currentBundle.versionName,
      plugin_version: PLUGIN_VERSION,
      is_emulator: this.native.isEmulator,
      is_prod: this.native.isProd,
      install_source: this.native.installSource,
      defaultChannel: this.defaultChannel,
    }
    if (this.cachedKeyId) info.key_id = this.cachedKeyId
    return info
  }

  // ---- HTTP and the rate-limit block ----------------------------------------------------------

  private async http(method: string, url: string, body?: unknown): Promise<{ status: number; text: string; headers: Headers } | undefined> {
    try {
      const res = await fetch(url, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json; charset=utf-8' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(HTTP_TIMEOUT_MS),
      })
      const text = await res.text()
      this.requests.push({ method, url, status: res.status })
      return { status: res.status, text, headers: res.headers }
    } catch {
      this.requests.push({ method, url, status: 0 })
      return undefined
    }
  }

  /** CU.isRemoteBlocked: a Retry-After still running; an expired one is cleared. */
  isRemoteBlocked(): boolean {
    if (this.blockedUntil <= 0) return false
    if (this.now() >= this.blockedUntil) {
      this.blockedUntil = 0
      return false
    }
    return true
  }

  /** CU.rawRateLimitDeadlineMs: Retry-After (seconds), else the body's retryAfterSeconds / rateLimitResetAt. */
  private rateLimitDeadline(headers: Headers, text: string): number {
    const now = this.now()
    const header = headers.get('retry-after')
    if (header !== null) {
      const seconds = Number(header.trim())
      if (header.trim() !== '' && Number.isFinite(seconds) && seconds >= 0) return now + seconds * 1000
    }
    const json = parseObject(text)
    if (json) {
      const more = json.moreInfo && typeof json.moreInfo === 'object' ? (json.moreInfo as Record<string, unknown>) : undefined
      const retry = more && 'retryAfterSeconds' in more ? more.retryAfterSeconds : json.retryAfterSeconds
      if (typeof retry === 'number' && retry >= 0) return now + retry * 1000
      const reset = more && 'rateLimitResetAt' in more ? more.rateLimitResetAt : json.rateLimitResetAt
      if (typeof reset === 'number') return reset
    }
    return 0
  }

  /** CU.checkAndHandleRateLimitResponse: a 429 blocks device requests until its deadline (capped to a day). */
  private handleRateLimit(res: { status: number; text: string; headers: Headers }): { blocked: boolean; error: string; message: string } {
    if (res.status !== 429) return { blocked: false, error: '', message: '' }
    const json = parseObject(res.text)
    const error = typeof json?.error === 'string' && json.error ? json.error : 'too_many_requests'
    const message = typeof json?.message === 'string' && json.message ? json.message : 'Too many requests'
    const now = this.now()
    const raw = this.rateLimitDeadline(res.headers, res.text)
    const until = raw > now ? Math.min(raw, now + MAX_RATE_LIMIT_WINDOW_MS) : 0
    if (until > this.blockedUntil) {
      this.blockedUntil = until
      this.blockedError = error
      this.blockedMessage = message
    } else if (this.blockedUntil <= 0) {
      this.blockedError = error
      this.blockedMessage = message
    }
    // CU.claimRateLimitStatistic / sendRateLimitStatistic: one rate_limit_reached event a process,
    // sent at once (not queued); a failed send gives the claim back
    if (error === 'too_many_requests' && this.config.statsUrl && !this.rateLimitStatisticSent) {
      this.rateLimitStatisticSent = true
      void this.sendRateLimitStatistic()
    }
    return { blocked: true, error: this.blockedError, message: this.blockedMessage }
  }

  private rateLimitSends: Promise<unknown>[] = []
  private sendRateLimitStatistic() {
    const event = { ...this.infoObject(), version_name: this.currentBundle.versionName, old_version_name: '', action: 'rate_limit_reached' }
    const p = this.http('POST', this.config.statsUrl, event).then((res) => {
      if (!res || res.status < 200 || res.status > 299) this.rateLimitStatisticSent = false
    })
    this.rateLimitSends.push(p)
    return p
  }

  /** CU.makeJsonRequest: POST a JSON body; the callback map it builds from the answer. */
  private async jsonRequest(url: string, body: unknown): Promise<Answer> {
    const res = await this.http('POST', url, body)
    if (!res) return { error: 'network_error', kind: 'failed', message: 'Request failed' }
    const json = parseObject(res.text)
    if (json && ('error' in json || 'kind' in json)) {
      if (res.status === 429) {
        const rl = this.handleRateLimit(res)
        const out: Answer = {
          error: rl.error || (typeof json.error === 'string' ? json.error : 'too_many_requests'),
          message: rl.message || (typeof json.message === 'string' ? json.message : 'Too many requests'),
          kind: json.kind ?? 'failed',
          statusCode: res.status,
        }
        if (json.version != null) out.version = json.version
        return out
      }
      const out: Answer = { statusCode: res.status }
      if (json.error != null) out.error = json.error
      if (json.kind != null) out.kind = json.kind
      out.message = json.message ?? 'server did not provide a message'
      if (json.version != null) out.version = json.version
      return out // (no `breaking`: the plugin's error map keeps only error, kind, message, version)
    }
    const rl = this.handleRateLimit(res)
    if (rl.blocked) return { error: rl.error, message: rl.message, kind: 'failed', statusCode: res.status }
    if (res.status < 200 || res.status > 299)
      return { error: 'response_error', message: `Server error: ${res.status}`, kind: 'failed', statusCode: res.status }
    if (!json) return { error: 'parse_error', message: 'JSON parse error', kind: 'failed' }
    const out: Answer = { statusCode: res.status }
    for (const [k, v] of Object.entries(json)) out[k === 'session_key' ? 'sessionKey' : k] = v
    return out
  }

  private blockedAnswer(kind = true): Answer {
    this.requests.push({ method: 'SKIP', url: '', status: -1 })
    return { error: this.blockedError, message: this.blockedMessage, ...(kind ? { kind: 'failed' } : {}) }
  }

  // ---- the update check ------------------------------------------------------------------------

  /** CU.getLatest: POST updateUrl with the info object (`channel` replaces defaultChannel); skipped while blocked. */
  async getLatest(channel?: string): Promise<Answer> {
    if (this.isRemoteBlocked()) return this.blockedAnswer()
    const info = this.infoObject()
    if (channel !== undefined) info.defaultChannel = channel
    return this.jsonRequest(this.config.updateUrl, info)
  }

  /**
   * CUP.backgroundDownload with autoUpdate on and directUpdate off (the defaults): check, then
   * download, verify and unzip the bundle and make it the next one (installed on background).
   */
  async checkForUpdate(): Promise<CheckOutcome> {
    const res = await this.getLatest()
    const current = this.currentBundle
    if ('error' in res || 'kind' in res) {
      const kind = normalizeKind(res.kind)
      const error = typeof res.error === 'string' ? res.error : ''
      const message = typeof res.message === 'string' ? res.message : 'server did not provide a message'
      const version = typeof res.version === 'string' ? res.version : undefined
      this.notify('updateCheckResult', { kind, error, message, statusCode: res.statusCode ?? 0, version: version ?? current.versionName })
      this.notifyBreakingIfNeeded(res, version ?? '')
      // CUP.endBackGroundTaskWithNotif: only a failure sends download_fail (with the current bundle's name)
      if (kind === 'failed') {
        this.sendStats('download_fail', current.versionName)
        this.notify('downloadFailed', { version: version ?? current.versionName })
      }
      this.notify('noNeedUpdate', { bundle: current.versionName })
      return { result: kind, error, message, statusCode: Number(res.statusCode ?? 0), ...(version !== undefined ? { version } : {}) }
    }
    const latest = res.version
    if (latest === BUILTIN) {
      // not a direct update: the builtin bundle becomes the next one (CU.setNextBundle sends set_next)
      this.setNextBundle(BUILTIN)
      this.notify('noNeedUpdate', { bundle: current.versionName })
      return { result: 'builtin_next' }
    }
    if (!isValidUrl(res.url)) {
      this.notifyBreakingIfNeeded(res, String(latest ?? ''))
      this.endWithFailure(current.versionName)
      return { result: 'no_url' }
    }
    if (typeof latest !== 'string' || latest === '' || latest === current.versionName) {
      this.notify('noNeedUpdate', { bundle: current.versionName })
      return { result: 'no_need' }
    }
    const known = [...this.bundles.values()].find((b) => b.versionName === latest && b.id !== BUILTIN) // CU.getBundleInfoByName
    if (known) {
      if (known.status === 'error') {
        this.endWithFailure(current.versionName)
        return { result: 'bundle_in_error', version: latest }
      }
      if (known.status !== 'downloading' && known.status !== 'deleted') {
        this.notify('updateAvailable', { bundle: latest })
        this.setNextBundle(known.id)
        return { result: 'already_downloaded', version: latest }
      }
      if (known.status === 'deleted') this.bundles.delete(known.id)
    }
    const sessionKey = typeof res.sessionKey === 'string' ? res.sessionKey : ''
    const checksum = typeof res.checksum === 'string' ? res.checksum : ''
    const ok = await this.downloadBackground(res.url, latest, sessionKey, checksum)
    return ok ? { result: 'downloaded', version: latest } : { result: 'download_failed', version: latest }
  }

  /** CUP.endBackGroundTaskWithNotif with error: download_fail with the current bundle's name. */
  private endWithFailure(currentName: string) {
    this.sendStats('download_fail', currentName)
    this.notify('downloadFailed', { version: currentName })
    this.notify('noNeedUpdate', { bundle: currentName })
  }

  /** CUP.shouldNotifyBreakingEvents: `breaking: true`, or the major block's error code. */
  private notifyBreakingIfNeeded(res: Answer, version: string) {
    const breaking = res.breaking === true || res.error === 'disable_auto_update_to_major' || res.message === 'store_update_required'
    if (!breaking || !version) return
    for (const name of ['breakingAvailable', 'majorAvailable']) this.notify(name, { version })
  }

  /**
   * CU.downloadBackground (DownloadService for a whole zip) then CU.finishDownload: progress stats,
   * session key and checksum requirements, SHA-256 of the downloaded file, unzip, then set next.
   */
  private async downloadBackground(url: string, version: string, sessionKey: string, checksum: string): Promise<boolean> {
    const id = `sim${String(++this.bundleSeq).padStart(7, '0')}` // CU.randomString(10)
    this.bundles.set(id, { id, versionName: version, status: 'downloading', checksum: '', files: [] })
    this.notifyDownload(id, 0)
    this.notifyDownload(id, 5)
    let lastPercent = 0
    let bytes: Uint8Array
    try {
      bytes = await this.fetchBytes(url, (written, total) => {
        // DownloadService.calcTotalPercent: 10…70 while bytes arrive, reported every 10 points
        const percent = Math.min(70, Math.max(10, total > 0 ? Math.floor((written / total) * 100) : 10))
        if (percent >= lastPercent + 10) {
          lastPercent = Math.floor(percent / 10) * 10
          this.notifyDownload(id, lastPercent)
        }
      })
    } catch {
      // the download worker failed: CU.download observer (FAILED) saves the bundle in error
      this.bundles.set(id, { id, versionName: version, status: 'error', checksum: '', files: [] })
      this.sendStats('download_fail', version)
      this.notify('downloadFailed', { version })
      return false
    }
    return this.finishDownload(id, version, sessionKey, checksum, bytes)
  }

  /** DownloadService: GET the zip (trusting `ca` for https), reporting progress as bytes arrive. */
  private fetchBytes(url: string, progress: (written: number, total: number) => void): Promise<Uint8Array> {
    return new Promise((resolve, reject) => {
      const get = url.startsWith('https:') ? https.get : http.get
      const req = get(url, { ca: this.ca, timeout: HTTP_TIMEOUT_MS }, (res) => {
        this.requests.push({ method: 'GET', url, status: res.statusCode ?? 0 })
        if (res.statusCode !== 200 && res.statusCode !== 206) {
          res.resume()
          reject(new Error(`download answered ${res.statusCode}`))
          return
        }
        const total = Number(res.headers['content-length'] ?? 0)
        const chunks: Buffer[] = []
        let written = 0
        res.on('data', (c: Buffer) => {
          chunks.push(c)
          written += c.length
          progress(written, total)
        })
        res.on('end', () => resolve(Buffer.concat(chunks)))
        res.on('error', reject)
      })
      req.on('timeout', () => req.destroy(new Error('timeout')))
      req.on('error', (e) => {
        this.requests.push({ method: 'GET', url, status: 0 })
        reject(e)
      })
    })
  }

  /** CU.finishDownload (a whole zip; manifest downloads are not modelled). */
  private finishDownload(id: string, version: string, sessionKey: string, checksumRes: string, bytes: Uint8Array): boolean {
    const fail = () => {
      // the catch of finishDownload, then the worker observer's finish_download_fail
      this.bundles.set(id, { id, versionName: version, status: 'error', checksum: '', files: [] })
      this.notify('downloadFailed', { version })
      this.sendStats('download_fail')
      this.sendStats('finish_download_fail', version)
      return false
    }
    // CU.requireSessionKeyForEncryptedUpdate: a configured public key needs an encrypted bundle
    if (this.config.publicKey && !sessionKey) {
      this.sendStats('session_key_required')
      return fail()
    }
    this.notifyDownload(id, 71)
    // CU.requireBundleChecksum
    if (!checksumRes) {
      this.sendStats('checksum_required')
      return fail()
    }
    if (sessionKey) throw new Error('encrypted bundles (session_key) are not modelled by the simulator')
    // CryptoCipher.calcChecksum: lowercase hex SHA-256 of the downloaded file, compared as a string
    const checksum = createHash('sha256').update(bytes).digest('hex')
    if (checksum !== checksumRes) {
      this.sendStats('checksum_fail')
      return fail()
    }
    let files: string[]
    try {
      this.notifyDownload(id, 75) // CU.unzip start
      files = Object.keys(unzipSync(bytes))
      this.notifyDownload(id, 90) // CU.unzip progress reaches 90
    } catch {
      this.sendStats('unzip_fail')
      return fail()
    }
    this.notifyDownload(id, 91)
    this.bundles.set(id, { id, versionName: version, status: 'pending', checksum, files })
    this.notifyDownload(id, 100)
    this.notify('updateAvailable', { bundle: version })
    this.setNextBundle(id)
    return true
  }

  /** CUP.notifyDownload: download_<n> stats every 10 points (never lower than the last), download_complete at 100. */
  private notifyDownload(id: string, percent: number) {
    const bundle = this.bundles.get(id)!
    this.notify('download', { percent, bundle: bundle.versionName })
    if (percent === 100) {
      this.notify('downloadComplete', { bundle: bundle.versionName })
      this.sendStats('download_complete', bundle.versionName)
      this.lastNotifiedStatPercent = 100
    } else {
      const stat = Math.floor(percent / 10) * 10
      if (stat > this.lastNotifiedStatPercent) {
        this.sendStats(`download_${stat}`, bundle.versionName)
        this.lastNotifiedStatPercent = stat
      }
    }
  }

  /** CU.setNextBundle: set_next (new name, current name). */
  private setNextBundle(id: string) {
    const bundle = this.bundles.get(id)
    if (!bundle) return
    this.next = id
    if (id !== BUILTIN) bundle.status = 'pending'
    this.sendStats('set_next', bundle.versionName, this.currentBundle.versionName)
    this.notify('setNext', { bundle: bundle.versionName })
  }

  // ---- app lifecycle -----------------------------------------------------------------------------

  /**
   * The app process starts (CUP.load): defaultChannel is the persisted setChannel choice, else the
   * config's; the per-process state starts afresh (the Retry-After block, the rate-limit statistic's
   * claim, the download percent); the stats queue was persisted (CU.restorePendingStats). Then
   * app_launch_start and the foreground check.
   */
  async launch(): Promise<CheckOutcome> {
    this.defaultChannel = this.persistedChannel ?? this.config.defaultChannel
    this.blockedUntil = 0
    this.rateLimitStatisticSent = false
    this.lastNotifiedStatPercent = 0
    this.launchReadyReported = false
    this.launchTimeoutReported = false
    this.sendStats('app_launch_start', this.currentBundle.versionName, '', { launch_started_at: String(this.now()), source: 'plugin_load' })
    this.bootCurrentBundle()
    return this.checkForUpdate()
  }

  /** CUP.appMovedToForeground: app_moved_to_foreground, then an update check. */
  async appMovedToForeground(): Promise<CheckOutcome> {
    this.sendStats('app_moved_to_foreground', this.currentBundle.versionName)
    return this.checkForUpdate()
  }

  /** CUP.appMovedToBackground: app_moved_to_background, then CUP.installNext (set the next bundle and reload). */
  appMovedToBackground() {
    this.sendStats('app_moved_to_background', this.currentBundle.versionName)
    const next = this.nextBundle
    if (!next || next.status === 'error' || next.id === this.current) return
    if (next.id === BUILTIN) {
      // CU.set(builtin) → CU.reset: reset (builtin, previous name)
      const previous = this.currentBundle.versionName
      this.current = BUILTIN
      this.fallback = BUILTIN
      this.next = null
      this.sendStats('reset', BUILTIN, previous)
    } else {
      // CU.set: set (new name, previous name), the bundle pending until notifyAppReady
      const previous = this.currentBundle.versionName
      this.current = next.id
      next.status = 'pending'
      this.next = null
      this.sendStats('set', next.versionName, previous)
    }
    this.notify('set', { bundle: this.currentBundle.versionName })
    this.bootCurrentBundle()
  }

  /**
   * The reloaded bundle boots: its JS calls notifyAppReady (the `appReady` option says whether it
   * does), else the appReadyTimeout fires CUP.checkRevert. The timer is a step here, not a wait.
   */
  private bootCurrentBundle() {
    const current = this.currentBundle
    if (current.id === BUILTIN) {
      if (this.appReady(BUILTIN)) this.notifyAppReady()
      return
    }
    if (current.status === 'success') {
      this.notifyAppReady()
      return
    }
    if (this.appReady(current.versionName)) this.notifyAppReady()
    else this.checkRevert()
  }

  /** CUP.notifyAppReady → CU.setSuccess (the bundle becomes the fallback; the previous fallback is deleted) + app_launch_ready. */
  notifyAppReady() {
    const current = this.currentBundle
    if (current.id !== BUILTIN) {
      current.status = 'success'
      const previous = this.bundles.get(this.fallback)
      if (previous && previous.id !== BUILTIN && previous.id !== current.id && previous.id !== this.next) {
        this.bundles.delete(previous.id)
        this.sendStats('delete', previous.versionName) // CU.delete
      }
      this.fallback = current.id
    }
    if (!this.launchReadyReported && !this.launchTimeoutReported) {
      this.launchReadyReported = true
      this.sendStats('app_launch_ready', current.versionName, '', { source: 'notify_app_ready' })
    }
  }

  /** CUP.checkRevert: notifyAppReady never came: update_fail, the bundle in error, back to the fallback. */
  private checkRevert() {
    const failed = this.currentBundle
    if (failed.id === BUILTIN || failed.status === 'success') return
    this.notify('updateFailed', { bundle: failed.versionName })
    if (!this.launchTimeoutReported && !this.launchReadyReported) {
      this.launchTimeoutReported = true
      this.sendStats('app_launch_timeout', failed.versionName, '', { source: 'app_ready_timeout' })
    }
    this.sendStats('update_fail', failed.versionName)
    failed.status = 'error'
    // CUP.performReset(toLastSuccessful, internal): to the fallback (CU.set sends set with the builtin as
    // the old name, the reset state having switched to builtin first), else to builtin with no stat
    const fallback = this.bundles.get(this.fallback)
    this.current = BUILTIN
    if (fallback && fallback.id !== BUILTIN) {
      this.current = fallback.id
      this.sendStats('set', fallback.versionName, BUILTIN)
    }
    this.next = null
    // autoDeleteFailed (default true): the failed bundle is deleted; its info stays, in error
  }

  // ---- channels ----------------------------------------------------------------------------------

  /**
   * CU.setChannel: refused by allowSetDefaultChannel=false, skipped while blocked; POST channelUrl
   * {info, channel}. ok → the channel is kept locally (the next info objects send it as
   * defaultChannel); `unset: true` → the local choice is cleared (back to the config's).
   */
  async setChannel(channel: string): Promise<Answer> {
    if (!this.config.allowSetDefaultChannel) return { error: 'disabled_by_config', message: 'setChannel is disabled by configuration' }
    if (this.isRemoteBlocked()) return this.blockedAnswer(false)
    const res = await this.jsonRequest(this.config.channelUrl, { ...this.infoObject(), channel })
    if ('error' in res) {
      // CUP.setChannel: channelPrivate for a channel that refuses self-assignment
      const code = String(res.error)
      if (code.includes('cannot_update_via_private_channel') || code.includes('channel_self_set_not_allowed'))
        this.notify('channelPrivate', { channel, message: res.message })
      return res
    }
    if (res.unset === true) {
      this.persistedChannel = undefined
      this.defaultChannel = this.config.defaultChannel
    } else {
      this.persistedChannel = channel
      this.defaultChannel = channel
    }
    return res
  }

  /** CU.unsetChannel: no request at all: the persisted choice is removed, back to the config's defaultChannel. */
  async unsetChannel(): Promise<Answer> {
    this.persistedChannel = undefined
    this.defaultChannel = this.config.defaultChannel
    return { status: 'ok', message: 'Channel override removed' }
  }

  /**
   * CU.getChannel: PUT channelUrl with the info object. 400 channel_not_found → the local
   * defaultChannel (when there is one); an answered channel (not builtin) is persisted locally
   * (CU.persistDefaultChannelFromResponse).
   */
  async getChannel(): Promise<Answer> {
    if (this.isRemoteBlocked()) return this.blockedAnswer(false)
    const res = await this.http('PUT', this.config.channelUrl, this.infoObject())
    if (!res) return { error: 'network_error', message: 'Request failed' }
    const rl = this.handleRateLimit(res)
    if (rl.blocked) return { error: rl.error, message: rl.message }
    if (res.status === 400 && res.text.includes('channel_not_found') && this.defaultChannel)
      return { channel: this.defaultChannel, status: 'default' }
    if (res.status < 200 || res.status > 299) return { error: 'response_error', message: `Server error: ${res.status}` }
    if (!res.text) return { error: 'no_response_body', message: 'Empty response body' }
    const json = parseObject(res.text)
    if (!json) return { error: 'parse_error', message: 'JSON parse error' }
    if ('error' in json) return { error: json.error, message: json.message ?? 'server did not provide a message' }
    const channel = typeof json.channel === 'string' ? json.channel.trim() : ''
    if (channel && channel !== BUILTIN) {
      this.defaultChannel = channel
      this.persistedChannel = channel
    }
    return { ...json }
  }

  /** CU.listChannels: GET channelUrl with the info object as query parameters; a bare array of channels (integer ids). */
  async listChannels(): Promise<Answer> {
    if (this.isRemoteBlocked()) return this.blockedAnswer(false)
    const url = new URL(this.config.channelUrl)
    for (const [k, v] of Object.entries(this.infoObject())) if (v != null) url.searchParams.append(k, String(v))
    const res = await this.http('GET', url.toString())
    if (!res) return { error: 'network_error', message: 'Request failed' }
    const rl = this.handleRateLimit(res)
    if (rl.blocked) return { error: rl.error, message: rl.message }
    if (res.status < 200 || res.status > 299) return { error: 'response_error', message: `Server error: ${res.status}` }
    if (!res.text) return { error: 'no_response_body', message: 'Empty response body' }
    let data: unknown
    try {
      data = JSON.parse(res.text)
    } catch {
      return { error: 'parse_error', message: 'JSON parse error' }
    }
    // CU.parseListChannelsResponse: ids must be numbers
    if (Array.isArray(data)) {
      if (data.some((c) => typeof c?.id !== 'number')) return { error: 'parse_error', message: 'Channel id must be a number' }
      return {
        channels: data.map((c) => ({ id: c.id, name: c.name ?? '', public: c.public === true, allow_self_set: c.allow_self_set === true })),
      }
    }
    const obj = data && typeof data === 'object' ? (data as Record<string, unknown>) : undefined
    if (obj && 'error' in obj) return { error: obj.error, message: obj.message ?? 'server did not provide a message' }
    return { error: 'parse_error', message: 'Unexpected channels response format' }
  }

  // ---- stats -------------------------------------------------------------------------------------

  /** CU.sendStats: the info object plus action, names, timestamp and metadata, queued (≤ 200, oldest dropped). */
  sendStats(action: string, versionName = this.currentBundle.versionName, oldVersionName = '', metadata?: Record<string, string>) {
    if (!this.config.statsUrl) return
    const event = {
      ...this.infoObject(),
      version_name: versionName,
      old_version_name: oldVersionName,
      action,
      timestamp: this.now(),
      ...(metadata && Object.keys(metadata).length ? { metadata } : {}),
    } as StatsEvent
    while (this.statsQueue.length >= MAX_PENDING_STATS) this.statsQueue.shift()
    this.statsQueue.push(event)
  }

  /**
   * CU.flushStatsQueue (the plugin runs it every second): the whole queue in one POST. 2xx → sent;
   * 429 → requeued and blocked until Retry-After; 408/5xx/network error → requeued (retried on the next
   * flush); any other status → the batch is dropped (CU.isTransientStatsFailure).
   */
  async flushStats(): Promise<'empty' | 'deferred' | 'sent' | 'requeued' | 'dropped'> {
    await Promise.all(this.rateLimitSends.splice(0))
    if (!this.statsQueue.length) return 'empty'
    if (this.isRemoteBlocked()) return 'deferred'
    if (!this.config.statsUrl) {
      this.statsQueue = []
      return 'empty'
    }
    const batch = this.statsQueue
    this.statsQueue = []
    const res = await this.http('POST', this.config.statsUrl, batch)
    const requeue = () => {
      this.statsQueue = [...batch, ...this.statsQueue]
      while (this.statsQueue.length > MAX_PENDING_STATS) this.statsQueue.shift()
      return 'requeued' as const
    }
    if (!res) return requeue()
    if (this.handleRateLimit(res).blocked) return requeue()
    if (res.status >= 200 && res.status <= 299) {
      this.acknowledged.push(...batch)
      this.statsAnswers.push(parseJson(res.text))
      return 'sent'
    }
    if (res.status === 429 || res.status === 408 || res.status >= 500) return requeue()
    this.dropped.push(...batch)
    return 'dropped'
  }

  private notify(name: string, data: Record<string, unknown>) {
    this.events.push({ name, data })
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

function parseObject(text: string): Record<string, unknown> | undefined {
  const v = parseJson(text)
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined
}
