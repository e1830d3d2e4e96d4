// A bundle's download (CU.downloadBackground, DownloadService, CU.finishDownload): progress stats,
// the session key and checksum requirements, SHA-256 of the downloaded file, unzip, then set next.
import { createHash } from 'node:crypto'
import http from 'node:http'
import https from 'node:https'
import { unzipSync } from 'fflate'
import { type BundleInfo, type DeviceHooks, HTTP_TIMEOUT_MS, type RequestLog } from './types.ts'

export interface DownloaderOptions {
  /** the device's bundles on disk */
  bundles: Map<string, BundleInfo>
  /** the device's request log */
  requests: RequestLog[]
  /** certificates trusted for https downloads, besides the system's */
  ca: string | undefined
  /** the configured public key ("" for none) */
  publicKey: string
  hooks: DeviceHooks
}

export class Downloader {
  private bundleSeq = 0
  // CUP.lastNotifiedStatPercent: never reset after a download reaches 100 (a later download only reports download_complete)
  private lastNotifiedStatPercent = 0

  constructor(private readonly opts: DownloaderOptions) {}

  /** A new app process: the download percent starts afresh. */
  startProcess() {
    this.lastNotifiedStatPercent = 0
  }

  /**
   * CU.downloadBackground (DownloadService for a whole zip) then CU.finishDownload: progress stats,
   * session key and checksum requirements, SHA-256 of the downloaded file, unzip, then set next.
   */
  async download(url: string, version: string, sessionKey: string, checksum: string): Promise<boolean> {
    const { bundles } = this.opts
    const { sendStats, notify } = this.opts.hooks
    const id = `sim${String(++this.bundleSeq).padStart(7, '0')}` // CU.randomString(10)
    bundles.set(id, { id, versionName: version, status: 'downloading', checksum: '', files: [] })
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
      bundles.set(id, { id, versionName: version, status: 'error', checksum: '', files: [] })
      sendStats('download_fail', version)
      notify('downloadFailed', { version })
      return false
    }
    return this.finishDownload(id, version, sessionKey, checksum, bytes)
  }

  /** DownloadService: GET the zip (trusting `ca` for https), reporting progress as bytes arrive. */
  private fetchBytes(url: string, progress: (written: number, total: number) => void): Promise<Uint8Array> {
    const { requests } = this.opts
    return new Promise((resolve, reject) => {
      const get = url.startsWith('https:') ? https.get : http.get
      const req = get(url, { ca: this.opts.ca, timeout: HTTP_TIMEOUT_MS }, (res) => {
        requests.push({ method: 'GET', url, status: res.statusCode ?? 0 })
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
        requests.push({ method: 'GET', url, status: 0 })
        reject(e)
      })
    })
  }

  /** CU.finishDownload (a whole zip; manifest downloads are not modelled). */
  private finishDownload(id: string, version: string, sessionKey: string, checksumRes: string, bytes: Uint8Array): boolean {
    const { bundles } = this.opts
    const { sendStats, notify } = this.opts.hooks
    const fail = () => {
      // the catch of finishDownload, then the worker observer's finish_download_fail
      bundles.set(id, { id, versionName: version, status: 'error', checksum: '', files: [] })
      notify('downloadFailed', { version })
      sendStats('download_fail')
      sendStats('finish_download_fail', version)
      return false
    }
    // CU.requireSessionKeyForEncryptedUpdate: a configured public key needs an encrypted bundle
    if (this.opts.publicKey && !sessionKey) {
      sendStats('session_key_required')
      return fail()
    }
    this.notifyDownload(id, 71)
    // CU.requireBundleChecksum
    if (!checksumRes) {
      sendStats('checksum_required')
      return fail()
    }
    if (sessionKey) throw new Error('encrypted bundles (session_key) are not modelled by the simulator')
    // CryptoCipher.calcChecksum: lowercase hex SHA-256 of the downloaded file, compared as a string
    const checksum = createHash('sha256').update(bytes).digest('hex')
    if (checksum !== checksumRes) {
      sendStats('checksum_fail')
      return fail()
    }
    let files: string[]
    try {
      this.notifyDownload(id, 75) // CU.unzip start
      files = Object.keys(unzipSync(bytes))
      this.notifyDownload(id, 90) // CU.unzip progress reaches 90
    } catch {
      sendStats('unzip_fail')
      return fail()
    }
    this.notifyDownload(id, 91)
    bundles.set(id, { id, versionName: version, status: 'pending', checksum, files })
    this.notifyDownload(id, 100)
    notify('updateAvailable', { bundle: version })
    this.opts.hooks.setNext(id)
    return true
  }

  /** CUP.notifyDownload: download_<n> stats every 10 points (never lower than the last), download_complete at 100. */
  private notifyDownload(id: string, percent: number) {
    const { sendStats, notify } = this.opts.hooks
    const bundle = this.opts.bundles.get(id)!
    notify('download', { percent, bundle: bundle.versionName })
    if (percent === 100) {
      notify('downloadComplete', { bundle: bundle.versionName })
      sendStats('download_complete', bundle.versionName)
      this.lastNotifiedStatPercent = 100
    } else {
      const stat = Math.floor(percent / 10) * 10
      if (stat > this.lastNotifiedStatPercent) {
        sendStats(`download_${stat}`, bundle.versionName)
        this.lastNotifiedStatPercent = stat
      }
    }
  }
}
