// POST /stats: the events the plugin reports, one by one or in batches of up to 200.
import { z } from 'zod'
import { deviceInfo, str } from './device-info.ts'

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
