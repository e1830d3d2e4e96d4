// What the Capacitor updater plugin sends and receives (no key; see SPEC section 3).
import { z } from 'zod'
import { appId, bool, SEMVER_RE } from '../common.ts'
import { PLATFORMS } from '../device/schema.ts'
import { NO_UPDATE, type NoUpdateCode } from './resolve-update.ts'

const str = (max: number, description: string, example: string) => z.string().max(max).meta({ description, example })

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** The plugin's device id: a UUID (CapgoUpdater.java keeps one per install), lower-cased on input. */
export const deviceUuid = z
  .string()
  .regex(UUID_RE, 'device_id must be a UUID such as 6aa5ec5e-3f3a-4b7e-9d3c-1a2b3c4d5e6f.')
  .transform((s) => s.toLowerCase())
  .meta({ description: 'Device id, a UUID (lower-cased on input)', example: '6aa5ec5e-3f3a-4b7e-9d3c-1a2b3c4d5e6f' })

/**
 * The plugin's info object, sent with every device-facing call (CapgoUpdater.java
 * createInfoObject). Unknown fields are ignored: plugins add fields over time.
 */
export const deviceInfo = z.object({
  app_id: appId,
  device_id: deviceUuid,
  platform: z.enum(PLATFORMS).meta({ description: 'Device platform', example: 'ios' }),
  version_name: str(255, 'Bundle the device runs (`builtin` = the bundle shipped in the native app)', '1.2.3'),
  version_build: z.string().min(1).max(255).meta({ description: 'Native app version', example: '1.0.0' }),
  version_code: str(64, 'Native build number (Android versionCode, iOS build)', '10').optional(),
  plugin_version: z
    .string()
    .max(64)
    .regex(SEMVER_RE, 'plugin_version must be a semantic version such as 8.51.0.')
    .meta({ description: 'Version of the updater plugin (semver)', example: '8.51.0' }),
  version_os: str(64, 'OS version', '17.4').optional(),
  is_emulator: bool().optional().meta({ description: 'Running on an emulator/simulator', example: false }),
  is_prod: bool().optional().meta({ description: 'A production (release) build', example: true }),
  custom_id: str(255, 'Id chosen by the app (setCustomId)', 'user-42').optional(),
  install_source: str(255, 'Where the app was installed from, as the plugin reports it', 'app_store').optional(),
  defaultChannel: str(255, "The device's channel: capacitor.config `defaultChannel`, or the one it chose (setChannel)", 'beta').optional(),
  key_id: str(64, 'Id of the encryption public key the device holds (absent without one)', 'MIIBCgKCAQEAxmP6e5Gm').optional(),
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

/**
 * The actions the plugin reports: every `sendStats` / `sendStatsAsync` call of @capgo/capacitor-updater
 * 8.51 (android CapgoUpdater.java, CapacitorUpdaterPlugin.java, DownloadService.java; ios CapgoUpdater.swift,
 * CapacitorUpdaterPlugin.swift, WebViewStatsReporter.swift, AppHealthTracker.swift), plus the
 * download progress `download_<percent>` (CapacitorUpdaterPlugin notifyDownload).
 */
export const STATS_ACTIONS = [
  // bundle lifecycle
  'set',
  'set_fail',
  'set_next',
  'reset',
  'delete',
  'update_fail',
  'download_complete',
  'download_fail',
  'finish_download_fail',
  'download_zip_start',
  'download_zip_complete',
  'download_manifest_start',
  'download_manifest_complete',
  'download_manifest_file_fail',
  'download_manifest_checksum_fail',
  'download_manifest_brotli_fail',
  'manifest_path_fail',
  'checksum_fail',
  'checksum_required',
  'session_key_required',
  'decrypt_fail',
  'unzip_fail',
  'low_mem_fail',
  'insufficient_disk_space',
  'windows_path_fail',
  'canonical_path_fail',
  'directory_path_fail',
  'blocked_by_server_url',
  'rate_limit_reached',
  // app and device health
  'app_moved_to_foreground',
  'app_moved_to_background',
  'app_launch_start',
  'app_launch_ready',
  'app_launch_timeout',
  'app_crash',
  'app_crash_native',
  'app_anr',
  'app_killed_low_memory',
  'app_killed_excessive_resource_usage',
  'app_initialization_failure',
  'app_memory_warning',
  'os_version_changed',
  'native_app_version_changed',
  // web view
  'webview_javascript_error',
  'webview_unhandled_rejection',
  'webview_resource_error',
  'webview_security_policy_violation',
  'webview_unclean_restart',
  'webview_render_process_gone',
  'webview_content_process_terminated',
  'webview_dom_content_loaded',
  'webview_page_loaded',
] as const
const STATS_ACTION_SET = new Set<string>(STATS_ACTIONS)
const isStatsAction = (a: string) => STATS_ACTION_SET.has(a) || /^download_(100|[1-9]?\d)$/.test(a)

/** The actions that count as install failures of the bundle they name (SPEC section 3). */
export const INSTALL_FAILURES: ReadonlySet<string> = new Set(['update_fail', 'download_fail', 'checksum_fail'])

/** One /stats event: the info object plus the event (CapgoUpdater.java sendStats). Validated one by one. */
export const statsEvent = deviceInfo.omit({ version_build: true }).extend({
  // the download worker sends "" when it does not know it (DownloadService.java sendStatsAsync)
  version_build: str(255, 'Native app version', '1.0.0').optional(),
  version_name: str(255, 'The bundle the event is about', '1.2.3'),
  action: z.string().max(100).refine(isStatsAction, "action is not one of the plugin's actions").meta({
    description: 'What happened (`set`, `download_complete`, `update_fail`, …, `download_<percent>`)',
    example: 'download_complete',
  }),
  old_version_name: str(255, 'Bundle the device ran before (`set`)', '1.2.2').optional(),
  timestamp: z.number().int().nonnegative().optional().meta({
    description: 'When it happened (ms since 1970): counted on that day when within the last 7 days, else today',
    example: 1764590400000,
  }),
  metadata: z.record(z.string(), z.unknown()).optional().meta({ description: 'Details of the event (kept by the plugin, ignored here)' }),
})
export type StatsEvent = z.infer<typeof statsEvent>

export const STATS_BATCH_MAX = 200

const STATS_EXAMPLE = {
  app_id: 'com.example.app',
  device_id: '6aa5ec5e-3f3a-4b7e-9d3c-1a2b3c4d5e6f',
  platform: 'ios',
  version_name: '1.2.3',
  version_build: '1.0.0',
  plugin_version: '8.51.0',
  action: 'download_complete',
  timestamp: 1764590400000,
}

/**
 * The body is one event object, or an array of up to 200 (what the plugin flushes). tRPC callers
 * may also send `{events}` (the documented shape: a procedure's input is an object). Events are
 * validated one by one by the service (statsEvent), so the body's schema only takes the shape.
 */
const toEvents = (v: unknown) => {
  if (Array.isArray(v)) return { events: v }
  if (v && typeof v === 'object') return 'events' in v ? v : { events: [v] }
  return v
}

export const statsInput = z
  .preprocess(
    toEvents,
    z.object({
      events: z
        .array(z.unknown())
        .max(STATS_BATCH_MAX, 'batch_too_large')
        .optional()
        .meta({
          description:
            'The events, at most 200 (a bare event object or a bare array is the usual body), each the info object plus `action`, `version_name`, `old_version_name?`, `timestamp?` (ms), `metadata?`; each is validated on its own',
          example: [STATS_EXAMPLE],
        }),
    }),
  )
  .meta({ description: 'One event object, or an array of up to 200 events' })

/** The events of a /stats body. */
export const eventsOf = (body: z.infer<typeof statsInput>): unknown[] => body.events ?? []

export const statsResult = z.union([
  z.object({ status: z.literal('ok') }),
  z.object({
    status: z.literal('error'),
    error: z.string().meta({ description: 'Why this event was not recorded', example: 'invalid_json_body' }),
    message: z.string(),
  }),
])
export type StatsResult = z.infer<typeof statsResult>

export const statsOutput = z
  .object({
    status: z.literal('ok'),
    results: z
      .array(statsResult)
      .meta({ description: "One per event, in input order: `{status:'ok'}` or `{status:'error', error, message}`" }),
  })
  .meta({ id: 'StatsResults' })

export const channelSelfSetInput = deviceInfo.extend({
  channel: z.string().max(255).optional().meta({ description: 'Channel to join (missing or empty: `missing_channel`)', example: 'beta' }),
})

/** The `error` codes the device endpoints answer with HTTP 200 (the plugin reads `error` in a 200 body). */
export const CHANNEL_SELF_ERRORS = ['app_not_found', 'channel_not_found', 'channel_self_set_not_allowed', 'missing_channel'] as const
export type ChannelSelfErrorCode = (typeof CHANNEL_SELF_ERRORS)[number]

/** An HTTP 200 answer the plugin reads as an error (`error` present), with the codes one endpoint answers that way. */
const deviceErrorOf = <const C extends readonly [ChannelSelfErrorCode, ...ChannelSelfErrorCode[]]>(codes: C, id: string, message: string) =>
  z
    .object({
      error: z.enum(codes).meta({ description: 'Why the request was not served', example: codes.at(-1) }),
      message: z.string().meta({ example: message }),
      kind: z.literal('failed').optional().meta({ description: '`failed` for `app_not_found`' }),
    })
    .meta({ id })

/** POST /channel_self: a choice the device may not make. */
export const channelChoiceErrorOutput = deviceErrorOf(CHANNEL_SELF_ERRORS, 'ChannelChoiceError', 'No channel named "nightly".')
/** The other device endpoints: the app does not exist. */
export const deviceErrorOutput = deviceErrorOf(['app_not_found'], 'DeviceAppNotFound', 'App not found.')

export const channelSelfSetOutput = z.union([
  z
    .object({
      status: z.literal('ok'),
      unset: z
        .literal(true)
        .optional()
        .meta({ description: "true when the channel is the platform's public one: the plugin clears its local choice" }),
    })
    .meta({ id: 'ChannelSelfSet' }),
  channelChoiceErrorOutput,
])

export const channelSelfGetOutput = z.union([
  z
    .object({
      channel: z.string().meta({ example: 'beta' }),
      status: z.enum(['override', 'default']),
      allowSet: z.boolean().optional().meta({ description: "With an operator's override: whether its channel allows self-set" }),
    })
    .meta({ id: 'DeviceChannel' }),
  deviceErrorOutput,
])

/** The info object as query parameters (CapgoUpdater.java listChannels puts every field in the query). */
export const channelSelfListInput = deviceInfo.extend({
  is_emulator: z.stringbool().optional().meta({ description: 'Running on an emulator/simulator', example: 'false' }),
  is_prod: z.stringbool().optional().meta({ description: 'A production (release) build', example: 'true' }),
})

export const channelSelfListOutput = z.union([
  z.array(
    z
      .object({ id: z.number().int(), name: z.string(), public: z.boolean(), allow_self_set: z.boolean() })
      .meta({ id: 'SelfSettableChannel' }),
  ),
  deviceErrorOutput,
])

export const channelSelfDeleteOutput = z.union([z.object({ status: z.literal('ok') }), deviceErrorOutput])

/** The info object as query parameters or a JSON body (older plugins); its booleans are not needed here. */
export const channelSelfDeleteInput = deviceInfo.omit({ is_emulator: true, is_prod: true })

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
