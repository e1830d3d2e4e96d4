// Partial (manifest) updates: each file of a hosted, unencrypted bundle is stored once per app by
// its SHA-256 (apps/<app>/files/<sha256>), and /updates lists them so that the 8.x plugin fetches
// only the files it lacks (CapgoUpdater.java downloadBackground with a manifest →
// DownloadService.java handleManifestDownload, which reuses builtin and cached files by hash).
//
// Why per app and not global: deleting an app is one prefix delete of its objects, no tenant can
// learn through timing or URLs whether another tenant holds a file, and reference counts stay
// within one app's rows (indexed by (app_id, file_hash)).
//
// Reference counting: a BundleFile row names a hash; the object goes when no row of the app names
// it. Races are closed by the app's write lock (AppWrites): finalize claims its rows under the
// lock BEFORE it looks for or uploads objects, and a release deletes objects only under the lock
// after seeing no row left, so an object a claimed row names is never deleted behind it.

import { createHash } from 'node:crypto'
import type { Readable } from 'node:stream'
import type { Db } from '@capgo-api/db'
import { LRUCache } from 'lru-cache'
import type yauzl from 'yauzl'
import type { z } from 'zod'
import { ApiError } from '../../errors.ts'
import { fileKey, type Store } from '../../infra/storage/index.ts'
import type { Tx } from '../../infra/tx.ts'
import type { Services } from '../../services.ts'
import type { manifestSizeInput } from '../plugin/schema.ts'
import { bundleRoot, isJunk, openStoredZip } from './zip.ts'

/** One file of a bundle, as /updates lists it. */
export interface ManifestEntry {
  file_name: string
  file_hash: string
  download_url: string
}

// ---- reading a stored zip ---------------------------------------------------------------------

interface OpenZip {
  entries: yauzl.Entry[]
  open(entry: yauzl.Entry): Promise<Readable>
  close(): void
}

async function openZip(store: Store, key: string, size: number): Promise<OpenZip> {
  const zip = await openStoredZip(store, key, size, { autoClose: false })
  const entries: yauzl.Entry[] = []
  try {
    await new Promise<void>((resolve, reject) => {
      zip.on('entry', (e: yauzl.Entry) => {
        entries.push(e)
        zip.readEntry()
      })
      zip.once('end', resolve)
      zip.once('error', reject)
      zip.readEntry()
    })
  } catch (e) {
    zip.close()
    throw e
  }
  return { entries, open: (e) => zip.openReadStreamPromise(e), close: () => zip.close() }
}

// ---- which files a bundle has -----------------------------------------------------------------

/**
 * A path the plugin writes where the zip would have put it: CapgoUpdater.resolvePathInsideDirectory
 * refuses `\`, NUL, `..`/`.` segments and absolute paths; DownloadService.resolveManifestTargetFile
 * strips a trailing `.br` and brotli-decodes such a file, which would change the bundle's layout, so
 * a bundle holding one is served as a zip only.
 */
const isPluginSafe = (name: string) =>
  name.length > 0 &&
  !name.startsWith('/') &&
  !name.includes('\\') &&
  !name.includes('\0') &&
  !name.endsWith('.br') &&
  name.split('/').every((s) => s !== '' && s !== '.' && s !== '..')

export interface ZipFileEntry {
  /** the path inside the bundle (root folder stripped) */
  name: string
  entry: yauzl.Entry
}

/**
 * The files of a bundle's zip under their manifest names, or null when the bundle cannot be served
 * file by file (another layout, a name the plugin would refuse or rewrite, two entries with one
 * name, or more than `maxTotal` bytes once unzipped: a zip bomb is not unpacked into storage).
 */
export function manifestFiles(entries: yauzl.Entry[], maxTotal: number): ZipFileEntry[] | null {
  const root = bundleRoot(entries.map((e) => e.fileName)) // finalize's rule for index.html (SPEC /bundle)
  if (root === null) return null
  const out: ZipFileEntry[] = []
  const seen = new Set<string>()
  let total = 0
  for (const entry of entries) {
    const n = entry.fileName
    if (n.endsWith('/') || isJunk(n) || !n.startsWith(root)) continue // CapgoUpdater.flattenAssets drops what is beside the root folder
    const name = n.slice(root.length)
    if (!isPluginSafe(name) || seen.has(name)) return null
    seen.add(name)
    total += entry.uncompressedSize
    if (total > maxTotal) return null
    out.push({ name, entry })
  }
  return out
}

// ---- finalize: store the files ------------------------------------------------------------------

const sha256Of = async (s: Readable) => {
  const h = createHash('sha256')
  for await (const c of s) h.update(c as Buffer)
  return h.digest('hex')
}

/** Runs `fn` over `items`, `n` at a time. */
async function eachLimit<T>(items: T[], n: number, fn: (item: T) => Promise<void>) {
  let next = 0
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]!)
    }),
  )
}

/** How many entries are read or written at once. */
const CONCURRENCY = 4
/** Unzipped bytes a bundle may take in per-file storage, as a multiple of BUNDLE_MAX_BYTES. */
const MAX_EXPANSION = 4

export interface StoredFiles {
  /** files listed for the bundle (0: it is served as a zip only) */
  files: number
  /** objects this call wrote (the others were already stored for the app) */
  uploaded: number
  /** bytes of the objects it wrote */
  uploadedBytes: number
}

/**
 * Finalize's hook for an unencrypted hosted bundle whose zip is stored at `key`: lists its files
 * (BundleFile rows) and stores those the app does not hold yet. Reads the zip by ranges, entry by
 * entry (nothing is buffered whole). On failure nothing of it stays (rows released) and it throws.
 */
export async function storeBundleFiles(
  services: Services,
  bundle: { appId: string; bundleId: number; key: string; size: number },
): Promise<StoredFiles> {
  const { storage, appWrites } = services
  const { appId, bundleId } = bundle
  const zip = await openZip(storage, bundle.key, bundle.size)
  try {
    const files = manifestFiles(zip.entries, services.hosting.maxBytes * MAX_EXPANSION)
    if (!files) return { files: 0, uploaded: 0, uploadedBytes: 0 }
    // 1. hash every file (streamed, a few at a time)
    const rows: { name: string; hash: string; size: number; entry: yauzl.Entry }[] = []
    await eachLimit(files, CONCURRENCY, async (f) => {
      rows.push({ name: f.name, hash: await sha256Of(await zip.open(f.entry)), size: f.entry.uncompressedSize, entry: f.entry })
    })
    // 2. claim them under the app's lock: from now on no release deletes these objects. A hash a
    // ready bundle lists is stored (its finalize stored it, and a release keeps what a row names).
    const byHash = new Map(rows.map((r) => [r.hash, r]))
    const stored = await appWrites.transaction(appId, async (tx) => {
      await tx.bundleFile.deleteMany({ where: { bundle_id: bundleId } })
      await tx.bundleFile.createMany({
        data: rows.map((r) => ({ bundle_id: bundleId, app_id: appId, file_name: r.name, file_hash: r.hash, size: r.size })),
      })
      const held = await tx.bundleFile.findMany({
        where: { app_id: appId, file_hash: { in: [...byHash.keys()] }, bundle: { status: 'ready', deleted: false } },
        select: { file_hash: true },
        distinct: ['file_hash'],
      })
      return new Set(held.map((r) => r.file_hash))
    })
    try {
      // 3. write the objects the app does not hold yet (one per distinct hash)
      let uploaded = 0
      let uploadedBytes = 0
      const missing = [...byHash.values()].filter((r) => !stored.has(r.hash))
      await eachLimit(missing, CONCURRENCY, async (r) => {
        const key = fileKey(appId, r.hash)
        if (await storage.head(key)) return // a pending bundle's finalize, or one that failed, stored it
        const put = await storage.put(key, await zip.open(r.entry))
        if (put.sha256 !== r.hash) {
          await storage.delete(key)
          throw new Error(`the stored zip changed while its files were stored (${r.name})`)
        }
        uploaded++
        uploadedBytes += put.size
      })
      services.manifests.forget(bundleId)
      return { files: rows.length, uploaded, uploadedBytes }
    } catch (e) {
      await appWrites.transaction(appId, (tx) => releaseBundleFiles(services, tx, appId, [bundleId]))
      throw e
    }
  } finally {
    zip.close()
  }
}

/**
 * Drops the file rows of `bundleIds` (deleted or abandoned bundles of `appId`) and deletes the
 * objects no other row of the app names. Call it inside the app's locked transaction
 * (appWrites.transaction): the objects are deleted there, after the rows, so a concurrent
 * finalize either claimed its rows first (the object stays) or claims after (and stores it anew).
 * Returns the hashes whose objects were deleted.
 */
export async function releaseBundleFiles(services: Services, tx: Tx, appId: string, bundleIds: number[]): Promise<string[]> {
  if (!bundleIds.length) return []
  const rows = await tx.bundleFile.findMany({
    where: { bundle_id: { in: bundleIds } },
    select: { file_hash: true },
    distinct: ['file_hash'],
  })
  if (!rows.length) return []
  await tx.bundleFile.deleteMany({ where: { bundle_id: { in: bundleIds } } })
  const hashes = rows.map((r) => r.file_hash)
  const kept = new Set(
    (
      await tx.bundleFile.findMany({
        where: { app_id: appId, file_hash: { in: hashes } },
        select: { file_hash: true },
        distinct: ['file_hash'],
      })
    ).map((r) => r.file_hash),
  )
  const orphans = hashes.filter((h) => !kept.has(h))
  await eachLimit(orphans, 16, (h) => services.storage.delete(fileKey(appId, h)))
  for (const id of bundleIds) services.manifests.forget(id)
  return orphans
}

// ---- serving the manifest -----------------------------------------------------------------------

/** How long a download_url stays valid (as the bundle URL). */
export const FILE_URL_TTL_SEC = 24 * 60 * 60

/** What the signature of a file URL covers, in order. */
export const fileUrlParts = (appId: string, bundleId: number, hash: string, deviceId: string, expires: number) =>
  ['file', appId, bundleId, hash, deviceId, expires] as const

/** The path of a file's download route (served by this server with the disk store). */
export const filePath = (appId: string, hash: string) => `/bundle_files/${encodeURIComponent(appId)}/${hash}`

interface FileRow {
  file_name: string
  file_hash: string
}

/** The files of ready bundles, cached per bundle (a bundle's files never change; release and finalize forget it). */
export class ManifestIndex {
  private readonly files = new LRUCache<number, Promise<FileRow[]>>({ max: 200 })

  constructor(private readonly db: Db) {}

  filesOf(bundleId: number): Promise<FileRow[]> {
    let p = this.files.get(bundleId)
    if (!p) {
      p = this.db.bundleFile.findMany({
        where: { bundle_id: bundleId },
        select: { file_name: true, file_hash: true },
        orderBy: { file_name: 'asc' },
      })
      this.files.set(bundleId, p)
      p.catch(() => this.files.delete(bundleId))
    }
    return p
  }

  forget(bundleId: number) {
    this.files.delete(bundleId)
  }
}

/**
 * The `manifest` of an /updates answer for `bundleId` of `appId` and this device, or undefined
 * when the bundle has no listed files (external, encrypted, or a layout served as a zip only).
 */
export async function manifestFor(
  services: Services,
  appId: string,
  bundleId: number,
  deviceId: string,
  now = Date.now(),
): Promise<ManifestEntry[] | undefined> {
  const rows = await services.manifests.filesOf(bundleId)
  if (!rows.length) return undefined
  const { storage, hosting } = services
  if (storage.provider === 's3') {
    return Promise.all(
      rows.map(async (r) => ({
        file_name: r.file_name,
        file_hash: r.file_hash,
        // the same URL for every device (S3 signs no device), reused while mostly valid
        download_url: await services.presigned.get(services, fileKey(appId, r.file_hash)),
      })),
    )
  }
  // rounded to the minute: the answers of one minute share their URLs (and an HTTP cache may too)
  const expires = Math.floor(now / 60_000) * 60 + FILE_URL_TTL_SEC
  const { signer } = services
  await signer.sign('') // loads the key once; the rest signs synchronously
  return rows.map((r) => {
    const sig = signer.signNow(...fileUrlParts(appId, bundleId, r.file_hash, deviceId, expires))!
    const q = new URLSearchParams({ b: String(bundleId), d: deviceId, e: String(expires), s: sig })
    return { file_name: r.file_name, file_hash: r.file_hash, download_url: `${hosting.publicUrl}${filePath(appId, r.file_hash)}?${q}` }
  })
}

// ---- POST /updates/manifest_size ------------------------------------------------------------------

export interface ManifestSizeFile {
  file_name: string | null
  file_hash: string
  download_url: string | null
  size?: number
  error?: 'size_unknown'
}

export interface ManifestSize {
  totalSize: number
  knownFiles: number
  unknownFiles: number
  files: ManifestSizeFile[]
}

/**
 * What the plugin asks before a partial update (CapgoUpdater.getBundleDownloadSize posts the info
 * object, `version` and the manifest entries it lacks to `<updateUrl>/manifest_size`): the bytes
 * those files take, per file and in total, as Capgo Cloud answers it. Entries without a file_hash
 * are skipped and repeated ones counted once; a hash the app does not hold is `size_unknown`.
 */
export async function manifestSize(
  db: Db,
  appId: string,
  version: string | undefined,
  entries: { file_name?: string | null; file_hash?: string | null; download_url?: string | null }[],
): Promise<ManifestSize> {
  const files: ManifestSizeFile[] = []
  const seen = new Set<string>()
  for (const e of entries) {
    if (typeof e.file_hash !== 'string' || !e.file_hash) continue
    const f = { file_name: e.file_name ?? null, file_hash: e.file_hash, download_url: e.download_url ?? null }
    const k = `${f.file_name}\0${f.file_hash}\0${f.download_url}`
    if (seen.has(k)) continue
    seen.add(k)
    files.push(f)
  }
  if (!files.length) return { totalSize: 0, knownFiles: 0, unknownFiles: 0, files: [] }
  const hashes = [...new Set(files.map((f) => f.file_hash.toLowerCase()))]
  const sizes = new Map<string, number>()
  // the named bundle's rows first; a file of another bundle of the app has the same bytes (same hash)
  for (const where of [version ? { bundle: { name: version, deleted: false } } : null, {}]) {
    if (!where) continue
    const missing = hashes.filter((h) => !sizes.has(h))
    if (!missing.length) break
    const rows = await db.bundleFile.findMany({
      where: { app_id: appId, file_hash: { in: missing }, ...where },
      select: { file_hash: true, size: true },
      distinct: ['file_hash'],
    })
    for (const r of rows) sizes.set(r.file_hash, r.size)
  }
  let totalSize = 0
  let knownFiles = 0
  const out = files.map((f): ManifestSizeFile => {
    const size = sizes.get(f.file_hash.toLowerCase())
    if (size === undefined) return { ...f, error: 'size_unknown' }
    totalSize += size
    knownFiles++
    return { ...f, size }
  })
  return { totalSize, knownFiles, unknownFiles: files.length - knownFiles, files: out }
}

/** POST /updates/manifest_size: the app must exist (as on every device endpoint); records no check-in. */
export async function answerManifestSize(services: Services, input: z.infer<typeof manifestSizeInput>): Promise<ManifestSize> {
  const app = await services.snapshots.get(input.app_id)
  if (!app.exists) throw new ApiError('app_not_found')
  return manifestSize(services.db, input.app_id, input.version, input.manifest ?? input.files ?? [])
}
