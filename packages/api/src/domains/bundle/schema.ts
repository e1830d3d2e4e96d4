import { z } from 'zod'
import { appId, intParam, isoDate, limit, page, semverName } from '../common.ts'

export const bundleOutput = z
  .object({
    id: z.number().int(),
    app_id: z.string(),
    name: z.string(),
    checksum: z.string().nullable(),
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
    storage_provider: z.string(),
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
  external_url: z
    .string()
    .trim()
    .min(1)
    .max(2048)
    .meta({ description: 'https URL of the bundle zip', example: 'https://cdn.example.com/app-1.2.3.zip' }),
  checksum: z
    .string()
    .trim()
    .min(1)
    .max(512)
    .meta({ description: 'Checksum of the zip (as computed by the Capgo CLI)', example: 'f2c1d1e0' }),
  size: intParam(0, 2_147_483_647).optional().meta({ description: 'Size of the zip in bytes (counts toward storage)', example: 1048576 }),
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

export const bundleCreateOutput = z.object({ status: z.literal('ok'), bundle: bundleOutput }).meta({ id: 'BundleCreated' })

export const bundleDeleteInput = z.object({
  app_id: appId,
  version: versionName
    .optional()
    .meta({ description: 'Bundle name to delete; left out, every bundle not in use is deleted', example: '1.2.3' }),
})
