// The endpoints the Capacitor updater plugin calls (no key; SPEC section 3).
import { deviceProcedure, router } from '../../trpc.ts'
import { answerManifestSize } from '../bundle/manifest-size.ts'
import {
  channelSelfDeleteInput,
  channelSelfDeleteOutput,
  channelSelfGetOutput,
  channelSelfListInput,
  channelSelfListOutput,
  channelSelfSetInput,
  channelSelfSetOutput,
  deviceInfo,
  manifestSizeInput,
  manifestSizeOutput,
  statsInput,
  statsOutput,
  updatesOutput,
} from './schema.ts'
import { answerUpdates, getOwnChannel, leaveOwnChannel, listSelfSetChannels, recordEvents, setOwnChannel } from './service.ts'

const tags = ['plugin']

export const pluginRouter = router({
  updates: deviceProcedure
    .meta({
      // an unknown app is a 200 answer here ({error: 'app_not_found', kind: 'failed'}): see NoUpdate
      errors: ['invalid_json_body', 'invalid_characters'],
      openapi: {
        method: 'POST',
        path: '/updates',
        tags,
        protect: false,
        summary: 'Check for an update (plugin)',
        description:
          'Records the device check-in (device row with its `defaultChannel` and `key_id`, MAU) and answers the bundle to install `{version, url, checksum, session_key}` (`session_key` is empty when the bundle is not encrypted; plus the bundle\'s `link` and `comment`, when set, if the app has `expose_metadata`), `{version:"builtin"}` to go back to the native bundle, or HTTP 200 `{error, message, kind}` when there is none: `kind` is `up_to_date`, `blocked` (a channel policy, or `key_id_mismatch`: the bundle was encrypted for another key than the one the device reports) or `failed`. The channel is the device override, else `defaultChannel` when public or self-settable for the platform, else the platform\'s public channel; a bundle override wins over any channel and bypasses channel policies. A body that is not a valid info object (`device_id` a UUID, `plugin_version` semver, …): HTTP 400 `invalid_json_body`.',
      },
    })
    .input(deviceInfo)
    .output(updatesOutput)
    .mutation(({ ctx, input }) => answerUpdates(ctx.services, input)),

  manifestSize: deviceProcedure
    .meta({
      errors: ['invalid_json_body', 'invalid_characters', 'app_not_found'],
      openapi: {
        method: 'POST',
        path: '/updates/manifest_size',
        tags,
        protect: false,
        summary: 'Download size of a partial update (plugin)',
        description:
          'The plugin (`getBundleDownloadSize`, `getLatest` with `includeBundleSize`) posts the info object, `version` and the manifest entries it lacks; the answer is the bytes of each file (`size`, or `error: "size_unknown"` for a hash the app does not hold) and their total. Entries without `file_hash` are skipped, repeated ones counted once. Records no check-in.',
      },
    })
    .input(manifestSizeInput)
    .output(manifestSizeOutput)
    .mutation(({ ctx, input }) => answerManifestSize(ctx.services, input)),

  stats: deviceProcedure
    .meta({
      // a NUL in one event is that event's result (200), not the batch's
      errors: ['invalid_json_body', 'batch_too_large'],
      openapi: {
        method: 'POST',
        path: '/stats',
        tags,
        protect: false,
        summary: 'Report device events (plugin)',
        description:
          'Body: one event or a JSON array of up to 200 events (documented here as `events`), as the plugin flushes its stats queue. Each event is validated on its own and the answer is `{status:"ok", results}`, one result per event in input order (`{status:"ok"}` or `{status:"error", error, message}`: `invalid_json_body`, `app_not_found`, …), so one bad event never loses the others; `[]` answers `results: []`. The batch is written in one transaction. Each event refreshes the device and counts it toward MAU on its day (`timestamp` within the last 7 days, else today); `set` records the bundle the device now runs and counts an install; `update_fail`, `download_fail`, `checksum_fail` count an install failure of the bundle named by `version_name`; `download_complete` adds the size of an external or S3 bundle to that day\'s bandwidth. HTTP 400 only for the body as a whole: more than 200 events (`batch_too_large`) or neither an object nor an array (`invalid_json_body`).',
      },
    })
    .input(statsInput)
    .output(statsOutput)
    .mutation(({ ctx, input }) => recordEvents(ctx.services, input)),

  channelSelfSet: deviceProcedure
    .meta({
      errors: ['invalid_json_body', 'invalid_characters'],
      openapi: {
        method: 'POST',
        path: '/channel_self',
        tags,
        protect: false,
        summary: 'Check a channel the device wants to join (plugin setChannel)',
        description:
          'The 8.x plugin keeps the chosen channel on the device and sends it back as `defaultChannel` on every call, so this stores nothing: `{status:"ok"}` when the channel exists, serves the device\'s platform and allows self-set (`allow_device_self_set`); `{status:"ok", unset:true}` when it is the platform\'s public channel (the plugin then clears its local choice); otherwise HTTP 200 `{error, message}` with `channel_not_found`, `channel_self_set_not_allowed` or `missing_channel` (an unknown app: `app_not_found`). An operator\'s override (POST /device) still wins on /updates.',
      },
    })
    .input(channelSelfSetInput)
    .output(channelSelfSetOutput)
    .mutation(({ ctx, input }) => setOwnChannel(ctx.services, input)),

  channelSelfGet: deviceProcedure
    .meta({
      errors: ['invalid_json_body', 'invalid_characters', 'channel_not_found'],
      errorStatus: { channel_not_found: 400 },
      openapi: {
        method: 'PUT',
        path: '/channel_self',
        tags,
        protect: false,
        summary: "The device's channel (plugin getChannel)",
        description:
          '`{channel, status:"override", allowSet}` when an operator set the device\'s channel (POST /device), else `{channel, status:"default"}`: the `defaultChannel` the device sent when that channel is usable (public or self-settable, serving its platform), else the platform\'s public channel. None: HTTP 400 `channel_not_found` (the plugin then falls back to its local channel). An unknown app: HTTP 200 `{error:"app_not_found"}`.',
      },
    })
    .input(deviceInfo)
    .output(channelSelfGetOutput)
    .mutation(({ ctx, input }) => getOwnChannel(ctx.services, input)),

  channelSelfList: deviceProcedure
    .meta({
      errors: ['invalid_json_body', 'invalid_characters'],
      openapi: {
        method: 'GET',
        path: '/channel_self',
        tags,
        protect: false,
        summary: 'Channels a device may join (plugin listChannels)',
        description:
          'The info object as query parameters. A bare JSON array `[{id, name, public, allow_self_set}]` of the channels that serve the device\'s platform and build (`is_emulator`, `is_prod`) and are public or allow self-set, oldest first (an unknown app: HTTP 200 `{error:"app_not_found"}`).',
      },
    })
    .input(channelSelfListInput)
    .output(channelSelfListOutput)
    .query(({ ctx, input }) => listSelfSetChannels(ctx.services, input)),

  channelSelfDelete: deviceProcedure
    .meta({
      errors: ['invalid_json_body', 'invalid_characters'],
      openapi: {
        method: 'DELETE',
        path: '/channel_self',
        tags,
        protect: false,
        summary: "Leave the chosen channel (older plugins' unsetChannel)",
        description:
          'The info object as query parameters or a JSON body. `{status:"ok"}`: there is nothing to remove server-side (the 8.x plugin clears its local choice and sends no request). An unknown app: HTTP 200 `{error:"app_not_found"}`.',
      },
    })
    .input(channelSelfDeleteInput)
    .output(channelSelfDeleteOutput)
    .mutation(({ ctx, input }) => leaveOwnChannel(ctx.services, input)),
})
