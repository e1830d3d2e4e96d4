// The endpoints the Capacitor updater plugin calls (no key; SPEC section 3).
import { publicProcedure, router } from '../../trpc.ts'
import { answerManifestSize } from '../bundle/manifest.ts'
import { okOutput } from '../common.ts'
import {
  channelSelfDeleteInput,
  channelSelfGetOutput,
  channelSelfListInput,
  channelSelfListOutput,
  channelSelfSetInput,
  deviceInfo,
  manifestSizeInput,
  manifestSizeOutput,
  statsInput,
  updatesOutput,
} from './schema.ts'
import { answerUpdates, getOwnChannel, leaveOwnChannel, listSelfSetChannels, recordEvents, setOwnChannel } from './service.ts'

const tags = ['plugin']

export const pluginRouter = router({
  updates: publicProcedure
    .meta({
      errors: ['invalid_app_id', 'invalid_characters', 'app_not_found'],
      openapi: {
        method: 'POST',
        path: '/updates',
        tags,
        protect: false,
        summary: 'Check for an update (plugin)',
        description:
          "Records the device check-in (device row, MAU) and answers the bundle to install `{version, url, checksum, session_key}` (`session_key` is empty when the bundle is not encrypted), or HTTP 200 `{error, message, kind}` when there is none: `kind` is `up_to_date`, `blocked` (a channel policy) or `failed`. The channel is the device override, else `defaultChannel` when public or self-settable for the platform, else the platform's public channel; a bundle override wins over any channel and bypasses channel policies.",
      },
    })
    .input(deviceInfo)
    .output(updatesOutput)
    .mutation(({ ctx, input }) => answerUpdates(ctx.services, input)),

  manifestSize: publicProcedure
    .meta({
      errors: ['invalid_app_id', 'invalid_characters', 'app_not_found'],
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

  stats: publicProcedure
    .meta({
      errors: ['invalid_app_id', 'invalid_characters', 'app_not_found'],
      openapi: {
        method: 'POST',
        path: '/stats',
        tags,
        protect: false,
        summary: 'Report device events (plugin)',
        description:
          "Body: one event or a JSON array of events (documented here as `events`). Each event refreshes the device and counts it toward MAU; `set` records the bundle the device now runs; `download_complete` adds the bundle's size to the day's bandwidth.",
      },
    })
    .input(statsInput)
    .output(okOutput)
    .mutation(({ ctx, input }) => recordEvents(ctx.services, input)),

  channelSelfSet: publicProcedure
    .meta({
      errors: ['invalid_app_id', 'invalid_characters', 'app_not_found', 'channel_not_found', 'channel_self_set_not_allowed'],
      openapi: {
        method: 'POST',
        path: '/channel_self',
        tags,
        protect: false,
        summary: 'Join a channel (plugin setChannel)',
        description:
          "Sets the device's own channel. The channel must allow self-set (`allow_device_self_set`), and an override to a channel that does not allow it cannot be replaced by the device (403 `channel_self_set_not_allowed`). Choosing the platform's public channel simply removes the override.",
      },
    })
    .input(channelSelfSetInput)
    .output(okOutput)
    .mutation(({ ctx, input }) => setOwnChannel(ctx.services, input)),

  channelSelfGet: publicProcedure
    .meta({
      errors: ['invalid_app_id', 'invalid_characters', 'app_not_found', 'channel_not_found'],
      openapi: {
        method: 'PUT',
        path: '/channel_self',
        tags,
        protect: false,
        summary: "The device's channel (plugin getChannel)",
        description:
          '`{channel, status: "override"}` when the device has a channel override, else the channel it falls into `{channel, status: "default"}` (404 `channel_not_found` when none).',
      },
    })
    .input(deviceInfo)
    .output(channelSelfGetOutput)
    .mutation(({ ctx, input }) => getOwnChannel(ctx.services, input)),

  channelSelfList: publicProcedure
    .meta({
      errors: ['invalid_app_id', 'invalid_characters', 'app_not_found'],
      openapi: {
        method: 'GET',
        path: '/channel_self',
        tags,
        protect: false,
        summary: 'Channels a device may join (plugin listChannels)',
        description:
          'The channels of the app that allow self-set, restricted to those serving `platform` and the build type given by `is_emulator` / `is_prod`, oldest first.',
      },
    })
    .input(channelSelfListInput)
    .output(channelSelfListOutput)
    .query(({ ctx, input }) => listSelfSetChannels(ctx.services, input)),

  channelSelfDelete: publicProcedure
    .meta({
      errors: ['invalid_app_id', 'invalid_characters', 'app_not_found', 'channel_not_found', 'channel_self_set_not_allowed'],
      openapi: {
        method: 'DELETE',
        path: '/channel_self',
        tags,
        protect: false,
        summary: 'Leave the self-set channel (plugin unsetChannel)',
        description:
          "Removes the device's own channel override; one set by an operator on a channel that does not allow self-set stays (403 `channel_self_set_not_allowed`). 404 `channel_not_found` when the device has no channel override.",
      },
    })
    .input(channelSelfDeleteInput)
    .output(okOutput)
    .mutation(({ ctx, input }) => leaveOwnChannel(ctx.services, input)),
})
