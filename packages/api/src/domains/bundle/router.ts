import { z } from 'zod'
import { readProcedure, router, uploadProcedure, writeProcedure } from '../../trpc.ts'
import { okOutput } from '../common.ts'
import { bundleCreateInput, bundleCreateOutput, bundleDeleteInput, bundleGetInput, bundleOutput } from './schema.ts'
import { createBundle, deleteBundles, listBundles } from './service.ts'

const tags = ['bundle']
const LIST = "The app's bundles that are not deleted, newest first, 50 a page (`page`, `limit`)."
const DELETE =
  'With `version`: soft-deletes that bundle (409 `bundle_in_use` while a channel or a device override uses it). Without: soft-deletes every bundle of the app that nothing uses. Deleted bundles no longer count toward storage. Fields may come as query parameters or as a JSON body. Needs role write.'

export const bundleRouter = router({
  get: readProcedure
    .meta({
      errors: ['invalid_app_id', 'app_not_found', 'insufficient_role'],
      openapi: { method: 'GET', path: '/bundle', tags, summary: 'List bundles', description: LIST },
    })
    .input(bundleGetInput)
    .output(z.array(bundleOutput))
    .query(({ ctx, input }) => listBundles(ctx, input)),

  create: uploadProcedure
    .meta({
      errors: [
        'invalid_app_id',
        'invalid_version_format',
        'invalid_protocol',
        'invalid_url',
        'app_not_found',
        'insufficient_role',
        'version_already_exists',
      ],
      openapi: {
        method: 'POST',
        path: '/bundle',
        tags,
        summary: 'Register an externally hosted bundle',
        description:
          '`version` must be a strict semantic version (`1.2.3`, `1.2.3-beta.1`: no `v` prefix, no whitespace), `external_url` an https URL without a user:password part; a name the app already used (even deleted) is 409 `version_already_exists`. Counts `size` toward storage. `key_id` names the public key an encrypted bundle was made for (devices reporting another get `key_id_mismatch`); `link` and `comment` go to devices when the app has `expose_metadata`. Needs role upload.',
      },
    })
    .input(bundleCreateInput)
    .output(bundleCreateOutput)
    .mutation(({ ctx, input }) => createBundle(ctx, input)),

  delete: writeProcedure
    .meta({
      errors: ['invalid_app_id', 'app_not_found', 'insufficient_role', 'version_not_found', 'bundle_in_use'],
      openapi: { method: 'DELETE', path: '/bundle', tags, summary: 'Delete one bundle or every unused one', description: DELETE },
    })
    .input(bundleDeleteInput)
    .output(okOutput)
    .mutation(({ ctx, input }) => deleteBundles(ctx, input)),
})

/** /versions: the oldest seed's name for the same resource. */
export const versionsRouter = router({
  get: readProcedure
    .meta({
      errors: ['invalid_app_id', 'app_not_found', 'insufficient_role'],
      openapi: {
        method: 'GET',
        path: '/versions',
        tags,
        summary: 'List bundles (legacy alias of GET /bundle)',
        description: LIST,
        deprecated: true,
      },
    })
    .input(bundleGetInput)
    .output(z.array(bundleOutput))
    .query(({ ctx, input }) => listBundles(ctx, input)),

  delete: writeProcedure
    .meta({
      errors: ['invalid_app_id', 'app_not_found', 'insufficient_role', 'version_not_found', 'bundle_in_use'],
      openapi: {
        method: 'DELETE',
        path: '/versions',
        tags,
        summary: 'Delete bundles (legacy alias of DELETE /bundle)',
        description: DELETE,
        deprecated: true,
      },
    })
    .input(bundleDeleteInput)
    .output(okOutput)
    .mutation(({ ctx, input }) => deleteBundles(ctx, input)),
})
