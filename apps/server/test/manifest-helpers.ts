// Partial updates in tests: real zips of web bundles (yazl, fixed timestamps and seeded contents),
// and a small model of how @capgo/capacitor-updater 8.51.23 downloads a manifest, so a test can
// count the bytes a device fetches. Behaviour is modelled from the Android source
// (android/src/main/java/ee/forgr/capacitor_updater/), named per method; no code is copied.
import { createHash } from 'node:crypto'
import { buffer } from 'node:stream/consumers'
import yazl from 'yazl'

export const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex')

/** Deterministic bytes: a SHA-256 counter stream of `seed`. */
export function seededBytes(seed: string, n: number): Buffer {
  const out = Buffer.alloc(n)
  for (let i = 0, block = 0; i < n; block++) {
    const h = createHash('sha256').update(`${seed}:${block}`).digest()
    i += h.copy(out, i)
  }
  return out
}

/** A zip of `files` (path → bytes), every entry under `root` ('' or `folder/`), deflated, fixed mtime. */
export async function zipOf(files: Record<string, Buffer | string>, root = ''): Promise<Buffer> {
  const zip = new yazl.ZipFile()
  const mtime = new Date('2026-01-01T00:00:00Z')
  for (const [name, body] of Object.entries(files)) zip.addBuffer(Buffer.from(body), root + name, { mtime, compress: true })
  zip.end()
  return buffer(zip.outputStream)
}

/**
 * A web bundle of `count` files (index.html plus assets in folders): half are text (compressible,
 * like minified JS and CSS), half binary (like images and fonts), 1–12 KiB each, from `seed`.
 */
export function webBundle(seed: string, count: number): Record<string, Buffer> {
  const files: Record<string, Buffer> = {
    'index.html': Buffer.from(`<!doctype html><title>${seed}</title><script src="assets/js/0.js"></script>`),
  }
  for (let i = 1; i < count; i++) {
    const size = 1024 + (seededBytes(`${seed}:size:${i}`, 2).readUInt16BE(0) % (11 * 1024))
    const raw = seededBytes(`${seed}:file:${i}`, size)
    files[i % 2 ? `assets/js/${i}.js` : `assets/img/${i}.png`] = i % 2 ? Buffer.from(raw.toString('base64').slice(0, size)) : raw
  }
  return files
}

export interface ManifestEntry {
  file_name: string
  file_hash: string
  download_url: string
}

/** A path the plugin refuses (CapgoUpdater.resolvePathInsideDirectory). */
const unsafePath = (name: string) =>
  !name || name.includes('\\') || name.includes('\0') || name.startsWith('/') || name.split('/').some((s) => s === '..' || s === '.')

/**
 * One device's files and its manifest download. `builtin` is the bundle shipped in the binary
 * (files/public, which DownloadService.resolveManifestBuiltinFile reads); `cache` the
 * capgo_downloads folder, one file per SHA-256 (CapgoUpdater.cacheBundleFilesAsync fills it with
 * the files of every bundle the device installed).
 */
export class ManifestDevice {
  readonly builtin = new Map<string, Buffer>()
  readonly cache = new Map<string, Buffer>()
  /** bytes received from download URLs */
  bytesDownloaded = 0
  /** download URLs fetched */
  readonly fetched: string[] = []

  constructor(builtin: Record<string, Buffer> = {}) {
    for (const [name, body] of Object.entries(builtin)) this.builtin.set(name, body)
  }

  /** CapgoUpdater.isManifestEntryAvailableLocally: the builtin file at that path, or a cached file of that hash. */
  private available(e: ManifestEntry) {
    if (!e.file_name || !e.file_hash) return false
    const b = this.builtin.get(e.file_name)
    if (b && sha256(b) === e.file_hash.toLowerCase()) return true
    return this.cache.has(e.file_hash.toLowerCase())
  }

  /** CapgoUpdater.getMissingBundleFiles: the entries it must fetch. */
  missing(manifest: ManifestEntry[]) {
    return manifest.filter((e) => !this.available(e))
  }

  /**
   * DownloadService.handleManifestDownload: every entry must have a hash and a safe, distinct path
   * (else the whole download fails); each file comes from builtin, the cache, or its download_url
   * (DownloadService.downloadAndVerify: 200/206, then the SHA-256 must match); then the bundle's
   * files join the cache (CapgoUpdater.cacheBundleFilesAsync). Returns the bundle's files.
   */
  async download(manifest: ManifestEntry[]): Promise<Map<string, Buffer>> {
    const seen = new Set<string>()
    for (const e of manifest) {
      if (!e.file_hash) throw new Error(`missing file_hash for ${e.file_name}`)
      if (unsafePath(e.file_name)) throw new Error(`manifest_path_fail: ${e.file_name}`)
      if (e.file_name.endsWith('.br')) throw new Error('brotli entries are not modelled')
      if (seen.has(e.file_name)) throw new Error(`duplicate manifest target: ${e.file_name}`)
      seen.add(e.file_name)
    }
    const out = new Map<string, Buffer>()
    for (const e of manifest) {
      const hash = e.file_hash.toLowerCase()
      const b = this.builtin.get(e.file_name)
      if (b && sha256(b) === hash) out.set(e.file_name, b)
      else if (this.cache.has(hash)) out.set(e.file_name, this.cache.get(hash)!)
      else {
        this.fetched.push(e.download_url)
        const res = await fetch(e.download_url)
        if (res.status !== 200 && res.status !== 206) throw new Error(`download_manifest_file_fail: ${e.file_name} answered ${res.status}`)
        const body = Buffer.from(await res.arrayBuffer())
        this.bytesDownloaded += body.length
        if (sha256(body) !== hash) throw new Error(`download_manifest_checksum_fail: ${e.file_name}`)
        out.set(e.file_name, body)
      }
    }
    for (const body of out.values()) this.cache.set(sha256(body), body)
    return out
  }
}
