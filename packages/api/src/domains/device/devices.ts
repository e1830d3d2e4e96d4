// Devices: the output mapper, the cursor-paged list (index seek, see deviceListSql) and the
// check-in upsert shared by the device-facing endpoints.
import type { Db, Prisma, Provider } from '@capgo-api/db'
import { ApiError } from '../../errors.ts'
import { iso } from '../common.ts'
import { PLATFORMS } from './schema.ts'
import type { DeviceInfo } from '../plugin/schema.ts'
import { appSnapshot, type AppSnapshot } from '../../infra/snapshots.ts'
import { writeCheckIn, type DeviceFields } from '../../infra/checkins.ts'

export const deviceSelect = {
  app_id: true, device_id: true, custom_id: true, platform: true, plugin_version: true, os_version: true, version_build: true,
  version_id: true, version_name: true, is_prod: true, is_emulator: true, created_at: true, updated_at: true,
} satisfies Prisma.DeviceSelect

type DeviceRow = Prisma.DeviceGetPayload<{ select: typeof deviceSelect }>

const toPlatform = (p: string) => ((PLATFORMS as readonly string[]).includes(p) ? (p as (typeof PLATFORMS)[number]) : 'android')

/** A device as the API shows it; `channel` is its override channel's name, when set. */
export function toDevice(d: DeviceRow, channel?: string | null) {
  const { version_id, ...rest } = d
  return {
    ...rest,
    platform: toPlatform(d.platform),
    created_at: iso(d.created_at),
    updated_at: iso(d.updated_at),
    ...(version_id !== null ? { version: version_id } : {}),
    ...(channel ? { channel } : {}),
  }
}

// ---- cursor ------------------------------------------------------------------------------

const ISO_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?(Z|[+-]\d{2}:\d{2})$/

export const makeCursor = (d: { updated_at: Date; device_id: string }) => `${iso(d.updated_at)}|${d.device_id}`

/** `<updated_at ISO>|<device_id>` → its parts, else 400 invalid_cursor. */
export function parseCursor(cursor: string): { updatedAt: Date; deviceId: string } {
  const at = cursor.indexOf('|')
  const stamp = at > 0 ? cursor.slice(0, at) : ''
  const deviceId = at > 0 ? cursor.slice(at + 1).toLowerCase() : ''
  const updatedAt = new Date(stamp)
  if (!ISO_RE.test(stamp) || Number.isNaN(updatedAt.getTime()) || !deviceId || deviceId.length > 255) throw new ApiError('invalid_cursor')
  return { updatedAt, deviceId }
}

/**
 * The page query, as run. It walks Device_app_id_updated_at_device_id_idx (app_id,
 * updated_at DESC, device_id) in index order: the cursor is a range bound on the index
 * (`updated_at <= X`), so a deep page starts where the previous one ended instead of
 * skipping rows; the OR only filters the few rows that share the cursor's timestamp.
 * Tests EXPLAIN this exact text.
 */
export function deviceListSql(provider: Provider, withCursor: boolean): string {
  const p = (i: number) => (provider === 'postgres' ? `$${i}` : '?')
  const order = `ORDER BY "updated_at" DESC, "device_id" ASC`
  return withCursor
    ? `SELECT "device_id" FROM "Device" WHERE "app_id" = ${p(1)} AND "updated_at" <= ${p(2)} AND ("updated_at" < ${p(3)} OR "device_id" > ${p(4)}) ${order} LIMIT ${p(5)}`
    : `SELECT "device_id" FROM "Device" WHERE "app_id" = ${p(1)} ${order} LIMIT ${p(2)}`
}

export const deviceListParams = (appId: string, take: number, cursor?: { updatedAt: Date; deviceId: string }) =>
  cursor ? [appId, cursor.updatedAt, cursor.updatedAt, cursor.deviceId, take] : [appId, take]

/** One page of devices, newest first, with the cursor of the next page. */
export async function listDevices(db: Db, provider: Provider, appId: string, limit: number, cursor?: string) {
  const after = cursor !== undefined ? parseCursor(cursor) : undefined
  const ids = await db.$queryRawUnsafe<{ device_id: string }[]>(deviceListSql(provider, !!after), ...deviceListParams(appId, limit + 1, after))
  const hasMore = ids.length > limit
  const pageIds = ids.slice(0, limit).map((r) => r.device_id)
  const rows = pageIds.length
    ? await db.device.findMany({ where: { app_id: appId, device_id: { in: pageIds } }, select: deviceSelect })
    : []
  const overrides = pageIds.length
    ? await db.deviceOverride.findMany({ where: { app_id: appId, device_id: { in: pageIds } }, select: { device_id: true, channel: { select: { name: true } } } })
    : []
  const byId = new Map(rows.map((r) => [r.device_id, r]))
  const channelOf = new Map(overrides.map((o) => [o.device_id, o.channel?.name]))
  const data = pageIds.flatMap((id) => {
    const row = byId.get(id)
    return row ? [toDevice(row, channelOf.get(id))] : [] // a row deleted between the two reads is left out
  })
  const last = pageIds.length ? byId.get(pageIds[pageIds.length - 1]!) : undefined
  return { data, hasMore, ...(hasMore && last ? { nextCursor: makeCursor(last) } : {}) }
}

// ---- check-in ----------------------------------------------------------------------------

/**
 * Upserts the device from what the plugin sent and counts it toward the day's MAU, written with
 * the other check-ins in flight (group commit, infra/checkins.ts); resolves once committed.
 * `version_id` is the bundle named `version_name`, when the app has one (from the app's snapshot).
 */
export async function checkIn(
  db: Db,
  info: Omit<DeviceInfo, 'version_build' | 'defaultChannel'> & { version_build?: string },
  opts: { setVersion?: boolean; app?: AppSnapshot } = {},
) {
  const at = new Date() // millisecond precision on both databases: the cursor's ISO round-trips
  const setVersion = opts.setVersion ?? true
  const named = setVersion && info.version_name && info.version_name !== 'builtin'
  const versionId = named ? ((opts.app ?? (await appSnapshot(db, info.app_id))).bundleIdByName.get(info.version_name) ?? null) : null
  const set: DeviceFields = {
    platform: info.platform,
    ...(info.plugin_version !== undefined ? { plugin_version: info.plugin_version } : {}),
    ...(info.version_os !== undefined ? { os_version: info.version_os } : {}),
    ...(info.version_build !== undefined ? { version_build: info.version_build } : {}),
    ...(info.custom_id !== undefined ? { custom_id: info.custom_id } : {}),
    ...(info.is_prod !== undefined ? { is_prod: info.is_prod } : {}),
    ...(info.is_emulator !== undefined ? { is_emulator: info.is_emulator } : {}),
    ...(setVersion ? { version_name: info.version_name, version_id: versionId } : {}),
  }
  const create = {
    platform: info.platform, plugin_version: '', os_version: '', version_build: '', custom_id: '', is_prod: true, is_emulator: false,
    version_name: info.version_name, version_id: versionId,
    ...set,
  }
  await writeCheckIn(db, { app_id: info.app_id, device_id: info.device_id, at, set, create })
}
