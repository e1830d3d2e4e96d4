// POST /updates: what the plugin gets back from an update check.
import { z } from 'zod'
import { NO_UPDATE, type NoUpdateCode } from '../resolve-update.ts'

export const UPDATE_KINDS = ['up_to_date', 'blocked', 'failed'] as const

/** A file of a bundle, as the 8.x plugin downloads it (DownloadService.handleManifestDownload; see domains/bundle/manifest.ts). */
export const manifestEntry = z
  .object({
    file_name: z.string().meta({ description: 'Path inside the bundle', example: 'assets/app.js' }),
    file_hash: z.string().meta({
      description: "Lowercase hex SHA-256 of the file's bytes",
      example: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    }),
    download_url: z.string().meta({ description: "Where to GET the file's bytes (signed, valid 24 h)" }),
  })
  .meta({ id: 'ManifestEntry' })

export const updateAvailableOutput = z
  .object({
    version: z.string().meta({ description: 'Bundle name to install', example: '1.2.3' }),
    url: z.string().meta({ description: 'Where to download the bundle zip', example: 'https://cdn.example.com/app-1.2.3.zip' }),
    checksum: z.string(),
    session_key: z.string().meta({ description: 'Key to decrypt the bundle; "" when it is not encrypted' }),
    link: z.string().optional().meta({ description: "The bundle's link, when the app has expose_metadata and the bundle has one" }),
    comment: z.string().optional().meta({ description: "The bundle's comment, when the app has expose_metadata and the bundle has one" }),
    manifest: z.array(manifestEntry).optional().meta({
      description: "The bundle's files (app setting `manifest`, hosted unencrypted bundles): the plugin fetches only those it lacks",
    }),
  })
  .meta({ id: 'UpdateAvailable' })

export const noUpdateOutput = z
  .object({
    // an enum: these are answers (HTTP 200), not errors, and clients can switch on them
    error: z
      .enum(Object.keys(NO_UPDATE) as [NoUpdateCode, ...NoUpdateCode[]])
      .meta({ description: 'Why no update is served', example: 'no_new_version_available' }),
    message: z.string().meta({ example: 'No new version available.' }),
    kind: z.enum(UPDATE_KINDS).meta({ description: '`up_to_date`, `blocked` (a channel policy) or `failed` (misconfiguration)' }),
    version: z.string().optional().meta({ description: 'The bundle that would have been served (blocked answers)' }),
    old: z.string().optional().meta({ description: 'The bundle the device runs (blocked answers)', example: '1.2.2' }),
    breaking: z
      .boolean()
      .optional()
      .meta({ description: 'true when a major update is held back (the plugin emits breakingAvailable/majorAvailable)' }),
  })
  .meta({ id: 'NoUpdate' })

export const builtinUpdateOutput = z
  .object({ version: z.literal('builtin').meta({ description: 'Go back to the bundle shipped in the binary' }) })
  .meta({ id: 'BuiltinUpdate' })

export const updatesOutput = z.union([updateAvailableOutput, builtinUpdateOutput, noUpdateOutput])
