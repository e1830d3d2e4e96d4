// Bundles (and /versions, their legacy name): list, register an externally hosted one or start
// and finalize one hosted here (hosting.ts), soft delete (with the stored bytes). Changes drop the
// app's /updates snapshot, done or failed.

import type { Prisma } from '@capgo-api/db'
import type { z } from 'zod'
import { requireApp } from '../../access.ts'
import type { AuthedContext } from '../../context.ts'
import { ApiError } from '../../errors.ts'
import { recordStorage } from '../../infra/daily-stats.ts'
import { isUniqueViolation } from '../../infra/tx.ts'
import { iso, ok, pageArgs } from '../common.ts'
import { checkUpload, newUploadToken, removeBundleObjects, uploadTicket } from './hosting.ts'
import { releaseBundleFiles, storeBundleFiles } from './manifest-store.ts'
import type { bundleCreateInput, bundleDeleteInput, bundleFinalizeInput, bundleGetInput } from './schema.ts'

/** A bundle as the API shows it (the /updates snapshot reads fewer columns: snapshotBundleSelect). */
export const bundleSelect = {
  id: true,
  app_id: true,
  name: true,
  status: true,
  checksum: true,
  storage_checksum: true,
  created_at: true,
  updated_at: true,
  deleted: true,
  external_url: true,
  minUpdateVersion: true,
  native_packages: true,
  owner_org: true,
  r2_path: true,
  session_key: true,
  key_id: true,
  link: true,
  comment: true,
  storage_provider: true,
  size: true,
  user_id: true,
  bucket_id: true,
} satisfies Prisma.BundleSelect

type BundleRow = Prisma.BundleGetPayload<{ select: typeof bundleSelect }>

const parseList = (json: string | null): unknown[] | null => {
  if (json === null) return null
  try {
    const v: unknown = JSON.parse(json)
    return Array.isArray(v) ? v : null
  } catch {
    return null
  }
}

export const toBundle = (b: BundleRow) => ({
  ...b,
  status: b.status as 'pending' | 'ready',
  storage_provider: b.storage_provider as 'external' | 'disk' | 's3',
  created_at: iso(b.created_at),
  updated_at: iso(b.updated_at),
  native_packages: parseList(b.native_packages),
})

/** Bundles a channel or a device override points at: they may not be deleted. */
const inUseWhere = { OR: [{ channels: { some: {} } }, { overrides: { some: {} } }] } satisfies Prisma.BundleWhereInput

/** DELETE /bundle and /versions: one bundle by name, or every bundle nothing uses. Soft delete; frees storage. */
export async function deleteBundles(ctx: AuthedContext, input: z.infer<typeof bundleDeleteInput>) {
  const { app_id, version } = input
  const removed = await ctx.services.snapshots.invalidateAfter(app_id, async () => {
    await requireApp(ctx, app_id, 'write')
    return deleteBundlesLocked(ctx, app_id, version)
  })
  // the bytes go once the rows are committed (a failed removal leaves a file, never a bundle without one)
  await removeBundleObjects(ctx.services, app_id, removed)
  return ok
}

/** Soft-deletes, frees the storage of the ready ones (pending ones never counted), returns the ids of the hosted ones. */
async function deleteBundlesLocked(ctx: AuthedContext, app_id: string, version: string | undefined): Promise<number[]> {
  // serialized with channel and override writers of this app: nothing starts using a bundle we delete
  return ctx.services.appWrites.transaction(app_id, async (tx) => {
    const now = new Date()
    const select = { id: true, size: true, status: true, storage_provider: true } as const
    let gone: { id: number; size: number; status: string; storage_provider: string }[]
    if (version !== undefined) {
      const bundle = await tx.bundle.findFirst({ where: { app_id, name: version, deleted: false }, select })
      if (!bundle) throw new ApiError('version_not_found')
      if (await tx.bundle.count({ where: { id: bundle.id, ...inUseWhere } })) throw new ApiError('bundle_in_use')
      await tx.bundle.update({ where: { id: bundle.id }, data: { deleted: true, deleted_at: now } })
      gone = [bundle]
    } else {
      gone = await tx.bundle.findMany({ where: { app_id, deleted: false, NOT: inUseWhere }, select })
      if (!gone.length) return []
      await tx.bundle.updateMany({ where: { id: { in: gone.map((b) => b.id) } }, data: { deleted: true, deleted_at: now } })
    }
    await recordStorage(tx, app_id, -gone.reduce((sum, b) => sum + (b.status === 'ready' ? b.size : 0), 0), now)
    const hosted = gone.filter((b) => b.storage_provider !== 'external').map((b) => b.id)
    // their files by SHA-256 (partial updates), those no other bundle of the app lists
    await releaseBundleFiles(ctx.services, tx, app_id, hosted)
    return hosted
  })
}

export async function listBundles(ctx: AuthedContext, input: z.infer<typeof bundleGetInput>) {
  await requireApp(ctx, input.app_id, 'read')
  const rows = await ctx.services.db.bundle.findMany({
    where: { app_id: input.app_id, deleted: false },
    orderBy: [{ created_at: 'desc' }, { id: 'desc' }],
    select: bundleSelect,
    ...pageArgs(input.page, input.limit),
  })
  return rows.map(toBundle)
}

/**
 * POST /bundle. With `external_url`: registers a bundle hosted elsewhere, ready at once (its size
 * counts toward storage). Without: a pending bundle hosted here, with the URL to PUT its zip to;
 * posting the same version again while it is pending hands out a new URL (the old one stops working).
 */
export function createBundle(ctx: AuthedContext, input: z.infer<typeof bundleCreateInput>) {
  return ctx.services.snapshots.invalidateAfter(input.app_id, async () => {
    const app = await requireApp(ctx, input.app_id, 'upload')
    if (input.external_url === undefined) return createHosted(ctx, app, input)
    let url: URL
    try {
      url = new URL(input.external_url)
    } catch {
      throw new ApiError('invalid_protocol')
    }
    if (url.protocol !== 'https:' || !url.hostname) throw new ApiError('invalid_protocol')
    if (url.username || url.password) throw new ApiError('invalid_url') // credentials would be served to every device
    if (input.checksum === undefined) throw new ApiError('missing_checksum')
    const size = input.size ?? 0
    try {
      const bundle = await ctx.services.db.$transaction(async (tx) => {
        const created = await tx.bundle.create({
          data: {
            ...commonFields(ctx, app, input),
            external_url: input.external_url,
            checksum: input.checksum,
            size,
            storage_provider: 'external',
          },
          select: bundleSelect,
        })
        await recordStorage(tx, app.app_id, size, created.created_at)
        return created
      })
      return { status: 'ok' as const, bundle: toBundle(bundle) }
    } catch (e) {
      if (isUniqueViolation(e)) throw new ApiError('version_already_exists', { cause: e })
      throw e
    }
  })
}

type CreateInput = z.infer<typeof bundleCreateInput>
type OwnedApp = { app_id: string; owner_org: string }

const commonFields = (ctx: AuthedContext, app: OwnedApp, input: CreateInput) => ({
  app_id: app.app_id,
  name: input.version,
  owner_org: app.owner_org,
  user_id: ctx.principal.userId,
  session_key: input.session_key ?? null,
  key_id: input.key_id ?? null,
  link: input.link ?? null,
  comment: input.comment ?? null,
  minUpdateVersion: input.minUpdateVersion ?? null,
})

async function createHosted(ctx: AuthedContext, app: OwnedApp, input: CreateInput) {
  const { db } = ctx.services
  // an encrypted bundle's checksum is the signed one the device verifies: only the client knows it
  if (input.session_key && input.checksum === undefined) throw new ApiError('missing_checksum')
  const token = newUploadToken()
  const declared = {
    checksum: input.checksum?.toLowerCase() ?? null,
    size: input.size ?? 0, // the declared size until finalize measures it (a pending bundle counts nothing)
    session_key: input.session_key ?? null,
    key_id: input.key_id ?? null,
    link: input.link ?? null,
    comment: input.comment ?? null,
    minUpdateVersion: input.minUpdateVersion ?? null,
    upload_token: token,
  }
  let bundle: BundleRow
  try {
    bundle = await db.bundle.create({
      data: { ...commonFields(ctx, app, input), ...declared, status: 'pending', storage_provider: ctx.services.storage.provider },
      select: bundleSelect,
    })
  } catch (e) {
    if (!isUniqueViolation(e)) throw e
    // the same version, still pending: a new upload URL (a retry after a failed upload or finalize)
    const renewed = await db.bundle.updateMany({
      where: { app_id: app.app_id, name: input.version, status: 'pending', deleted: false },
      data: declared,
    })
    if (!renewed.count) throw new ApiError('version_already_exists', { cause: e })
    bundle = await db.bundle.findUniqueOrThrow({
      where: { app_id_name: { app_id: app.app_id, name: input.version } },
      select: bundleSelect,
    })
  }
  const upload = await uploadTicket(ctx.services, app.app_id, bundle.id, token)
  return { status: 'ok' as const, bundle: toBundle(bundle), upload }
}

/**
 * POST /bundle/finalize: checks the uploaded bytes (hosting.ts checkUpload) and makes the bundle
 * ready, counting its size toward storage. Finalizing a ready bundle answers it as it is.
 */
export function finalizeBundle(ctx: AuthedContext, input: z.infer<typeof bundleFinalizeInput>) {
  const { app_id, version } = input
  return ctx.services.snapshots.invalidateAfter(app_id, async () => {
    await requireApp(ctx, app_id, 'upload')
    const { db } = ctx.services
    const bundle = await db.bundle.findFirst({
      where: { app_id, name: version, deleted: false },
      select: { id: true, app_id: true, status: true, size: true, checksum: true, session_key: true },
    })
    if (!bundle) throw new ApiError('version_not_found')
    if (bundle.status === 'ready') return { status: 'ok' as const, bundle: toBundle(await bundleById(ctx, bundle.id)) }
    const checked = await checkUpload(ctx.services, bundle)
    if (!bundle.session_key) {
      // partial updates: each file of the zip, stored by its SHA-256 (manifest.ts); failing that,
      // the bytes go as on checkUpload's errors (the bundle stays pending)
      const files = { appId: app_id, bundleId: bundle.id, key: checked.key, size: checked.size }
      await storeBundleFiles(ctx.services, files).catch(async (e) => {
        await ctx.services.storage.delete(checked.key).catch(() => {})
        throw e
      })
    }
    const now = new Date()
    const done = await db.$transaction(async (tx) => {
      const updated = await tx.bundle.updateMany({
        where: { id: bundle.id, status: 'pending', deleted: false },
        data: {
          status: 'ready',
          size: checked.size,
          storage_checksum: checked.sha256,
          checksum: bundle.session_key ? bundle.checksum : checked.sha256,
          r2_path: checked.key,
          upload_token: null,
        },
      })
      if (updated.count) await recordStorage(tx, app_id, checked.size, now)
      return updated.count > 0
    })
    if (!done) {
      // deleted (or swept) meanwhile: its bytes go too
      const current = await db.bundle.findUnique({ where: { id: bundle.id }, select: { status: true, deleted: true } })
      if (!current || current.deleted) {
        await ctx.services.appWrites.transaction(app_id, (tx) => releaseBundleFiles(ctx.services, tx, app_id, [bundle.id]))
        await removeBundleObjects(ctx.services, app_id, [bundle.id])
        throw new ApiError('version_not_found')
      }
    }
    return { status: 'ok' as const, bundle: toBundle(await bundleById(ctx, bundle.id)) }
  })
}

const bundleById = (ctx: AuthedContext, id: number) => ctx.services.db.bundle.findUniqueOrThrow({ where: { id }, select: bundleSelect })
