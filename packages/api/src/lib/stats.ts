// Daily aggregates kept as events arrive, so statistics never scan device rows.
// One upsert per event, atomic on both databases (INSERT … ON CONFLICT DO UPDATE).
import type { Db, Prisma } from '@capgo-api/db'

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

// ---- reading ----------------------------------------------------------------------------------

export interface DayStats {
  date: string
  mau: number
  storage: number
  bandwidth: number
}

type Reader = Pick<Db, 'dailyStat'>

const DAY_MS = 86_400_000

/** Whole days from one YYYY-MM-DD to another. */
export const daysApart = (from: string, to: string) => Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS)

/** Every YYYY-MM-DD from `from` to `to`, inclusive. */
export function daysBetween(from: string, to: string): string[] {
  const days: string[] = []
  for (let t = Date.parse(`${from}T00:00:00Z`), end = Date.parse(`${to}T00:00:00Z`); t <= end; t += DAY_MS) days.push(dayOf(new Date(t)))
  return days
}

/**
 * The daily series of the apps matched by `scope` (summed over them), one entry per day from
 * `from` to `to` inclusive, up to today (UTC): days after today are left out, not invented.
 * Reads only DailyStat: the rows of the range (from the 1st of `from`'s month, for the MAU
 * running sum) and one sum of the storage deltas before it.
 */
export async function readDailyStats(db: Reader, scope: Prisma.DailyStatWhereInput, from: string, requestedTo: string, today = dayOf(new Date())): Promise<DayStats[]> {
  const to = requestedTo < today ? requestedTo : today
  if (from > to) return []
  const monthStart = `${from.slice(0, 7)}-01`
  const [rows, before] = await Promise.all([
    db.dailyStat.groupBy({
      by: ['date'],
      where: { AND: [scope, { date: { gte: monthStart, lte: to } }] },
      _sum: { mau_new: true, bandwidth: true, storage_delta: true },
    }),
    db.dailyStat.aggregate({ where: { AND: [scope, { date: { lt: monthStart } }] }, _sum: { storage_delta: true } }),
  ])
  const byDay = new Map(rows.map((r) => [r.date, r._sum]))
  let storage = Number(before._sum.storage_delta ?? 0)
  let mau = 0
  const out: DayStats[] = []
  for (const date of daysBetween(monthStart, to)) {
    if (date.endsWith('-01')) mau = 0 // a new calendar month: MAU counts afresh
    const s = byDay.get(date)
    mau += s?.mau_new ?? 0
    storage += Number(s?.storage_delta ?? 0)
    if (date >= from) out.push({ date, mau, storage: Math.max(0, storage), bandwidth: Number(s?.bandwidth ?? 0) })
  }
  return out
}
