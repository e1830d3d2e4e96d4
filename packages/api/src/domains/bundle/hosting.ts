// Bundles hosted here (SPEC /bundle): the signed upload URL of a pending bundle, the upload itself
// (disk store: through this server), finalize's checks, the signed download URLs /updates hands
// out, and the sweep of pending bundles nobody finalized.
//
// Keys (infra/storage/keys.ts): an upload lands at uploadKey; finalize moves it to bundleKey
// (Bundle.r2_path) before reading it, so a later PUT to the same upload URL (S3 URLs cannot be
// made single-use) can never change the bytes of a finalized bundle.
import { randomBytes } from 'node:crypto'
import type { Readable } from 'node:stream'
import { LRUCache } from 'lru-cache'
import { ApiError } from '../../errors.ts'
import type { SnapshotBundle } from '../../infra/snapshots.ts'
import { appPrefix, bundleKey, Meter, ObjectNotFoundError, ObjectTooLargeError, uploadKey } from '../../infra/storage/index.ts'
import type { Services } from '../../services.ts'
import { releaseBundleFiles } from './manifest-store.ts'
import { bundleRoot, openStoredZip, zipEntries } from './zip.ts'

/** An upload URL is valid this long. */
export const UPLOAD_TTL_SEC = 3600
/** A download URL handed out by /updates is valid this long. */
export const DOWNLOAD_TTL_SEC = 24 * 3600
/** Pending bundles older than this are removed with their bytes. */
export const PENDING_TTL_MS = 24 * 3600 * 1000

export interface UploadTicket {
  url: string
  method: 'PUT'
  expires_at: string
}

export const newUploadToken = () => randomBytes(16).toString('base64url')

const nowSec = () => Math.floor(Date.now() / 1000)

/** Where the client PUTs the zip of a pending bundle: this server's signed URL (disk) or a presigned store URL (S3). */
export async function uploadTicket(services: Services, appId: string, bundleId: number, token: string): Promise<UploadTicket> {
  const expires = nowSec() + UPLOAD_TTL_SEC
  const presigned = await services.storage.presignPut(uploadKey(appId, bundleId), UPLOAD_TTL_SEC)
  let url = presigned
  if (!url) {
    const sig = await services.signer.sign('upload', appId, bundleId, token, expires)
    const q = new URLSearchParams({ token, expires: String(expires), sig })
    url = `${services.hosting.publicUrl}/bundle/upload/${encodeURIComponent(appId)}/${bundleId}?${q}`
  }
  return { url, method: 'PUT', expires_at: new Date(expires * 1000).toISOString() }
}

export interface UploadParams {
  appId: string
  bundleId: number
  token: string
  expires: number
  sig: string
}

/**
 * PUT of a signed upload URL (disk store): checks the signature, uses the URL up (single use, even
 * when the upload then fails), and streams the body to the upload key, cut past BUNDLE_MAX_BYTES.
 */
export async function receiveUpload(services: Services, p: UploadParams, body: Readable) {
  if (!(p.expires >= nowSec()) || !(await services.signer.verify(p.sig, 'upload', p.appId, p.bundleId, p.token, p.expires)))
    throw new ApiError('invalid_signature')
  const claimed = await services.db.bundle.updateMany({
    where: { id: p.bundleId, app_id: p.appId, status: 'pending', deleted: false, upload_token: p.token },
    data: { upload_token: null },
  })
  if (!claimed.count) throw new ApiError('upload_url_used')
  try {
    await services.storage.put(uploadKey(p.appId, p.bundleId), body, { maxBytes: services.hosting.maxBytes })
  } catch (e) {
    if (e instanceof ObjectTooLargeError) throw new ApiError('payload_too_large', { cause: e })
    throw e
  }
}

interface PendingBundle {
  id: number
  app_id: string
  size: number
  checksum: string | null
  session_key: string | null
}

/** What finalize found in the stored bytes. */
export interface Checked {
  key: string
  size: number
  sha256: string
}

/**
 * Finalize's checks (SPEC /bundle): the upload exists and is within BUNDLE_MAX_BYTES; it is moved
 * to its final key and read once (size, SHA-256); the declared size and checksum match; an
 * unencrypted bundle is a zip with index.html at its root or in one top-level folder. On any
 * error the bytes are removed (the bundle stays pending).
 */
export async function checkUpload(services: Services, bundle: PendingBundle): Promise<Checked> {
  const { storage } = services
  const from = uploadKey(bundle.app_id, bundle.id)
  const key = bundleKey(bundle.app_id, bundle.id)
  const head = await storage.head(from)
  if (!head) throw new ApiError('upload_missing')
  if (head.size > services.hosting.maxBytes) {
    await storage.delete(from)
    throw new ApiError('payload_too_large')
  }
  try {
    await storage.move(from, key)
  } catch (e) {
    if (e instanceof ObjectNotFoundError) throw new ApiError('upload_missing', { cause: e }) // a concurrent finalize took it
    throw e
  }
  try {
    const meter = new Meter()
    for await (const _ of (await storage.get(key)).pipe(meter)); // reads it once: size and SHA-256
    const checked = { key, size: meter.bytes, sha256: meter.digest() }
    if (bundle.size && bundle.size !== checked.size) throw new ApiError('size_mismatch')
    if (!bundle.session_key) {
      if (bundle.checksum && bundle.checksum.toLowerCase() !== checked.sha256) throw new ApiError('checksum_mismatch')
      await checkLayout(services, key, checked.size)
    }
    return checked
  } catch (e) {
    await storage.delete(key).catch(() => {})
    throw e
  }
}

async function checkLayout(services: Services, key: string, size: number) {
  const names: string[] = []
  try {
    for await (const entry of zipEntries(await openStoredZip(services.storage, key, size))) names.push(entry.fileName)
  } catch (e) {
    throw new ApiError('invalid_bundle', { cause: e, message: 'The upload is not a readable zip file.' })
  }
  if (bundleRoot(names) === null)
    throw new ApiError('invalid_bundle', { message: 'The zip holds no index.html at its root or inside one top-level folder.' })
}

// ---- downloads ----------------------------------------------------------------------------------

/** A hosted bundle as /updates and the download route see it. */
export type HostedBundle = Pick<SnapshotBundle, 'id' | 'r2_path' | 'storage_provider'>

/** Presigned GETs of the S3 store, kept while they have most of their validity left. */
export class PresignCache {
  private readonly cache = new LRUCache<string, Promise<string>>({ max: 10_000, ttl: 3600_000 })

  get(services: Services, key: string): Promise<string> {
    let url = this.cache.get(key)
    if (!url) {
      url = services.storage.presignGet(key, DOWNLOAD_TTL_SEC + 3600).then((u) => u ?? '')
      this.cache.set(key, url)
      url.catch(() => this.cache.delete(key))
    }
    return url
  }
}

/**
 * The URL a device downloads a hosted bundle from: on the disk store, this server's URL signed for
 * that app, bundle and device, valid 24 h; on S3, a presigned GET (or STORAGE_PUBLIC_URL + key).
 */
export async function downloadUrl(services: Services, appId: string, bundle: HostedBundle, deviceId: string): Promise<string> {
  if (bundle.storage_provider === 's3') return services.presigned.get(services, bundle.r2_path!)
  const expires = nowSec() + DOWNLOAD_TTL_SEC
  const parts = ['download', appId, bundle.id, expires, deviceId] as const
  const sig = services.signer.signNow(...parts) ?? (await services.signer.sign(...parts))
  return `${services.hosting.publicUrl}/bundle/download/${encodeURIComponent(appId)}/${bundle.id}.zip?device_id=${encodeURIComponent(deviceId)}&expires=${expires}&sig=${sig}`
}

export interface DownloadParams {
  appId: string
  bundleId: number
  deviceId: string
  expires: number
  sig: string
}

/** A download URL's bundle, when the signature holds and the bundle is still served. */
export async function verifyDownload(services: Services, p: DownloadParams) {
  if (!(p.expires >= nowSec()) || !(await services.signer.verify(p.sig, 'download', p.appId, p.bundleId, p.expires, p.deviceId)))
    throw new ApiError('invalid_signature')
  const app = await services.snapshots.get(p.appId)
  const bundle = app.bundleById.get(p.bundleId)
  if (!bundle || bundle.deleted || bundle.status !== 'ready' || !bundle.r2_path) throw new ApiError('version_not_found')
  return bundle
}

// ---- removal --------------------------------------------------------------------------------------

/** Removes what is stored for these bundles (their zip, a leftover upload). */
export async function removeBundleObjects(services: Services, appId: string, bundleIds: number[]) {
  for (const id of bundleIds) {
    await services.storage.delete(bundleKey(appId, id))
    await services.storage.delete(uploadKey(appId, id))
  }
}

/** Removes everything stored for these apps (after they were deleted). */
export async function removeAppObjects(services: Services, appIds: string[]) {
  for (const appId of appIds) await services.storage.deletePrefix(appPrefix(appId))
}

/** Pending bundles older than PENDING_TTL_MS go, with their bytes; returns how many. */
export async function sweepPendingBundles(services: Services, now = new Date()): Promise<number> {
  const stale = await services.db.bundle.findMany({
    where: { status: 'pending', created_at: { lt: new Date(now.getTime() - PENDING_TTL_MS) } },
    select: { id: true, app_id: true },
    take: 1000,
  })
  for (const b of stale) {
    // a bundle finalized meanwhile stays (status checked again by the delete)
    const gone = await services.appWrites.transaction(b.app_id, async (tx) => {
      // the file rows an interrupted finalize claimed (partial updates), before the cascade drops them
      if (await tx.bundle.count({ where: { id: b.id, status: 'pending' } })) await releaseBundleFiles(services, tx, b.app_id, [b.id])
      return tx.bundle.deleteMany({ where: { id: b.id, status: 'pending' } })
    })
    if (gone.count) await removeBundleObjects(services, b.app_id, [b.id])
    services.snapshots.invalidate(b.app_id)
  }
  return stale.length
}
