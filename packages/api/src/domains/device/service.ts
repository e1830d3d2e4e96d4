// Devices as operators see them: list or get, and the channel/bundle overrides they set. Override
// changes drop the app's /updates snapshot, done or failed.
import type { z } from 'zod'
import { requireApp } from '../../access.ts'
import type { AuthedContext } from '../../context.ts'
import { ApiError } from '../../errors.ts'
import { retryOnUniqueViolation } from '../../infra/tx.ts'
import { ok, PAGE_SIZE } from '../common.ts'
import { deviceSelect, listDevices, toDevice } from './devices.ts'
import type { deviceDeleteInput, deviceGetInput, deviceSetInput } from './schema.ts'

export async function setOverride(ctx: AuthedContext, input: z.infer<typeof deviceSetInput>) {
  const { app_id, device_id } = input
  const { snapshots } = ctx.services
  await snapshots.invalidateAfter(app_id, async () => {
    await requireApp(ctx, app_id, 'write')
    if (input.version_id === undefined && input.channel === undefined) throw new ApiError('missing_channel_or_version')
    await retryOnUniqueViolation(() =>
      // serialized with bundle deletes and channel changes of this app: what we point at stays
      ctx.services.appWrites.transaction(app_id, async (tx) => {
        const data: { version_id?: number; channel_id?: number } = {}
        if (input.version_id !== undefined) {
          const bundle = await tx.bundle.findFirst({
            where: { app_id, name: input.version_id, deleted: false },
            select: { id: true, status: true },
          })
          if (!bundle) throw new ApiError('version_not_found')
          if (bundle.status !== 'ready') throw new ApiError('bundle_not_ready') // hosted, not finalized yet
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
  })
  return ok
}

export async function getDevices(ctx: AuthedContext, input: z.infer<typeof deviceGetInput>) {
  const { db, provider } = ctx.services
  await requireApp(ctx, input.app_id, 'read')
  if (input.device_id !== undefined) {
    const where = { app_id_device_id: { app_id: input.app_id, device_id: input.device_id } }
    const [device, override] = await Promise.all([
      db.device.findUnique({ where, select: deviceSelect }),
      db.deviceOverride.findUnique({ where, select: { channel: { select: { name: true } } } }),
    ])
    if (!device) throw new ApiError('device_not_found')
    return toDevice(device, override?.channel?.name)
  }
  return listDevices(db, provider, input.app_id, input.limit ?? PAGE_SIZE, input.cursor)
}

export async function deleteOverride(ctx: AuthedContext, input: z.infer<typeof deviceDeleteInput>) {
  const { app_id, device_id } = input
  const { db, snapshots } = ctx.services
  await snapshots.invalidateAfter(app_id, async () => {
    await requireApp(ctx, app_id, 'write')
    const { count } = await db.deviceOverride.deleteMany({ where: { app_id, device_id } })
    if (!count) {
      const device = await db.device.findUnique({ where: { app_id_device_id: { app_id, device_id } }, select: { device_id: true } })
      if (!device) throw new ApiError('device_not_found')
    }
  })
  return ok
}
