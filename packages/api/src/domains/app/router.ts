import { z } from 'zod'
import { readProcedure, router, writeProcedure } from '../../trpc.ts'
import { okOutput } from '../common.ts'
import { appCreateInput, appIdInput, appListInput, appOutput, appUpdateInput } from './schema.ts'
import { createApp, deleteApp, getApp, listApps, updateApp } from './service.ts'

const tags = ['app']

/** The app domain (the root router, appRouter, is in root.ts). */
export const appDomainRouter = router({
  list: readProcedure
    .meta({
      errors: [],
      openapi: {
        method: 'GET',
        path: '/app',
        tags,
        summary: 'List apps',
        description: 'The apps the key may see, oldest first, 50 a page.',
      },
    })
    .input(appListInput)
    .output(z.array(appOutput))
    .query(({ ctx, input }) => listApps(ctx, input)),

  get: readProcedure
    .meta({
      errors: ['invalid_app_id', 'app_not_found'],
      openapi: { method: 'GET', path: '/app/{app_id}', tags, summary: 'Get an app', description: 'One app the key may see.' },
    })
    .input(appIdInput)
    .output(appOutput)
    .query(({ ctx, input }) => getApp(ctx, input)),

  create: writeProcedure
    .meta({
      errors: [
        'invalid_app_id',
        'invalid_url',
        'missing_owner_org',
        'org_not_found',
        'insufficient_role',
        'insufficient_permissions',
        'app_already_exists',
      ],
      openapi: {
        method: 'POST',
        path: '/app',
        tags,
        summary: 'Create an app',
        description: '`owner_org` may be left out when the key can see exactly one organization. Needs role write in it.',
      },
    })
    .input(appCreateInput)
    .output(appOutput)
    .mutation(({ ctx, input }) => createApp(ctx, input)),

  update: writeProcedure
    .meta({
      errors: ['no_valid_fields_provided_for_update', 'invalid_app_id', 'invalid_url', 'app_not_found', 'insufficient_role'],
      openapi: {
        method: 'PUT',
        path: '/app/{app_id}',
        tags,
        summary: 'Update an app',
        description:
          "Changes the name, icon, retention or `expose_metadata` of an app (`expose_metadata: true`: POST /updates answers carry the bundle's `link` and `comment`). Needs role write.",
      },
    })
    .input(appUpdateInput)
    .output(appOutput)
    .mutation(({ ctx, input }) => updateApp(ctx, input)),

  delete: writeProcedure
    .meta({
      errors: ['invalid_app_id', 'app_not_found', 'insufficient_role'],
      openapi: {
        method: 'DELETE',
        path: '/app/{app_id}',
        tags,
        summary: 'Delete an app',
        description: 'Removes the app with its channels, bundles, devices and statistics. Needs role admin.',
      },
    })
    .input(appIdInput)
    .output(okOutput)
    .mutation(({ ctx, input }) => deleteApp(ctx, input)),
})
