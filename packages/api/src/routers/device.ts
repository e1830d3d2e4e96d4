import { z } from 'zod'
import { requireApp } from '../access.ts'
import { ApiError, errorResponses } from '../errors.ts'
import { deviceSelect, listDevices, toDevice } from '../lib/devices.ts'
import { appTransaction, retryOnUniqueViolation } from '../lib/tx.ts'
import { ok, okOutput, PAGE_SIZE } from '../schemas/common.ts'
import { deviceDeleteInput, deviceGetInput, deviceListOutput, deviceOutput, deviceSetInput } from '../schemas/device.ts'
import { readProcedure, router, writeProcedure } from '../trpc.ts'

const tags = ['device']

export const deviceRouter = router({
  setOverride: writeProcedure
    .meta({
      openapi: {
        method: 'POST', path: '/device', errorResponses: errorResponses('app_not_found', 'insufficient_role', 'missing_channel_or_version', 'version_not_found', 'channel_not_found'), tags, summary: "Set a device's channel or bundle override",
        description: '`version_id` is a bundle **name** of the app, `channel` a channel name; give at least one. The device need not have checked in yet. A bundle override wins over any channel. Needs role write.',
      },
    })
    .input(deviceSetInput)
    .output(okOutput)
    .mutation(async ({ ctx, input }) => {
      const { app_id, device_id } = input
      await requireApp(ctx, app_id, 'write')
      if (input.version_id === undefined && input.channel === undefined) throw new ApiError('missing_channel_or_version')
      await retryOnUniqueViolation(() =>
        // serialized with bundle deletes and channel changes of this app: what we point at stays
        appTransaction(ctx.db, app_id, async (tx) => {
          const data: { version_id?: number; channel_id?: number } = {}
          if (input.version_id !== undefined) {
            const bundle = await tx.bundle.findFirst({ where: { app_id, name: input.version_id, deleted: false }, select: { id: true } })
            if (!bundle) throw new ApiError('version_not_found')
            data.version_id = bundle.id
          }
          if (input.channel !== undefined) {
            const channel = await tx.channel.findUnique({ where: { app_id_name: { app_id, name: input.channel } }, select: { id: true } })
            if (!channel) throw new ApiError('channel_not_found')
            data.channel_id = channel.id
          }
          await tx.deviceOverride.upsert({
            where: { app_id_device_id: { app_id, device_id } },
            create: { app_id, device_id, ...data },
            update: data,
            select: { device_id: true },
          })
        }),
      )
      return ok
    }),

  get: readProcedure
    .meta({
      openapi: {
        method: 'GET', path: '/device', errorResponses: errorResponses('app_not_found', 'insufficient_role', 'device_not_found', 'invalid_cursor'), tags, summary: 'List devices or get one',
        description:
          'With `device_id`: that device. Without: `{data, nextCursor?, hasMore}`, newest `updated_at` first then `device_id`, `limit` a page (default 50, 1–1000). Pass `nextCursor` back as `cursor` for the next page; every page costs the same (index seek).',
      },
    })
    .input(deviceGetInput)
    .output(z.union([deviceListOutput, deviceOutput])) // list first: a page is the common answer, and zod tries in order
    .query(async ({ ctx, input }) => {
      await requireApp(ctx, input.app_id, 'read')
      if (input.device_id !== undefined) {
        const where = { app_id_device_id: { app_id: input.app_id, device_id: input.device_id } }
        const [device, override] = await Promise.all([
          ctx.db.device.findUnique({ where, select: deviceSelect }),
          ctx.db.deviceOverride.findUnique({ where, select: { channel: { select: { name: true } } } }),
        ])
        if (!device) throw new ApiError('device_not_found')
        return toDevice(device, override?.channel?.name)
      }
      return listDevices(ctx.db, ctx.provider, input.app_id, input.limit ?? PAGE_SIZE, input.cursor)
    }),

  deleteOverride: writeProcedure
    .meta({
      openapi: {
        method: 'DELETE', path: '/device', errorResponses: errorResponses('app_not_found', 'insufficient_role', 'device_not_found'), tags, summary: "Remove a device's overrides",
        description: "Removes the device's channel and bundle overrides; the device itself stays. Fields may come as query parameters or as a JSON body. Needs role write.",
      },
    })
    .input(deviceDeleteInput)
    .output(okOutput)
    .mutation(async ({ ctx, input }) => {
      const { app_id, device_id } = input
      await requireApp(ctx, app_id, 'write')
      const { count } = await ctx.db.deviceOverride.deleteMany({ where: { app_id, device_id } })
      if (!count) {
        const device = await ctx.db.device.findUnique({ where: { app_id_device_id: { app_id, device_id } }, select: { device_id: true } })
        if (!device) throw new ApiError('device_not_found')
      }
      return ok
    }),
})
