import { z } from 'zod'
import type { Prisma } from '@capgo-api/db'
import { requireApp } from '../access.ts'
import { ApiError, errorResponses } from '../errors.ts'
import { recordStorage } from '../lib/stats.ts'
import { isUniqueViolation, lockApp } from '../lib/tx.ts'
import { bundleCreateInput, bundleCreateOutput, bundleDeleteInput, bundleGetInput, bundleOutput } from '../schemas/bundle.ts'
import { iso, ok, okOutput, pageArgs } from '../schemas/common.ts'
import { readProcedure, router, uploadProcedure, writeProcedure } from '../trpc.ts'
import type { Context } from '../context.ts'
import type { Principal } from '../access.ts'

export const bundleSelect = {
  id: true, app_id: true, name: true, checksum: true, created_at: true, updated_at: true, deleted: true, external_url: true,
  minUpdateVersion: true, native_packages: true, owner_org: true, r2_path: true, session_key: true, storage_provider: true,
  size: true, user_id: true, bucket_id: true,
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

type Ctx = Context & { principal: Principal }

/** DELETE /bundle and /versions: one bundle by name, or every bundle nothing uses. Soft delete; frees storage. */
async function deleteBundles(ctx: Ctx, input: z.infer<typeof bundleDeleteInput>) {
  const { app_id, version } = input
  await requireApp(ctx, app_id, 'write')
  await ctx.db.$transaction(async (tx) => {
    // serialized with channel and override writers of this app: nothing starts using a bundle we delete
    await lockApp(tx, app_id)
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
  return ok
}

async function listBundles(ctx: Ctx, input: z.infer<typeof bundleGetInput>) {
  await requireApp(ctx, input.app_id, 'read')
  const rows = await ctx.db.bundle.findMany({
    where: { app_id: input.app_id, deleted: false },
    orderBy: [{ created_at: 'desc' }, { id: 'desc' }],
    select: bundleSelect,
    ...pageArgs(input.page, input.limit),
  })
  return rows.map(toBundle)
}

const tags = ['bundle']
const LIST = "The app's bundles that are not deleted, newest first, 50 a page (`page`, `limit`)."
const DELETE = 'With `version`: soft-deletes that bundle (409 `bundle_in_use` while a channel or a device override uses it). Without: soft-deletes every bundle of the app that nothing uses. Deleted bundles no longer count toward storage. Fields may come as query parameters or as a JSON body. Needs role write.'

export const bundleRouter = router({
  get: readProcedure
    .meta({ openapi: { method: 'GET', path: '/bundle', errorResponses: errorResponses('app_not_found', 'insufficient_role'), tags, summary: 'List bundles', description: LIST } })
    .input(bundleGetInput)
    .output(z.array(bundleOutput))
    .query(({ ctx, input }) => listBundles(ctx, input)),

  create: uploadProcedure
    .meta({
      openapi: {
        method: 'POST', path: '/bundle', errorResponses: errorResponses('app_not_found', 'insufficient_role', 'invalid_version_format', 'invalid_protocol', 'invalid_url', 'version_already_exists'), tags, summary: 'Register an externally hosted bundle',
        description: '`version` must be a strict semantic version (`1.2.3`, `1.2.3-beta.1`: no `v` prefix, no whitespace), `external_url` an https URL without a user:password part; a name the app already used (even deleted) is 409 `version_already_exists`. Counts `size` toward storage. Needs role upload.',
      },
    })
    .input(bundleCreateInput)
    .output(bundleCreateOutput)
    .mutation(async ({ ctx, input }) => {
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
        const bundle = await ctx.db.$transaction(async (tx) => {
          const created = await tx.bundle.create({
            data: {
              app_id: app.app_id, name: input.version, owner_org: app.owner_org, user_id: ctx.principal.userId, external_url: input.external_url,
              checksum: input.checksum, size, session_key: input.session_key ?? null, minUpdateVersion: input.minUpdateVersion ?? null,
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
    }),

  delete: writeProcedure
    .meta({ openapi: { method: 'DELETE', path: '/bundle', errorResponses: errorResponses('app_not_found', 'insufficient_role', 'version_not_found', 'bundle_in_use'), tags, summary: 'Delete one bundle or every unused one', description: DELETE } })
    .input(bundleDeleteInput)
    .output(okOutput)
    .mutation(({ ctx, input }) => deleteBundles(ctx, input)),
})

/** /versions: the oldest seed's name for the same resource. */
export const versionsRouter = router({
  get: readProcedure
    .meta({ openapi: { method: 'GET', path: '/versions', errorResponses: errorResponses('app_not_found', 'insufficient_role'), tags, summary: 'List bundles (legacy alias of GET /bundle)', description: LIST, deprecated: true } })
    .input(bundleGetInput)
    .output(z.array(bundleOutput))
    .query(({ ctx, input }) => listBundles(ctx, input)),

  delete: writeProcedure
    .meta({ openapi: { method: 'DELETE', path: '/versions', errorResponses: errorResponses('app_not_found', 'insufficient_role', 'version_not_found', 'bundle_in_use'), tags, summary: 'Delete bundles (legacy alias of DELETE /bundle)', description: DELETE, deprecated: true } })
    .input(bundleDeleteInput)
    .output(okOutput)
    .mutation(({ ctx, input }) => deleteBundles(ctx, input)),
})
