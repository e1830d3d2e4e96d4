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
//
// Here: the manifest of an /updates answer (the files' signed URLs). Storing and releasing the files
// is manifest-store.ts; POST /updates/manifest_size is manifest-size.ts.

import type { Db } from '@capgo-api/db'
import { LRUCache } from 'lru-cache'
import { fileKey } from '../../infra/storage/index.ts'
import type { Services } from '../../services.ts'

/** One file of a bundle, as /updates lists it. */
export interface ManifestEntry {
  file_name: string
  file_hash: string
  download_url: string
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
