// The endpoints the Capacitor updater plugin calls (no key; SPEC section 3).
import type { Db } from '@capgo-api/db'
import { ApiError, errorResponses } from '../errors.ts'
import { noteOverride } from '../lib/app-snapshot.ts'
import { checkIn } from '../lib/devices.ts'
import { recordBandwidth } from '../lib/stats.ts'
import { retryOnUniqueViolation } from '../lib/tx.ts'
import { answerUpdates, defaultChannelOf } from '../lib/updates.ts'
import { ok, okOutput } from '../schemas/common.ts'
import {
  channelSelfDeleteInput, channelSelfGetOutput, channelSelfListInput, channelSelfListOutput, channelSelfSetInput, deviceInfo,
  statsInput, updatesOutput,
} from '../schemas/plugin.ts'
import { publicProcedure, router } from '../trpc.ts'

const tags = ['plugin']
const appExists = async (db: Db, app_id: string) => !!(await db.app.findUnique({ where: { app_id }, select: { app_id: true } }))

/** The device's own channel override, if any. */
const ownOverride = (db: Db, app_id: string, device_id: string) =>
  db.deviceOverride.findUnique({
    where: { app_id_device_id: { app_id, device_id } },
    select: { version_id: true, channel: { select: { id: true, name: true, allow_device_self_set: true } } },
  })

/** Removes the channel part of an override; the row goes when nothing is left in it. */
async function clearChannel(db: Db, app_id: string, device_id: string) {
  await db.deviceOverride.deleteMany({ where: { app_id, device_id, version_id: null } })
  await db.deviceOverride.updateMany({ where: { app_id, device_id }, data: { channel_id: null } })
}

export const pluginRouter = router({
  updates: publicProcedure
    .meta({
      openapi: {
        method: 'POST', path: '/updates', tags, protect: false, summary: 'Check for an update (plugin)',
        description:
          'Records the device check-in (device row, MAU) and answers the bundle to install `{version, url, checksum, session_key?}`, or HTTP 200 `{error, message, kind}` when there is none: `kind` is `up_to_date`, `blocked` (a channel policy) or `failed`. The channel is the device override, else `defaultChannel` when public or self-settable for the platform, else the platform\'s public channel; a bundle override wins over any channel and bypasses channel policies.',
      },
    })
    .input(deviceInfo)
    .output(updatesOutput)
    .mutation(async ({ ctx, input }) => {
      return answerUpdates(ctx.db, input)
    }),

  stats: publicProcedure
    .meta({
      openapi: {
        method: 'POST', path: '/stats', errorResponses: errorResponses('app_not_found'), tags, protect: false, summary: 'Report device events (plugin)',
        description:
          'Body: one event or a JSON array of events (documented here as `events`). Each event refreshes the device and counts it toward MAU; `set` records the bundle the device now runs; `download_complete` adds the bundle\'s size to the day\'s bandwidth.',
      },
    })
    .input(statsInput)
    .output(okOutput)
    .mutation(async ({ ctx, input }) => {
      const apps = [...new Set(input.events.map((e) => e.app_id))]
      for (const app_id of apps) if (!(await appExists(ctx.db, app_id))) throw new ApiError('app_not_found')
      for (const event of input.events) {
        await checkIn(ctx.db, event, { setVersion: event.action === 'set' })
        if (event.action === 'download_complete') {
          const bundle = await ctx.db.bundle.findFirst({ where: { app_id: event.app_id, name: event.version_name }, select: { size: true } })
          if (bundle) await recordBandwidth(ctx.db, event.app_id, bundle.size)
        }
      }
      return ok
    }),

  channelSelfSet: publicProcedure
    .meta({
      openapi: {
        method: 'POST', path: '/channel_self', errorResponses: errorResponses('app_not_found', 'channel_not_found', 'channel_self_set_not_allowed'), tags, protect: false, summary: 'Join a channel (plugin setChannel)',
        description:
          'Sets the device\'s own channel. The channel must allow self-set (`allow_device_self_set`), and an override to a channel that does not allow it cannot be replaced by the device (403 `channel_self_set_not_allowed`). Choosing the platform\'s public channel simply removes the override.',
      },
    })
    .input(channelSelfSetInput)
    .output(okOutput)
    .mutation(async ({ ctx, input }) => {
      const { app_id, device_id } = input
      if (!(await appExists(ctx.db, app_id))) throw new ApiError('app_not_found')
      const channel = await ctx.db.channel.findUnique({ where: { app_id_name: { app_id, name: input.channel } }, select: { id: true, public: true, ios: true, android: true, allow_device_self_set: true } })
      if (!channel) throw new ApiError('channel_not_found')
      if (!channel.allow_device_self_set) throw new ApiError('channel_self_set_not_allowed')
      const current = await ownOverride(ctx.db, app_id, device_id)
      if (current?.channel && !current.channel.allow_device_self_set) throw new ApiError('channel_self_set_not_allowed')
      await checkIn(ctx.db, input)
      if (channel.public && channel[input.platform]) {
        await clearChannel(ctx.db, app_id, device_id)
      } else {
        await retryOnUniqueViolation(() =>
          ctx.db.deviceOverride.upsert({
            where: { app_id_device_id: { app_id, device_id } },
            create: { app_id, device_id, channel_id: channel.id },
            update: { channel_id: channel.id },
            select: { device_id: true },
          }),
        )
        noteOverride(ctx.db, app_id) // the app's snapshot stays: /updates reads this override by its key
      }
      return ok
    }),

  channelSelfGet: publicProcedure
    .meta({
      openapi: {
        method: 'PUT', path: '/channel_self', errorResponses: errorResponses('app_not_found', 'channel_not_found'), tags, protect: false, summary: "The device's channel (plugin getChannel)",
        description: '`{channel, status: "override"}` when the device has a channel override, else the channel it falls into `{channel, status: "default"}` (404 `channel_not_found` when none).',
      },
    })
    .input(deviceInfo)
    .output(channelSelfGetOutput)
    .mutation(async ({ ctx, input }) => {
      const { app_id, device_id } = input
      if (!(await appExists(ctx.db, app_id))) throw new ApiError('app_not_found')
      await checkIn(ctx.db, input)
      const current = await ownOverride(ctx.db, app_id, device_id)
      if (current?.channel) return { channel: current.channel.name, status: 'override' as const, allowSet: current.channel.allow_device_self_set }
      const fallback = await defaultChannelOf(ctx.db, app_id, input.platform, input.defaultChannel)
      if (!fallback) throw new ApiError('channel_not_found')
      return { channel: fallback.name, status: 'default' as const, allowSet: fallback.allow_device_self_set }
    }),

  channelSelfList: publicProcedure
    .meta({
      openapi: {
        method: 'GET', path: '/channel_self', errorResponses: errorResponses('app_not_found'), tags, protect: false, summary: 'Channels a device may join (plugin listChannels)',
        description: 'The channels of the app that allow self-set, restricted to those serving `platform` and the build type given by `is_emulator` / `is_prod`, oldest first.',
      },
    })
    .input(channelSelfListInput)
    .output(channelSelfListOutput)
    .query(async ({ ctx, input }) => {
      if (!(await appExists(ctx.db, input.app_id))) throw new ApiError('app_not_found')
      const rows = await ctx.db.channel.findMany({
        where: {
          app_id: input.app_id,
          allow_device_self_set: true,
          ...(input.platform ? { [input.platform]: true } : {}),
          ...(input.is_emulator === true ? { allow_emulator: true } : input.is_emulator === false ? { allow_device: true } : {}),
          ...(input.is_prod === true ? { allow_prod: true } : input.is_prod === false ? { allow_dev: true } : {}),
        },
        orderBy: [{ created_at: 'asc' }, { id: 'asc' }],
        select: { id: true, name: true, public: true, allow_device_self_set: true },
        take: 1000,
      })
      return rows.map((c) => ({ id: c.id, name: c.name, public: c.public, allow_self_set: c.allow_device_self_set }))
    }),

  channelSelfDelete: publicProcedure
    .meta({
      openapi: {
        method: 'DELETE', path: '/channel_self', errorResponses: errorResponses('app_not_found', 'channel_not_found', 'channel_self_set_not_allowed'), tags, protect: false, summary: 'Leave the self-set channel (plugin unsetChannel)',
        description: "Removes the device's own channel override; one set by an operator on a channel that does not allow self-set stays (403 `channel_self_set_not_allowed`). 404 `channel_not_found` when the device has no channel override.",
      },
    })
    .input(channelSelfDeleteInput)
    .output(okOutput)
    .mutation(async ({ ctx, input }) => {
      const { app_id, device_id } = input
      if (!(await appExists(ctx.db, app_id))) throw new ApiError('app_not_found')
      const current = await ownOverride(ctx.db, app_id, device_id)
      if (!current?.channel) throw new ApiError('channel_not_found')
      if (!current.channel.allow_device_self_set) throw new ApiError('channel_self_set_not_allowed')
      await clearChannel(ctx.db, app_id, device_id)
      return ok
    }),
})
