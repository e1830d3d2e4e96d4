// One simulated device: the app's lifecycle (CUP.load, the foreground and background hooks,
// notifyAppReady, checkRevert), wired to the concern modules beside it.
import { BundleStore } from './bundles.ts'
import { Channels } from './channels.ts'
import { Downloader } from './download.ts'
import { infoObjectOf, keyIdOf } from './info.ts'
import { StatsQueue } from './stats-queue.ts'
import { Transport } from './transport.ts'
import {
  type Answer,
  BUILTIN,
  type BundleInfo,
  type CheckOutcome,
  type DeviceHooks,
  type DeviceOptions,
  type NativeApp,
  type RequestLog,
  type ResolvedConfig,
  type StatsEvent,
} from './types.ts'
import { checkForUpdate } from './update-check.ts'

export class SimDevice {
  readonly deviceId: string
  readonly native: NativeApp
  readonly config: ResolvedConfig
  customId = ''
  private readonly cachedKeyId: string
  private readonly now: () => number
  private readonly appReady: (versionName: string) => boolean

  // bundles on disk (CU.getBundleInfo / saveBundleInfo); "builtin" is always there
  readonly bundles: Map<string, BundleInfo>
  private readonly store: BundleStore

  private readonly transport: Transport
  private readonly stats: StatsQueue
  private readonly channels: Channels
  private readonly downloader: Downloader
  private readonly hooks: DeviceHooks
  /** events of batches the server answered 2xx (what it acknowledged) */
  readonly acknowledged: StatsEvent[]
  /** events of batches dropped on a permanent (4xx) answer */
  readonly dropped: StatsEvent[]
  /** the parsed bodies of the 2xx /stats answers */
  readonly statsAnswers: unknown[]
  /** every request made (or skipped by the remote block) */
  readonly requests: RequestLog[]

  private launchReadyReported = false
  private launchTimeoutReported = false

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
    this.cachedKeyId = this.config.publicKey ? keyIdOf(this.config.publicKey) : ''
    this.now = opts.now ?? Date.now
    this.appReady = opts.appReady ?? (() => true)

    this.hooks = {
      notify: (name, data) => this.notify(name, data),
      sendStats: (...args) => this.sendStats(...args),
      setNext: (id) => this.store.setNext(id),
    }
    this.store = new BundleStore(this.hooks)
    this.bundles = this.store.all
    this.transport = new Transport({
      now: this.now,
      statsUrl: this.config.statsUrl,
      rateLimitEvent: () => ({
        ...this.infoObject(),
        version_name: this.currentBundle.versionName,
        old_version_name: '',
        action: 'rate_limit_reached',
      }),
    })
    this.requests = this.transport.requests
    this.stats = new StatsQueue(this.transport, this.config.statsUrl)
    this.acknowledged = this.stats.acknowledged
    this.dropped = this.stats.dropped
    this.statsAnswers = this.stats.answers
    const infoObject = () => this.infoObject()
    this.channels = new Channels({ config: this.config, transport: this.transport, infoObject, notify: this.hooks.notify })
    this.downloader = new Downloader({
      bundles: this.bundles,
      requests: this.requests,
      ca: opts.ca,
      publicKey: this.config.publicKey,
      hooks: this.hooks,
    })
  }

  // ---- state the tests read ------------------------------------------------------------------

  /** CU.defaultChannel: the persisted setChannel choice, else the config's */
  get defaultChannel(): string {
    return this.channels.current
  }
  set defaultChannel(channel: string) {
    this.channels.current = channel
  }
  get currentBundle(): BundleInfo {
    return this.store.currentBundle
  }
  get nextBundle(): BundleInfo | undefined {
    return this.store.nextBundle
  }
  get pendingStats(): readonly StatsEvent[] {
    return this.stats.pending
  }
  get remoteBlockedUntil(): number {
    return this.transport.remoteBlockedUntil
  }
  eventsNamed(name: string) {
    return this.events.filter((e) => e.name === name)
  }

  /** CU.createInfoObject: the fields every device request carries. */
  infoObject(): Record<string, unknown> {
    return infoObjectOf({
      native: this.native,
      deviceId: this.deviceId,
      appId: this.config.appId,
      customId: this.customId,
      versionName: this.currentBundle.versionName,
      defaultChannel: this.defaultChannel,
      keyId: this.cachedKeyId,
    })
  }

  /** CU.isRemoteBlocked: a Retry-After still running; an expired one is cleared. */
  isRemoteBlocked(): boolean {
    return this.transport.isRemoteBlocked()
  }

  // ---- the update check ------------------------------------------------------------------------

  /** CU.getLatest: POST updateUrl with the info object (`channel` replaces defaultChannel); skipped while blocked. */
  async getLatest(channel?: string): Promise<Answer> {
    if (this.transport.isRemoteBlocked()) return this.transport.blockedAnswer()
    const info = this.infoObject()
    if (channel !== undefined) info.defaultChannel = channel
    return this.transport.jsonRequest(this.config.updateUrl, info)
  }

  /** CUP.backgroundDownload (see update-check.ts). */
  async checkForUpdate(): Promise<CheckOutcome> {
    return checkForUpdate(this, this.hooks, this.downloader)
  }

  // ---- app lifecycle -----------------------------------------------------------------------------

  /**
   * The app process starts (CUP.load): defaultChannel is the persisted setChannel choice, else the
   * config's; the per-process state starts afresh (the Retry-After block, the rate-limit statistic's
   * claim, the download percent); the stats queue was persisted (CU.restorePendingStats). Then
   * app_launch_start and the foreground check.
   */
  async launch(): Promise<CheckOutcome> {
    this.channels.startProcess()
    this.transport.startProcess()
    this.downloader.startProcess()
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
    if (!this.store.installNext()) return
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
    this.store.setSuccess()
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
    this.store.resetToFallback()
    // autoDeleteFailed (default true): the failed bundle is deleted; its info stays, in error
  }

  // ---- channels (channels.ts) --------------------------------------------------------------------

  /** CU.setChannel */
  setChannel(channel: string): Promise<Answer> {
    return this.channels.set(channel)
  }
  /** CU.unsetChannel */
  unsetChannel(): Promise<Answer> {
    return this.channels.unset()
  }
  /** CU.getChannel */
  getChannel(): Promise<Answer> {
    return this.channels.get()
  }
  /** CU.listChannels */
  listChannels(): Promise<Answer> {
    return this.channels.list()
  }

  // ---- stats (stats-queue.ts) --------------------------------------------------------------------

  /** CU.sendStats: the info object plus action, names, timestamp and metadata, queued (≤ 200, oldest dropped). */
  sendStats(action: string, versionName = this.currentBundle.versionName, oldVersionName = '', metadata?: Record<string, string>) {
    if (!this.config.statsUrl) return
    this.stats.push({
      ...this.infoObject(),
      version_name: versionName,
      old_version_name: oldVersionName,
      action,
      timestamp: this.now(),
      ...(metadata && Object.keys(metadata).length ? { metadata } : {}),
    } as StatsEvent)
  }

  /** CU.flushStatsQueue (see stats-queue.ts). */
  flushStats() {
    return this.stats.flush()
  }

  private notify(name: string, data: Record<string, unknown>) {
    this.events.push({ name, data })
  }
}
