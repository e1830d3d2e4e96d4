import { z } from 'zod'
import type { Prisma } from '@capgo-api/db'
import { requireApp } from '../access.ts'
import { ApiError, errorResponses } from '../errors.ts'
import { appTransaction, retryOnUniqueViolation } from '../lib/tx.ts'
import { channelDeleteInput, channelGetInput, channelOutput, channelSetInput, DISABLE_AUTO_UPDATE } from '../schemas/channel.ts'
import { iso, ok, okOutput, pageArgs } from '../schemas/common.ts'
import { readProcedure, router, writeProcedure } from '../trpc.ts'

export const channelSelect = {
  id: true, created_at: true, updated_at: true, name: true, app_id: true, created_by: true, public: true,
  disableAutoUpdateUnderNative: true, disableAutoUpdate: true, ios: true, android: true, allow_device_self_set: true,
  allow_emulator: true, allow_dev: true, allow_prod: true, allow_device: true,
  version: { select: { id: true, name: true } },
} satisfies Prisma.ChannelSelect

type ChannelRow = Prisma.ChannelGetPayload<{ select: typeof channelSelect }>

const toDisable = (v: string) => ((DISABLE_AUTO_UPDATE as readonly string[]).includes(v) ? (v as (typeof DISABLE_AUTO_UPDATE)[number]) : 'major')

export const toChannel = (c: ChannelRow) => ({ ...c, created_at: iso(c.created_at), updated_at: iso(c.updated_at), disableAutoUpdate: toDisable(c.disableAutoUpdate) })

const tags = ['channel']

export const channelRouter = router({
  upsert: writeProcedure
    .meta({
      openapi: {
        method: 'POST', path: '/channel', tags, summary: 'Create or update a channel',
        description: 'Upsert on app + channel name. `version` is a bundle name of the app; left out, the channel keeps its version. `public: true` makes it the default channel of its platforms and demotes any other default of the same platform. Needs role write.',
        errorResponses: errorResponses('app_not_found', 'insufficient_role', 'version_not_found'),
      },
    })
    .input(channelSetInput)
    .output(okOutput)
    .mutation(async ({ ctx, input }) => {
      const { app_id, channel: name, version, ...flags } = input
      await requireApp(ctx, app_id, 'write')
      let version_id: number | undefined
      if (version !== undefined) {
        const bundle = await ctx.db.bundle.findFirst({ where: { app_id, name: version, deleted: false }, select: { id: true } })
        if (!bundle) throw new ApiError('version_not_found')
        version_id = bundle.id
      }
      const data = { ...flags, ...(version_id !== undefined ? { version_id } : {}) }
      await retryOnUniqueViolation(() =>
        appTransaction(ctx.db, app_id, async (tx) => {
          const ch = await tx.channel.upsert({
            where: { app_id_name: { app_id, name } },
            create: { app_id, name, created_by: ctx.principal.userId, ...data },
            update: data,
            select: { id: true, public: true, ios: true, android: true },
          })
          if (ch.public) {
            const platforms: Prisma.ChannelWhereInput[] = []
            if (ch.ios) platforms.push({ ios: true })
            if (ch.android) platforms.push({ android: true })
            if (platforms.length) {
              await tx.channel.updateMany({ where: { app_id, public: true, id: { not: ch.id }, OR: platforms }, data: { public: false } })
            }
          }
        }),
      )
      return ok
    }),

  get: readProcedure
    .meta({
      openapi: {
        method: 'GET', path: '/channel', tags, summary: 'List channels or get one',
        description: "Without `channel`: the app's channels, oldest first, 50 a page. With `channel`: that channel.",
        errorResponses: errorResponses('app_not_found', 'channel_not_found'),
      },
    })
    .input(channelGetInput)
    .output(z.union([channelOutput, z.array(channelOutput)]))
    .query(async ({ ctx, input }) => {
      await requireApp(ctx, input.app_id, 'read')
      if (input.channel !== undefined) {
        const ch = await ctx.db.channel.findUnique({ where: { app_id_name: { app_id: input.app_id, name: input.channel } }, select: channelSelect })
        if (!ch) throw new ApiError('channel_not_found')
        return toChannel(ch)
      }
      const rows = await ctx.db.channel.findMany({
        where: { app_id: input.app_id },
        orderBy: [{ created_at: 'asc' }, { id: 'asc' }],
        select: channelSelect,
        ...pageArgs(input.page, input.limit),
      })
      return rows.map(toChannel)
    }),

  delete: writeProcedure
    .meta({
      openapi: {
        method: 'DELETE', path: '/channel', tags, summary: 'Delete a channel',
        description: 'Removes the channel and the device overrides that pointed at it. Fields may come as query parameters or as a JSON body. Needs role admin.',
        errorResponses: errorResponses('app_not_found', 'insufficient_role', 'channel_not_found'),
      },
    })
    .input(channelDeleteInput)
    .output(okOutput)
    .mutation(async ({ ctx, input }) => {
      await requireApp(ctx, input.app_id, 'admin')
      const { count } = await ctx.db.channel.deleteMany({ where: { app_id: input.app_id, name: input.channel } })
      if (!count) throw new ApiError('channel_not_found')
      return ok
    }),
})
