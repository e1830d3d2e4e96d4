// What the Capacitor updater plugin calls (no key): the check-in with its answer, events, and the
// device's own channel. Changes of a device's own channel drop the app's /updates snapshot.

import type { Db } from '@capgo-api/db'
import type { z } from 'zod'
import { ApiError, describeError, type ErrorCode, invalidJsonBody, isConcurrentChange, messageOf } from '../../errors.ts'
import type { CheckInWrite } from '../../infra/checkins.ts'
import { dayOf } from '../../infra/days.ts'
import type { AppSnapshot, SnapshotBundle } from '../../infra/snapshots.ts'
import { retryOnUniqueViolation } from '../../infra/tx.ts'
import type { Services } from '../../services.ts'
import { containsNul, ok } from '../common.ts'
import { checkIn, checkInWrite } from './check-in.ts'
import { type BuiltinUpdate, defaultChannelIn, type NoUpdate, noUpdate, resolveUpdate, type UpdateAvailable } from './resolve-update.ts'
import {
  type channelSelfDeleteInput,
  type channelSelfListInput,
  type channelSelfSetInput,
  type DeviceInfo,
  INSTALL_FAILURES,
  type StatsResult,
  statsEvent,
  type statsInput,
} from './schema.ts'

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
      checkIn(services, info, { app, setChannelAndKey: true }),
      services.snapshots.overrideOf(app, info.app_id, info.device_id),
    ])
    return resolveUpdate(app, info, override)
  } catch (e) {
    // the app was deleted after its snapshot was read: the device gets what it would get a moment later
    if (isConcurrentChange(e) && !(await appExists(services.db, info.app_id))) return noUpdate('app_not_found')
    throw e
  }
}

const WEEK_MS = 7 * 24 * 3600 * 1000

/** The day an event counts on: its `timestamp`'s when within the last 7 days, else today (SPEC section 3). */
export function eventDay(timestamp: number | undefined, now: Date): string {
  const ms = now.getTime()
  return timestamp !== undefined && timestamp <= ms && timestamp >= ms - WEEK_MS ? dayOf(new Date(timestamp)) : dayOf(now)
}

/**
 * Whether a `download_complete` adds the bundle's size to bandwidth: for bundles this server does
 * not serve itself (external URLs; S3, whose bytes go from the bucket to the device). Bytes served
 * by this server are counted as they are served. The hook the bundle-hosting work extends.
 */
export const countsDownloadOnEvent = (bundle: Pick<SnapshotBundle, 'storage_provider'>) => bundle.storage_provider !== 'disk'

const eventError = (error: ErrorCode, message: string = messageOf(error)): StatsResult => ({ status: 'error', error, message })

/**
 * POST /stats: each event validated on its own; the valid ones written together, in one group
 * commit of the check-in writer (device upserts, MAU, bandwidth, bundle counts: one transaction),
 * not one per event. Answers one result per event, in input order (the plugin drops a whole batch
 * on a 4xx, so one bad event must not lose the others).
 */
export async function recordEvents(services: Services, input: z.infer<typeof statsInput>) {
  const now = new Date()
  const results: StatsResult[] = []
  const parsed: { i: number; event: z.infer<typeof statsEvent> }[] = []
  for (const [i, raw] of input.events.entries()) {
    if (containsNul(raw)) {
      results[i] = eventError('invalid_characters')
      continue
    }
    const p = statsEvent.safeParse(raw)
    if (p.success) parsed.push({ i, event: p.data })
    else results[i] = eventError('invalid_json_body', invalidJsonBody(p.error.issues).message)
  }
  // the apps' snapshots first (cached): then every write is queued in the same turn, so they commit together
  const apps = new Map<string, AppSnapshot>()
  await Promise.all([...new Set(parsed.map((p) => p.event.app_id))].map(async (id) => apps.set(id, await services.snapshots.get(id))))
  const writes: { i: number; write: CheckInWrite }[] = []
  for (const { i, event } of parsed) {
    const app = apps.get(event.app_id)!
    if (!app.exists) {
      results[i] = eventError('app_not_found')
      continue
    }
    writes.push({ i, write: checkInWrite(app, event, { setVersion: event.action === 'set', extra: eventEffects(app, event, now) }) })
  }
  const settled = await Promise.allSettled(writes.map((w) => services.checkins.write(w.write)))
  for (const [k, s] of settled.entries()) {
    const { i } = writes[k]!
    if (s.status === 'fulfilled') {
      results[i] = { status: 'ok' }
      continue
    }
    const d = describeError(s.reason)
    if (d.status >= 500) throw s.reason // the database away: the plugin keeps the batch and retries
    // the app was deleted meanwhile: as if it had not existed
    results[i] = isConcurrentChange(s.reason) ? eventError('app_not_found') : eventError(d.error, d.message)
  }
  return { status: 'ok' as const, results }
}

/** What an event adds besides the device: the day it counts on, bandwidth, the bundle's installs and failures. */
function eventEffects(app: AppSnapshot, event: z.infer<typeof statsEvent>, now: Date): Pick<CheckInWrite, 'day' | 'bandwidth' | 'bundle'> {
  const day = eventDay(event.timestamp, now)
  const id = app.bundleIdByName.get(event.version_name)
  const bundle = id !== undefined ? app.bundleById.get(id) : undefined
  if (!bundle) return { day }
  if (event.action === 'download_complete' && countsDownloadOnEvent(bundle)) return { day, bandwidth: bundle.size }
  if (event.action === 'set') return { day, bundle: { id: bundle.id, installs: 1, failures: 0 } }
  if (INSTALL_FAILURES.has(event.action)) return { day, bundle: { id: bundle.id, installs: 0, failures: 1 } }
  return { day }
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
