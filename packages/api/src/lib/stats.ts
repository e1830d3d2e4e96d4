// Daily aggregates kept as events arrive, so statistics never scan device rows.
// One upsert per event, atomic on both databases (INSERT … ON CONFLICT DO UPDATE).
import type { Db } from '@capgo-api/db'

type Tx = Pick<Db, '$executeRaw'>

/** YYYY-MM-DD of a date, in UTC. */
export const dayOf = (d: Date) => d.toISOString().slice(0, 10)

async function bump(db: Tx, appId: string, date: string, inc: { mau_new?: number; bandwidth?: number; storage_delta?: number }) {
  const mau = inc.mau_new ?? 0
  const bw = inc.bandwidth ?? 0
  const st = inc.storage_delta ?? 0
  await db.$executeRaw`
    INSERT INTO "DailyStat" ("app_id", "date", "mau_new", "bandwidth", "storage_delta")
    VALUES (${appId}, ${date}, ${mau}, ${bw}, ${st})
    ON CONFLICT ("app_id", "date") DO UPDATE SET
      "mau_new" = "DailyStat"."mau_new" + excluded."mau_new",
      "bandwidth" = "DailyStat"."bandwidth" + excluded."bandwidth",
      "storage_delta" = "DailyStat"."storage_delta" + excluded."storage_delta"`
}

/** A device checked in: counts once per calendar month toward MAU. */
export async function recordDeviceSeen(db: Tx, appId: string, deviceId: string, at = new Date()) {
  const day = dayOf(at)
  const inserted = await db.$executeRaw`
    INSERT INTO "DeviceMonth" ("app_id", "month", "device_id") VALUES (${appId}, ${day.slice(0, 7)}, ${deviceId})
    ON CONFLICT DO NOTHING`
  if (inserted > 0) await bump(db, appId, day, { mau_new: 1 })
}

/** Bytes served to a device (a `download_complete`). */
export async function recordBandwidth(db: Tx, appId: string, bytes: number, at = new Date()) {
  if (bytes > 0) await bump(db, appId, dayOf(at), { bandwidth: bytes })
}

/** Bytes stored: + size when a bundle is created, − size when it is deleted. */
export async function recordStorage(db: Tx, appId: string, deltaBytes: number, at = new Date()) {
  if (deltaBytes !== 0) await bump(db, appId, dayOf(at), { storage_delta: deltaBytes })
}
