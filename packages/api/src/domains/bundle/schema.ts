import { z } from 'zod'
import { appId, intParam, isoDate, limit, page, semverName } from '../common.ts'

export const bundleOutput = z
  .object({
    id: z.number().int(),
    app_id: z.string(),
    name: z.string().meta({ example: '1.2.3' }),
    status: z.enum(['pending', 'ready']).meta({ description: '`pending` until a bundle hosted here is uploaded and finalized' }),
    checksum: z.string().nullable(),
    storage_checksum: z
      .string()
      .nullable()
      .meta({ description: 'Lowercase hex SHA-256 of the bytes as stored here (hosted bundles, once finalized)' }),
    created_at: isoDate,
    updated_at: isoDate,
    deleted: z.boolean(),
    external_url: z.string().nullable(),
    minUpdateVersion: z.string().nullable(),
    native_packages: z.array(z.unknown()).nullable(),
    owner_org: z.string(),
    r2_path: z.string().nullable(),
    session_key: z.string().nullable(),
    key_id: z.string().nullable(),
    link: z.string().nullable(),
    comment: z.string().nullable(),
    storage_provider: z.enum(['external', 'disk', 's3']).meta({ example: 'external' }),
    size: z.number().int(),
    user_id: z.string().nullable(),
    bucket_id: z.string().nullable(),
  })
  .meta({ id: 'Bundle' })

/** A bundle name as stored: matched exactly, never trimmed (names are strict semver, see semverName). */
const versionName = z.string().min(1).max(255)

export const bundleGetInput = z.object({ app_id: appId, page, limit })

export const bundleCreateInput = z.object({
  app_id: appId,
  version: semverName.meta({ description: 'Bundle name, a strict semantic version (no `v` prefix, no whitespace)', example: '1.2.3' }),
  external_url: z.string().trim().min(1).max(2048).optional().meta({
    description: 'https URL of a zip hosted elsewhere (needs `checksum`). Left out, the bundle is hosted here: the answer carries `upload`',
    example: 'https://cdn.example.com/app-1.2.3.zip',
  }),
  checksum: z.string().trim().min(1).max(512).optional().meta({
    description:
      'Checksum the device verifies: the SHA-256 (hex) of the zip, or the signed checksum of an encrypted bundle. Required with `external_url` or `session_key`; for an unencrypted hosted bundle it is optional and checked at finalize',
    example: 'f2c1d1e0',
  }),
  size: intParam(0, 2_147_483_647)
    .optional()
    .meta({ description: 'Size of the zip in bytes (counts toward storage; for a hosted bundle, checked at finalize)', example: 1048576 }),
  session_key: z.string().max(1024).optional().meta({ description: 'Encryption session key, for encrypted bundles', example: 'iv:key' }),
  key_id: z.string().trim().min(1).max(64).optional().meta({
    description:
      "Id of the public key the bundle was encrypted for (the plugin's key_id: the first 20 characters of the key's base64 body); a device reporting another gets `key_id_mismatch`",
    example: 'MIIBCgKCAQEAxmP6e5Gm',
  }),
  link: z.string().max(2048).optional().meta({
    description: 'A link shown with the bundle (release notes); sent to devices when the app has `expose_metadata`',
    example: 'https://example.com/changelog/1.2.3',
  }),
  comment: z
    .string()
    .max(2048)
    .optional()
    .meta({ description: 'A note on the bundle; sent to devices when the app has `expose_metadata`', example: 'Fixes the login screen' }),
  minUpdateVersion: semverName.optional().meta({
    description: 'Lowest native version that may auto-update to this bundle (channels with disableAutoUpdate `version_number`)',
    example: '1.0.0',
  }),
})

export const uploadOutput = z
  .object({
    url: z.string().meta({
      description: 'Send the zip with one PUT here (any content type, no API key); single use',
      example: 'https://updates.example.com/bundle/upload/com.example.app/42?expires=1767225600&token=…&sig=…',
    }),
    method: z.literal('PUT'),
    expires_at: isoDate.meta({ description: 'The URL works until then (one hour)' }),
  })
  .meta({ id: 'BundleUpload' })

export const bundleCreateOutput = z
  .object({
    status: z.literal('ok'),
    bundle: bundleOutput,
    upload: uploadOutput.optional().meta({ description: 'For a bundle hosted here (no `external_url`): where to upload its zip' }),
  })
  .meta({ id: 'BundleCreated' })

export const bundleFinalizeInput = z.object({
  app_id: appId,
  version: versionName.meta({ description: 'The pending bundle whose zip was uploaded', example: '1.2.3' }),
})

export const bundleFinalizeOutput = z.object({ status: z.literal('ok'), bundle: bundleOutput }).meta({ id: 'BundleFinalized' })

export const bundleDeleteInput = z.object({
  app_id: appId,
  version: versionName
    .optional()
    .meta({ description: 'Bundle name to delete; left out, every bundle not in use is deleted', example: '1.2.3' }),
})
