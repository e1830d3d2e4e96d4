// Apps: list, get, create, update, delete. Every change clears the access cache (an app's owner
// decides who sees it) and the app's /updates snapshot, done or failed.

import type { z } from 'zod'
import { requireApp, requireRole, visibleAppsWhere, visibleOrgIds } from '../../access.ts'
import type { AuthedContext } from '../../context.ts'
import { ApiError } from '../../errors.ts'
import { isUniqueViolation } from '../../infra/tx.ts'
import { forgetDeletedApps, type Services } from '../../services.ts'
import { removeAppObjects } from '../bundle/hosting.ts'
import { iso, ok, pageArgs } from '../common.ts'
import type { appCreateInput, appIdInput, appListInput, appUpdateInput } from './schema.ts'

const toApp = (a: {
  app_id: string
  name: string
  icon_url: string
  owner_org: string
  created_at: Date
  updated_at: Date
  retention: number
  expose_metadata: boolean
  manifest: boolean
}) => ({
  app_id: a.app_id,
  name: a.name,
  icon_url: a.icon_url,
  owner_org: a.owner_org,
  created_at: iso(a.created_at),
  updated_at: iso(a.updated_at),
  retention: a.retention,
  expose_metadata: a.expose_metadata,
  manifest: a.manifest,
})

/** Runs a change of `appId`, then drops what the caches hold of it, done or failed. */
const changing = <T>(services: Services, appId: string, change: () => Promise<T>): Promise<T> =>
  services.access.invalidateAfter(() => services.snapshots.invalidateAfter(appId, change))

export async function listApps(ctx: AuthedContext, input: z.infer<typeof appListInput>) {
  const apps = await ctx.services.db.app.findMany({
    where: visibleAppsWhere(ctx.principal),
    orderBy: [{ created_at: 'asc' }, { app_id: 'asc' }],
    ...pageArgs(input.page, input.limit),
  })
  return apps.map(toApp)
}

export async function getApp(ctx: AuthedContext, input: z.infer<typeof appIdInput>) {
  await requireApp(ctx, input.app_id, 'read')
  const app = await ctx.services.db.app.findUnique({ where: { app_id: input.app_id } })
  if (!app) throw new ApiError('app_not_found')
  return toApp(app)
}

export function createApp(ctx: AuthedContext, input: z.infer<typeof appCreateInput>) {
  return changing(ctx.services, input.app_id, async () => {
    const p = ctx.principal
    let ownerOrg = input.owner_org
    if (!ownerOrg) {
      const orgs = visibleOrgIds(p)
      if (orgs.length !== 1) throw new ApiError('missing_owner_org')
      ownerOrg = orgs[0]!
    }
    requireRole(p, ownerOrg, 'write')
    // a key limited to some apps could never see the new app
    if (p.limitedToApps.length && !p.limitedToApps.includes(input.app_id)) throw new ApiError('insufficient_permissions')
    try {
      const app = await ctx.services.db.app.create({
        data: { app_id: input.app_id, name: input.name, icon_url: input.icon_url ?? '', owner_org: ownerOrg },
      })
      return toApp(app)
    } catch (e) {
      if (isUniqueViolation(e)) throw new ApiError('app_already_exists', { cause: e })
      throw e
    }
  })
}

export function updateApp(ctx: AuthedContext, input: z.infer<typeof appUpdateInput>) {
  return changing(ctx.services, input.app_id, async () => {
    await requireApp(ctx, input.app_id, 'write')
    const { app_id, ...data } = input
    return toApp(await ctx.services.db.app.update({ where: { app_id }, data }))
  })
}

/** Removes the app and everything below it, its stored bytes too; every snapshot and MAU mark of it goes too. */
export async function deleteApp(ctx: AuthedContext, input: z.infer<typeof appIdInput>) {
  try {
    await requireApp(ctx, input.app_id, 'admin')
    await ctx.services.db.app.delete({ where: { app_id: input.app_id } })
    await removeAppObjects(ctx.services, [input.app_id]) // its hosted bundles' bytes
    return ok
  } finally {
    ctx.services.access.invalidate()
    forgetDeletedApps(ctx.services)
  }
}
