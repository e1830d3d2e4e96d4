// What the Capacitor updater plugin calls (no key): the check-in with its answer, events, and the
// device's own channel. Changes of a device's own channel drop the app's /updates snapshot.

import type { Db } from '@capgo-api/db'
import type { z } from 'zod'
import { ApiError, isConcurrentChange } from '../../errors.ts'
import { recordBandwidth } from '../../infra/daily-stats.ts'
import { retryOnUniqueViolation } from '../../infra/tx.ts'
import type { Services } from '../../services.ts'
import { downloadUrl } from '../bundle/hosting.ts'
import { manifestFor } from '../bundle/manifest.ts'
import { ok } from '../common.ts'
import { checkIn } from './check-in.ts'
import { type BuiltinUpdate, defaultChannelIn, type NoUpdate, noUpdate, resolveUpdate, type UpdateAvailable } from './resolve-update.ts'
import type { channelSelfDeleteInput, channelSelfListInput, channelSelfSetInput, DeviceInfo, statsInput } from './schema.ts'

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

/**
 * POST /updates as a whole (the bench's bare route runs this too): records the check-in (group
 * commit: answered once written) and answers from the app's cached snapshot.
 */
export async function answerUpdates(services: Services, info: DeviceInfo): Promise<UpdateAvailable | BuiltinUpdate | NoUpdate> {
  const app = await services.snapshots.get(info.app_id)
  if (!app.exists) return noUpdate('app_not_found')
  // the device's override: one read by its key, beside the check-in's write
  try {
    const [, override] = await Promise.all([
      checkIn(services, info, { app }),
      services.snapshots.overrideOf(app, info.app_id, info.device_id),
    ])
    const answer = resolveUpdate(app, info, override)
    if ('url' in answer && !answer.url) {
      // hosted here: a URL signed for this device (disk) or presigned by the store (S3)
      const hosted = app.bundleById.get(app.bundleIdByName.get(answer.version)!)!
      answer.url = await downloadUrl(services, info.app_id, hosted, info.device_id)
      // partial updates: the bundle's files, when the app asks for them and the bundle has some
      if (app.manifest) {
        const manifest = await manifestFor(services, info.app_id, hosted.id, info.device_id)
        if (manifest) answer.manifest = manifest
      }
    }
    return answer
  } catch (e) {
    // the app was deleted after its snapshot was read: the device gets what it would get a moment later
    if (isConcurrentChange(e) && !(await appExists(services.db, info.app_id))) return noUpdate('app_not_found')
    throw e
  }
}

export async function recordEvents(services: Services, input: z.infer<typeof statsInput>) {
  const { db } = services
  const apps = [...new Set(input.events.map((e) => e.app_id))]
  for (const app_id of apps) if (!(await appExists(db, app_id))) throw new ApiError('app_not_found')
  for (const event of input.events) {
    await checkIn(services, event, { setVersion: event.action === 'set' })
    if (event.action === 'download_complete') {
      const bundle = await db.bundle.findFirst({
        where: { app_id: event.app_id, name: event.version_name },
        select: { size: true, storage_provider: true },
      })
      // bytes this server served itself were counted as they were sent (the download route)
      if (bundle && bundle.storage_provider !== 'disk') await recordBandwidth(db, event.app_id, bundle.size)
    }
  }
  return ok
}

export async function setOwnChannel(services: Services, input: z.infer<typeof channelSelfSetInput>) {
  const { db, snapshots } = services
  const { app_id, device_id } = input
  // device endpoints never drop the app's snapshot (a flood of them would make every check-in reload it):
  // /updates reads a device's override by its key; a stored override only marks the snapshot
  {
    if (!(await appExists(db, app_id))) throw new ApiError('app_not_found')
    const channel = await db.channel.findUnique({
      where: { app_id_name: { app_id, name: input.channel } },
      select: { id: true, public: true, ios: true, android: true, electron: true, allow_device_self_set: true },
    })
    if (!channel) throw new ApiError('channel_not_found')
    if (!channel.allow_device_self_set) throw new ApiError('channel_self_set_not_allowed')
    const current = await ownOverride(db, app_id, device_id)
    if (current?.channel && !current.channel.allow_device_self_set) throw new ApiError('channel_self_set_not_allowed')
    await checkIn(services, input)
    if (channel.public && channel[input.platform]) {
      await clearChannel(db, app_id, device_id)
    } else {
      await retryOnUniqueViolation(() =>
        db.deviceOverride.upsert({
          where: { app_id_device_id: { app_id, device_id } },
          create: { app_id, device_id, channel_id: channel.id },
          update: { channel_id: channel.id },
          select: { device_id: true },
        }),
      )
      snapshots.noteOverride(app_id)
    }
  }
  return ok
}

export async function getOwnChannel(services: Services, input: DeviceInfo) {
  const { db } = services
  const { app_id, device_id } = input
  if (!(await appExists(db, app_id))) throw new ApiError('app_not_found')
  await checkIn(services, input)
  const current = await ownOverride(db, app_id, device_id)
  if (current?.channel)
    return { channel: current.channel.name, status: 'override' as const, allowSet: current.channel.allow_device_self_set }
  const fallback = defaultChannelIn(await services.snapshots.get(app_id), input.platform, input.defaultChannel)
  if (!fallback) throw new ApiError('channel_not_found')
  return { channel: fallback.name, status: 'default' as const, allowSet: fallback.allow_device_self_set }
}

export async function listSelfSetChannels(services: Services, input: z.infer<typeof channelSelfListInput>) {
  const { db } = services
  if (!(await appExists(db, input.app_id))) throw new ApiError('app_not_found')
  const rows = await db.channel.findMany({
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
}

export async function leaveOwnChannel(services: Services, input: z.infer<typeof channelSelfDeleteInput>) {
  const { db } = services
  const { app_id, device_id } = input
  // no snapshot change: /updates reads the device's override by its key
  if (!(await appExists(db, app_id))) throw new ApiError('app_not_found')
  const current = await ownOverride(db, app_id, device_id)
  if (!current?.channel) throw new ApiError('channel_not_found')
  if (!current.channel.allow_device_self_set) throw new ApiError('channel_self_set_not_allowed')
  await clearChannel(db, app_id, device_id)
  return ok
}
