import { z } from 'zod'
import { readProcedure, router, uploadProcedure, writeProcedure } from '../../trpc.ts'
import { okOutput } from '../common.ts'
import {
  bundleCreateInput,
  bundleCreateOutput,
  bundleDeleteInput,
  bundleFinalizeInput,
  bundleFinalizeOutput,
  bundleGetInput,
  bundleOutput,
} from './schema.ts'
import { createBundle, deleteBundles, finalizeBundle, listBundles } from './service.ts'

const tags = ['bundle']
const LIST = "The app's bundles that are not deleted, newest first, 50 a page (`page`, `limit`)."
const DELETE =
  'With `version`: soft-deletes that bundle (409 `bundle_in_use` while a channel or a device override uses it). Without: soft-deletes every bundle of the app that nothing uses. Deleted bundles no longer count toward storage, and the bytes of bundles hosted here are removed. Fields may come as query parameters or as a JSON body. Needs role write.'

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
        'missing_checksum',
        'app_not_found',
        'insufficient_role',
        'version_already_exists',
      ],
      openapi: {
        method: 'POST',
        path: '/bundle',
        tags,
        summary: 'Register a bundle hosted elsewhere, or start one hosted here',
        description:
          '`version` must be a strict semantic version (`1.2.3`, `1.2.3-beta.1`: no `v` prefix, no whitespace); a name the app already used (even deleted) is 409 `version_already_exists`. Needs role upload.\n\n' +
          '- With `external_url` (https, no user:password part) and `checksum`: the bundle is ready at once; `size` counts toward storage.\n' +
          '- Without `external_url`: the bundle is hosted here and `pending`. Send its zip with one `PUT` to `upload.url` (no API key: the URL is signed, single-use, valid one hour; with an S3 store it is a presigned S3 URL), then call `POST /bundle/finalize`. Posting the same pending version again hands out a new URL. An encrypted bundle (`session_key`) needs `checksum` (the signed checksum the device verifies).',
      },
    })
    .input(bundleCreateInput)
    .output(bundleCreateOutput)
    .mutation(({ ctx, input }) => createBundle(ctx, input)),

  finalize: uploadProcedure
    .meta({
      errors: [
        'invalid_app_id',
        'app_not_found',
        'insufficient_role',
        'version_not_found',
        'upload_missing',
        'payload_too_large',
        'size_mismatch',
        'checksum_mismatch',
        'invalid_bundle',
      ],
      openapi: {
        method: 'POST',
        path: '/bundle/finalize',
        tags,
        summary: 'Finalize an uploaded bundle',
        description:
          'Checks the zip uploaded for a pending bundle and makes it `ready`: `size` is its byte count (a different declared `size`: 400 `size_mismatch`), `storage_checksum` the SHA-256 of its bytes; unencrypted, `checksum` becomes that SHA-256 (a different declared one: 400 `checksum_mismatch`) and the bytes must be a zip with an `index.html` at its root or inside one top-level folder (400 `invalid_bundle`); over `BUNDLE_MAX_BYTES`: 413. On an error the upload is removed and the bundle stays pending (POST /bundle again for a new upload URL). Nothing uploaded: 400 `upload_missing`. Finalizing a ready bundle answers it unchanged. Needs role upload.',
      },
    })
    .input(bundleFinalizeInput)
    .output(bundleFinalizeOutput)
    .mutation(({ ctx, input }) => finalizeBundle(ctx, input)),

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
