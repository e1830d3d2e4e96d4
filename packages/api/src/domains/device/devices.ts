// Devices: the output mapper and the cursor-paged list (index seek, see deviceListSql).
import type { Db, Prisma, Provider } from '@capgo-api/db'
import { iso } from '../common.ts'
import { makeCursor, parseCursor } from './cursor.ts'
import { PLATFORMS } from './schema.ts'

export const deviceSelect = {
  app_id: true,
  device_id: true,
  custom_id: true,
  platform: true,
  plugin_version: true,
  os_version: true,
  version_build: true,
  version_id: true,
  version_name: true,
  is_prod: true,
  is_emulator: true,
  default_channel: true,
  key_id: true,
  created_at: true,
  updated_at: true,
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
  const ids = await db.$queryRawUnsafe<{ device_id: string }[]>(
    deviceListSql(provider, !!after),
    ...deviceListParams(appId, limit + 1, after),
  )
  const hasMore = ids.length > limit
  const pageIds = ids.slice(0, limit).map((r) => r.device_id)
  const rows = pageIds.length
    ? await db.device.findMany({ where: { app_id: appId, device_id: { in: pageIds } }, select: deviceSelect })
    : []
  const overrides = pageIds.length
    ? await db.deviceOverride.findMany({
        where: { app_id: appId, device_id: { in: pageIds } },
        select: { device_id: true, channel: { select: { name: true } } },
      })
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
