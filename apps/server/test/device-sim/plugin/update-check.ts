// Reading the /updates answer (CUP.backgroundDownload with autoUpdate on and directUpdate off, the
// defaults): what the plugin notifies, records and downloads for each kind of answer.
import type { Downloader } from './download.ts'
import { type Answer, BUILTIN, type BundleInfo, type CheckOutcome, type DeviceHooks } from './types.ts'

/** What the update check reads on the device. */
export interface UpdateCheckDevice {
  readonly currentBundle: BundleInfo
  readonly bundles: Map<string, BundleInfo>
  getLatest(): Promise<Answer>
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

/** CUP.normalizedUpdateResponseKind: anything but the three known kinds counts as failed. */
const normalizeKind = (kind: unknown) => (kind === 'up_to_date' || kind === 'blocked' || kind === 'failed' ? kind : 'failed')

/**
 * CUP.backgroundDownload with autoUpdate on and directUpdate off (the defaults): check, then
 * download, verify and unzip the bundle and make it the next one (installed on background).
 */
export async function checkForUpdate(device: UpdateCheckDevice, d: DeviceHooks, downloader: Downloader): Promise<CheckOutcome> {
  const res = await device.getLatest()
  const current = device.currentBundle
  if ('error' in res || 'kind' in res) {
    const kind = normalizeKind(res.kind)
    const error = typeof res.error === 'string' ? res.error : ''
    const message = typeof res.message === 'string' ? res.message : 'server did not provide a message'
    const version = typeof res.version === 'string' ? res.version : undefined
    d.notify('updateCheckResult', { kind, error, message, statusCode: res.statusCode ?? 0, version: version ?? current.versionName })
    notifyBreakingIfNeeded(d, res, version ?? '')
    // CUP.endBackGroundTaskWithNotif: only a failure sends download_fail (with the current bundle's name)
    if (kind === 'failed') {
      d.sendStats('download_fail', current.versionName)
      d.notify('downloadFailed', { version: version ?? current.versionName })
    }
    d.notify('noNeedUpdate', { bundle: current.versionName })
    return { result: kind, error, message, statusCode: Number(res.statusCode ?? 0), ...(version !== undefined ? { version } : {}) }
  }
  const latest = res.version
  if (latest === BUILTIN) {
    // not a direct update: the builtin bundle becomes the next one (CU.setNextBundle sends set_next)
    d.setNext(BUILTIN)
    d.notify('noNeedUpdate', { bundle: current.versionName })
    return { result: 'builtin_next' }
  }
  if (!isValidUrl(res.url)) {
    notifyBreakingIfNeeded(d, res, String(latest ?? ''))
    endWithFailure(d, current.versionName)
    return { result: 'no_url' }
  }
  if (typeof latest !== 'string' || latest === '' || latest === current.versionName) {
    d.notify('noNeedUpdate', { bundle: current.versionName })
    return { result: 'no_need' }
  }
  const known = [...device.bundles.values()].find((b) => b.versionName === latest && b.id !== BUILTIN) // CU.getBundleInfoByName
  if (known) {
    if (known.status === 'error') {
      endWithFailure(d, current.versionName)
      return { result: 'bundle_in_error', version: latest }
    }
    if (known.status !== 'downloading' && known.status !== 'deleted') {
      d.notify('updateAvailable', { bundle: latest })
      d.setNext(known.id)
      return { result: 'already_downloaded', version: latest }
    }
    if (known.status === 'deleted') device.bundles.delete(known.id)
  }
  const sessionKey = typeof res.sessionKey === 'string' ? res.sessionKey : ''
  const checksum = typeof res.checksum === 'string' ? res.checksum : ''
  const ok = await downloader.download(res.url, latest, sessionKey, checksum)
  return ok ? { result: 'downloaded', version: latest } : { result: 'download_failed', version: latest }
}

/** CUP.endBackGroundTaskWithNotif with error: download_fail with the current bundle's name. */
function endWithFailure(d: DeviceHooks, currentName: string) {
  d.sendStats('download_fail', currentName)
  d.notify('downloadFailed', { version: currentName })
  d.notify('noNeedUpdate', { bundle: currentName })
}

/** CUP.shouldNotifyBreakingEvents: `breaking: true`, or the major block's error code. */
function notifyBreakingIfNeeded(d: DeviceHooks, res: Answer, version: string) {
  const breaking = res.breaking === true || res.error === 'disable_auto_update_to_major' || res.message === 'store_update_required'
  if (!breaking || !version) return
  for (const name of ['breakingAvailable', 'majorAvailable']) d.notify(name, { version })
}
