// Partial updates, finalize and release: which files of a hosted bundle's zip can be listed, storing
// those the app does not hold yet (by SHA-256, reference-counted by BundleFile rows; see manifest.ts
// for why per app and how the app's write lock closes the races), and deleting those no row names.
import { createHash } from 'node:crypto'
import type { Readable } from 'node:stream'
import type yauzl from 'yauzl'
import { fileKey, type Store } from '../../infra/storage/index.ts'
import type { Tx } from '../../infra/tx.ts'
import type { Services } from '../../services.ts'
import { bundleRoot, isJunk, openStoredZip } from './zip.ts'

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
