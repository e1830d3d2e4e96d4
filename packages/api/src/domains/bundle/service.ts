// Bundles (and /versions, their legacy name): list, register an externally hosted one, soft
// delete. Changes drop the app's /updates snapshot, done or failed.

import type { Prisma } from '@capgo-api/db'
import type { z } from 'zod'
import { requireApp } from '../../access.ts'
import type { AuthedContext } from '../../context.ts'
import { ApiError } from '../../errors.ts'
import { recordStorage } from '../../infra/daily-stats.ts'
import { isUniqueViolation } from '../../infra/tx.ts'
import { iso, ok, pageArgs } from '../common.ts'
import type { bundleCreateInput, bundleDeleteInput, bundleGetInput } from './schema.ts'

/** A bundle as the API shows it (the /updates snapshot reads fewer columns: snapshotBundleSelect). */
export const bundleSelect = {
  id: true,
  app_id: true,
  name: true,
  checksum: true,
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
  created_at: iso(b.created_at),
  updated_at: iso(b.updated_at),
  native_packages: parseList(b.native_packages),
})

/** Bundles a channel or a device override points at: they may not be deleted. */
const inUseWhere = { OR: [{ channels: { some: {} } }, { overrides: { some: {} } }] } satisfies Prisma.BundleWhereInput

/** DELETE /bundle and /versions: one bundle by name, or every bundle nothing uses. Soft delete; frees storage. */
export async function deleteBundles(ctx: AuthedContext, input: z.infer<typeof bundleDeleteInput>) {
  const { app_id, version } = input
  await ctx.services.snapshots.invalidateAfter(app_id, async () => {
    await requireApp(ctx, app_id, 'write')
    await deleteBundlesLocked(ctx, app_id, version)
  })
  return ok
}

async function deleteBundlesLocked(ctx: AuthedContext, app_id: string, version: string | undefined) {
  // serialized with channel and override writers of this app: nothing starts using a bundle we delete
  await ctx.services.appWrites.transaction(app_id, async (tx) => {
    const now = new Date()
    if (version !== undefined) {
      const bundle = await tx.bundle.findFirst({ where: { app_id, name: version, deleted: false }, select: { id: true, size: true } })
      if (!bundle) throw new ApiError('version_not_found')
      if (await tx.bundle.count({ where: { id: bundle.id, ...inUseWhere } })) throw new ApiError('bundle_in_use')
      await tx.bundle.update({ where: { id: bundle.id }, data: { deleted: true, deleted_at: now } })
      await recordStorage(tx, app_id, -bundle.size, now)
      return
    }
    const free = await tx.bundle.findMany({ where: { app_id, deleted: false, NOT: inUseWhere }, select: { id: true, size: true } })
    if (!free.length) return
    await tx.bundle.updateMany({ where: { id: { in: free.map((b) => b.id) } }, data: { deleted: true, deleted_at: now } })
    await recordStorage(tx, app_id, -free.reduce((s, b) => s + b.size, 0), now)
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

/** Registers an externally hosted bundle and counts its size toward storage. */
export function createBundle(ctx: AuthedContext, input: z.infer<typeof bundleCreateInput>) {
  return ctx.services.snapshots.invalidateAfter(input.app_id, async () => {
    const app = await requireApp(ctx, input.app_id, 'upload')
    let url: URL
    try {
      url = new URL(input.external_url)
    } catch {
      throw new ApiError('invalid_protocol')
    }
    if (url.protocol !== 'https:' || !url.hostname) throw new ApiError('invalid_protocol')
    if (url.username || url.password) throw new ApiError('invalid_url') // credentials would be served to every device
    const size = input.size ?? 0
    try {
      const bundle = await ctx.services.db.$transaction(async (tx) => {
        const created = await tx.bundle.create({
          data: {
            app_id: app.app_id,
            name: input.version,
            owner_org: app.owner_org,
            user_id: ctx.principal.userId,
            external_url: input.external_url,
            checksum: input.checksum,
            size,
            session_key: input.session_key ?? null,
            key_id: input.key_id ?? null,
            link: input.link ?? null,
            comment: input.comment ?? null,
            minUpdateVersion: input.minUpdateVersion ?? null,
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
