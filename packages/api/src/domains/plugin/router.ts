// The endpoints the Capacitor updater plugin calls (no key; SPEC section 3).
import { deviceProcedure, router } from '../../trpc.ts'
import { okOutput } from '../common.ts'
import {
  channelSelfDeleteInput,
  channelSelfGetOutput,
  channelSelfListInput,
  channelSelfListOutput,
  channelSelfSetInput,
  deviceInfo,
  statsInput,
  statsOutput,
  updatesOutput,
} from './schema.ts'
import { answerUpdates, getOwnChannel, leaveOwnChannel, listSelfSetChannels, recordEvents, setOwnChannel } from './service.ts'

const tags = ['plugin']

export const pluginRouter = router({
  updates: deviceProcedure
    .meta({
      errors: ['invalid_json_body', 'invalid_characters', 'app_not_found'],
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

  stats: deviceProcedure
    .meta({
      errors: ['invalid_json_body', 'batch_too_large', 'invalid_characters'],
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
      errors: ['invalid_json_body', 'invalid_characters', 'app_not_found', 'channel_not_found', 'channel_self_set_not_allowed'],
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

  channelSelfGet: deviceProcedure
    .meta({
      errors: ['invalid_json_body', 'invalid_characters', 'app_not_found', 'channel_not_found'],
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

  channelSelfList: deviceProcedure
    .meta({
      errors: ['invalid_json_body', 'invalid_characters', 'app_not_found'],
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

  channelSelfDelete: deviceProcedure
    .meta({
      errors: ['invalid_json_body', 'invalid_characters', 'app_not_found', 'channel_not_found', 'channel_self_set_not_allowed'],
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
