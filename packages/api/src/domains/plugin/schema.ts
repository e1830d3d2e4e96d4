// What the Capacitor updater plugin sends and receives (no key; see SPEC section 3).
import { z } from 'zod'
import { appId, bool, deviceId } from '../common.ts'
import { PLATFORMS } from '../device/schema.ts'

const str = (max: number, description: string, example: string) => z.string().max(max).meta({ description, example })

/** The plugin's info object, sent with every device-facing call. */
export const deviceInfo = z.object({
  app_id: appId,
  device_id: deviceId,
  platform: z.enum(PLATFORMS).meta({ description: 'Device platform', example: 'ios' }),
  version_name: str(255, 'Bundle the device runs (`builtin` = the bundle shipped in the native app)', '1.2.3'),
  version_build: str(255, 'Native app version', '1.0.0'),
  plugin_version: str(64, 'Version of the updater plugin', '8.0.0').optional(),
  version_os: str(64, 'OS version', '17.4').optional(),
  is_emulator: bool().optional().meta({ description: 'Running on an emulator/simulator', example: false }),
  is_prod: bool().optional().meta({ description: 'A production (release) build', example: true }),
  custom_id: str(255, 'Id chosen by the app (setCustomId)', 'user-42').optional(),
  defaultChannel: str(255, 'Channel configured in capacitor.config (`defaultChannel`)', 'beta').optional(),
})
export type DeviceInfo = z.infer<typeof deviceInfo>

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
    manifest: z.array(manifestEntry).optional().meta({
      description: "The bundle's files (app setting `manifest`, hosted unencrypted bundles): the plugin fetches only those it lacks",
    }),
  })
  .meta({ id: 'UpdateAvailable' })

export const noUpdateOutput = z
  .object({
    error: z.string().meta({ description: 'Why no update is served', example: 'no_new_version_available' }),
    message: z.string(),
    kind: z.enum(UPDATE_KINDS).meta({ description: '`up_to_date`, `blocked` (a channel policy) or `failed` (misconfiguration)' }),
    version: z.string().optional().meta({ description: 'The bundle that would have been served (blocked answers)' }),
    old: z.string().optional().meta({ description: 'The bundle the device runs (blocked answers)' }),
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

export const statsEvent = deviceInfo.omit({ version_build: true, defaultChannel: true }).extend({
  version_build: str(255, 'Native app version', '1.0.0').optional(),
  action: z
    .string()
    .trim()
    .min(1)
    .max(100)
    .meta({ description: 'Event name (`set`, `download_complete`, `update_fail`, …)', example: 'download_complete' }),
  old_version_name: str(255, 'Bundle the device ran before (`set`)', '1.2.2').optional(),
})
export type StatsEvent = z.infer<typeof statsEvent>

/**
 * The body is one event or an array of events. The REST layer spreads a JSON body into an
 * object (an array arrives as {"0": …, "1": …}), so both shapes are normalised to `{events}`.
 */
const toEvents = (v: unknown) => {
  if (Array.isArray(v)) return { events: v }
  if (v && typeof v === 'object' && !('events' in v)) {
    const keys = Object.keys(v)
    if (keys.length && keys.every((k) => /^\d+$/.test(k)))
      return { events: keys.sort((a, b) => Number(a) - Number(b)).map((k) => (v as Record<string, unknown>)[k]) }
    return { events: [v] }
  }
  return v
}

export const statsInput = z
  .preprocess(
    toEvents,
    z.object({
      events: z
        .array(statsEvent)
        .min(1)
        .max(200)
        .meta({
          description: 'The events (a bare event or array body is accepted too)',
          example: [
            {
              app_id: 'com.example.app',
              device_id: '6aa5ec5e-3f3a-4b7e-9d3c-1a2b3c4d5e6f',
              platform: 'ios',
              version_name: '1.2.3',
              action: 'download_complete',
            },
          ],
        }),
    }),
  )
  .meta({ description: 'One event object, or an array of up to 200 events' })

export const channelSelfSetInput = deviceInfo.extend({
  channel: z.string().trim().min(1).max(255).meta({ description: 'Channel to join', example: 'beta' }),
})

export const channelSelfGetOutput = z
  .object({
    channel: z.string(),
    status: z.enum(['override', 'default']),
    allowSet: z.boolean().optional(),
  })
  .meta({ id: 'DeviceChannel' })

export const channelSelfListInput = z.object({
  app_id: appId,
  platform: z.enum(PLATFORMS).optional().meta({ description: 'Only channels serving this platform', example: 'ios' }),
  device_id: deviceId.optional(),
  is_emulator: z.stringbool().optional().meta({ description: 'Only channels that allow emulators', example: 'false' }),
  is_prod: z.stringbool().optional().meta({ description: 'Only channels that allow this build type', example: 'true' }),
})

export const channelSelfListOutput = z.array(
  z
    .object({ id: z.number().int(), name: z.string(), public: z.boolean(), allow_self_set: z.boolean() })
    .meta({ id: 'SelfSettableChannel' }),
)

export const channelSelfDeleteInput = z.object({
  app_id: appId,
  device_id: deviceId,
  platform: z
    .enum(PLATFORMS)
    .optional()
    .meta({ description: 'Device platform (ignored; accepted for plugin compatibility)', example: 'ios' }),
  version_name: str(255, 'Bundle the device runs (ignored; accepted for plugin compatibility)', '1.2.3').optional(),
  version_build: str(255, 'Native app version (ignored; accepted for plugin compatibility)', '1.0.0').optional(),
})

// ---- partial (manifest) updates (see domains/bundle/manifest.ts) ----

/** An entry as the plugin sends it back (CapgoUpdater.getBundleDownloadSize): every field may be missing. */
const manifestSizeEntry = z.object({
  file_name: z.string().max(4096).nullish(),
  file_hash: z.string().max(256).nullish(),
  download_url: z.string().max(8192).nullish(),
})

const manifestSizeExample = [
  {
    file_name: 'assets/app.js',
    file_hash: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
    download_url:
      'https://updates.example.com/bundle_files/com.example.app/9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08?b=12&d=6aa5ec5e-3f3a-4b7e-9d3c-1a2b3c4d5e6f&e=1767225600&s=…',
  },
]

export const manifestSizeInput = deviceInfo.extend({
  version: str(255, 'The bundle the entries belong to', '1.2.4').optional(),
  manifest: z
    .array(manifestSizeEntry)
    .max(20_000)
    .optional()
    .meta({ description: 'The manifest entries the device lacks', example: manifestSizeExample }),
  files: z
    .array(manifestSizeEntry)
    .max(20_000)
    .optional()
    .meta({ description: 'Another name for `manifest`', example: manifestSizeExample }),
})

export const manifestSizeOutput = z
  .object({
    totalSize: z.number().int().meta({ description: 'Bytes of the files whose size is known' }),
    knownFiles: z.number().int(),
    unknownFiles: z.number().int(),
    files: z.array(
      z.object({
        file_name: z.string().nullable(),
        file_hash: z.string(),
        download_url: z.string().nullable(),
        size: z.number().int().optional(),
        error: z.literal('size_unknown').optional().meta({ description: 'The app holds no file with this hash' }),
      }),
    ),
  })
  .meta({ id: 'ManifestSize' })
