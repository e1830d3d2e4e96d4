// What the Capacitor updater plugin calls (no key): the check-in with its answer, events, and the
// device's own channel (which the device keeps: nothing is stored for it here).

import type { Db } from '@capgo-api/db'
import type { z } from 'zod'
import { ApiError, describeError, type ErrorCode, invalidJsonBody, isConcurrentChange, messageOf } from '../../errors.ts'
import type { CheckInWrite } from '../../infra/checkins.ts'
import { dayOf } from '../../infra/days.ts'
import type { AppSnapshot, SnapshotBundle } from '../../infra/snapshots.ts'
import type { Services } from '../../services.ts'
import { downloadUrl } from '../bundle/hosting.ts'
import { manifestFor } from '../bundle/manifest.ts'
import { containsNul, ok } from '../common.ts'
import { checkIn, checkInWrite } from './check-in.ts'
import { type BuiltinUpdate, defaultChannelIn, type NoUpdate, noUpdate, resolveUpdate, type UpdateAvailable } from './resolve-update.ts'
import {
  type ChannelSelfErrorCode,
  type channelSelfDeleteInput,
  type channelSelfListInput,
  type channelSelfSetInput,
  type DeviceInfo,
  eventsOf,
  INSTALL_FAILURES,
  type StatsResult,
  statsEvent,
  type statsInput,
} from './schema.ts'

const appExists = async (db: Db, app_id: string) => !!(await db.app.findUnique({ where: { app_id }, select: { app_id: true } }))

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
  for (const [i, raw] of eventsOf(input).entries()) {
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
    services.metrics.statsEvent(event.action)
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

// ---- /channel_self: the 8.x plugin keeps the chosen channel on the device -----------------------
// (CapgoUpdater.java setChannel persists it and sends it back as defaultChannel; unsetChannel sends
// no request). So these endpoints store nothing: POST validates the choice, PUT answers the channel
// the device falls into, GET lists the choices. Errors the plugin reads come as HTTP 200 `{error,
// message}` (CapgoUpdater.java makeJsonRequest / getChannel / listChannels check `error` first).

/** An HTTP 200 answer with `error` (what the plugin reads), for an app that does not exist and channel choices. */
const deviceError = <C extends ChannelSelfErrorCode>(error: C, message: string, extra: { kind?: 'failed' } = {}) => ({
  error,
  message,
  ...extra,
})
const appNotFound = () => deviceError('app_not_found', messageOf('app_not_found'), { kind: 'failed' })

/** POST /channel_self: may the device choose `channel`? Nothing is stored. */
export async function setOwnChannel(services: Services, input: z.infer<typeof channelSelfSetInput>) {
  const app = await services.snapshots.get(input.app_id)
  if (!app.exists) return appNotFound()
  if (!input.channel) return deviceError('missing_channel', 'Give the channel to join.')
  const channel = app.channels.find((c) => c.name === input.channel)
  if (!channel) return deviceError('channel_not_found', `No channel named ${JSON.stringify(input.channel)}.`)
  // the platform's default: the plugin clears its local choice (CapgoUpdater.java setChannel, `unset`)
  if (channel.public && channel[input.platform]) return { status: 'ok' as const, unset: true as const }
  if (!channel[input.platform]) return deviceError('channel_self_set_not_allowed', `The channel does not serve ${input.platform} devices.`)
  if (!channel.allow_device_self_set) return deviceError('channel_self_set_not_allowed', messageOf('channel_self_set_not_allowed'))
  return ok
}

/**
 * PUT /channel_self: an operator's override, else the `defaultChannel` the device sent when usable,
 * else the platform's public channel; none: HTTP 400 channel_not_found, on which the plugin falls
 * back to its local channel (CapgoUpdater.java getChannel).
 */
export async function getOwnChannel(services: Services, input: DeviceInfo) {
  const app = await services.snapshots.get(input.app_id)
  if (!app.exists) return appNotFound()
  let override: Awaited<ReturnType<typeof services.snapshots.overrideOf>>
  try {
    const [, read] = await Promise.all([
      checkIn(services, input, { app }),
      services.snapshots.overrideOf(app, input.app_id, input.device_id),
    ])
    override = read
  } catch (e) {
    // the app was deleted after its snapshot was read: the device gets what it would get a moment later
    if (isConcurrentChange(e) && !(await appExists(services.db, input.app_id))) return appNotFound()
    throw e
  }
  const overridden = override?.channel_id != null ? app.channelById.get(override.channel_id) : undefined
  if (overridden) return { channel: overridden.name, status: 'override' as const, allowSet: overridden.allow_device_self_set }
  const fallback = defaultChannelIn(app, input.platform, input.defaultChannel)
  if (!fallback)
    throw new ApiError('channel_not_found', {
      status: 400,
      message: 'No channel for this device: no override, no usable defaultChannel, no public channel for its platform.',
    })
  return { channel: fallback.name, status: 'default' as const }
}

/**
 * GET /channel_self: a bare array of the channels serving the platform that are public or
 * self-settable, and that serve the device's build (emulator or not, prod or dev: a channel that
 * would block it is no choice; Capgo filters alike, `is_prod` defaulting to true).
 */
export async function listSelfSetChannels(services: Services, input: z.infer<typeof channelSelfListInput>) {
  const app = await services.snapshots.get(input.app_id)
  if (!app.exists) return appNotFound()
  const emulator = input.is_emulator ?? false
  const prod = input.is_prod ?? true
  return app.channels
    .filter((c) => c[input.platform] && (c.public || c.allow_device_self_set))
    .filter((c) => (emulator ? c.allow_emulator : c.allow_device) && (prod ? c.allow_prod : c.allow_dev))
    .map((c) => ({ id: c.id, name: c.name, public: c.public, allow_self_set: c.allow_device_self_set }))
}

/** DELETE /channel_self: nothing to remove server-side (8.x plugins no longer call it). */
export async function leaveOwnChannel(services: Services, input: z.infer<typeof channelSelfDeleteInput>) {
  const app = await services.snapshots.get(input.app_id)
  return app.exists ? ok : appNotFound()
}
