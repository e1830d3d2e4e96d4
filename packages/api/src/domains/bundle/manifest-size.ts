// POST /updates/manifest_size: the bytes of the files a plugin lacks before a partial update.
import type { Db } from '@capgo-api/db'
import type { z } from 'zod'
import { ApiError } from '../../errors.ts'
import type { Services } from '../../services.ts'
import type { manifestSizeInput } from '../plugin/schema.ts'

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
