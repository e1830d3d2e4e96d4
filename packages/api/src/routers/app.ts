import { ApiError, errorResponses } from '../errors.ts'
import { requireApp, requireRole, visibleAppsWhere, visibleOrgIds } from '../access.ts'
import { isUniqueViolation } from '../lib/tx.ts'
import { appCreateInput, appIdInput, appListInput, appOutput, appUpdateInput } from '../schemas/app.ts'
import { iso, ok, okOutput, pageArgs } from '../schemas/common.ts'
import { readProcedure, router, writeProcedure } from '../trpc.ts'
import { z } from 'zod'

const toApp = (a: { app_id: string; name: string; icon_url: string; owner_org: string; created_at: Date; updated_at: Date; retention: number }) => ({
  app_id: a.app_id,
  name: a.name,
  icon_url: a.icon_url,
  owner_org: a.owner_org,
  created_at: iso(a.created_at),
  updated_at: iso(a.updated_at),
  retention: a.retention,
})

const tags = ['app']

export const appRouter = router({
  list: readProcedure
    .meta({ openapi: { method: 'GET', path: '/app', tags, summary: 'List apps', description: 'The apps the key may see, oldest first, 50 a page.', errorResponses: errorResponses() } })
    .input(appListInput)
    .output(z.array(appOutput))
    .query(async ({ ctx, input }) => {
      const apps = await ctx.db.app.findMany({
        where: visibleAppsWhere(ctx.principal),
        orderBy: [{ created_at: 'asc' }, { app_id: 'asc' }],
        ...pageArgs(input.page, input.limit),
      })
      return apps.map(toApp)
    }),

  get: readProcedure
    .meta({ openapi: { method: 'GET', path: '/app/{app_id}', tags, summary: 'Get an app', description: 'One app the key may see.', errorResponses: errorResponses('app_not_found') } })
    .input(appIdInput)
    .output(appOutput)
    .query(async ({ ctx, input }) => {
      await requireApp(ctx, input.app_id, 'read')
      const app = await ctx.db.app.findUnique({ where: { app_id: input.app_id } })
      if (!app) throw new ApiError('app_not_found')
      return toApp(app)
    }),

  create: writeProcedure
    .meta({ openapi: { method: 'POST', path: '/app', tags, summary: 'Create an app', description: '`owner_org` may be left out when the key can see exactly one organization. Needs role write in it.', errorResponses: errorResponses('missing_owner_org', 'org_not_found', 'insufficient_role', 'insufficient_permissions', 'app_already_exists') } })
    .input(appCreateInput)
    .output(appOutput)
    .mutation(async ({ ctx, input }) => {
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
        const app = await ctx.db.app.create({
          data: { app_id: input.app_id, name: input.name, icon_url: input.icon_url ?? '', owner_org: ownerOrg },
        })
        return toApp(app)
      } catch (e) {
        if (isUniqueViolation(e)) throw new ApiError('app_already_exists', { cause: e })
        throw e
      }
    }),

  update: writeProcedure
    .meta({ openapi: { method: 'PUT', path: '/app/{app_id}', tags, summary: 'Update an app', description: 'Changes the name, icon or retention of an app. Needs role write.', errorResponses: errorResponses('no_valid_fields_provided_for_update', 'app_not_found', 'insufficient_role') } })
    .input(appUpdateInput)
    .output(appOutput)
    .mutation(async ({ ctx, input }) => {
      await requireApp(ctx, input.app_id, 'write')
      const { app_id, ...data } = input
      const app = await ctx.db.app.update({ where: { app_id }, data })
      return toApp(app)
    }),

  delete: writeProcedure
    .meta({ openapi: { method: 'DELETE', path: '/app/{app_id}', tags, summary: 'Delete an app', description: 'Removes the app with its channels, bundles, devices and statistics. Needs role admin.', errorResponses: errorResponses('app_not_found', 'insufficient_role') } })
    .input(appIdInput)
    .output(okOutput)
    .mutation(async ({ ctx, input }) => {
      await requireApp(ctx, input.app_id, 'admin')
      await ctx.db.app.delete({ where: { app_id: input.app_id } })
      return ok
    }),
})
