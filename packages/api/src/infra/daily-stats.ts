// Daily aggregates kept as events arrive, so statistics never scan device rows: bandwidth and
// storage are bumped here (one upsert per event, atomic on both databases: INSERT … ON CONFLICT
// DO UPDATE); MAU by the check-in writer (checkins.ts). And the reader of the daily series.
import type { Db, Prisma } from '@capgo-api/db'
import { dayOf, daysBetween } from './days.ts'
import type { Tx } from './tx.ts'

type Writer = Pick<Tx, '$executeRaw'>

async function bump(db: Writer, appId: string, date: string, inc: { bandwidth?: number; storage_delta?: number }) {
  const bw = inc.bandwidth ?? 0
  const st = inc.storage_delta ?? 0
  await db.$executeRaw`
    INSERT INTO "DailyStat" ("app_id", "date", "mau_new", "bandwidth", "storage_delta")
    VALUES (${appId}, ${date}, 0, ${bw}, ${st})
    ON CONFLICT ("app_id", "date") DO UPDATE SET
      "bandwidth" = "DailyStat"."bandwidth" + excluded."bandwidth",
      "storage_delta" = "DailyStat"."storage_delta" + excluded."storage_delta"`
}

/** Bytes served to a device (a `download_complete`). */
export async function recordBandwidth(db: Writer, appId: string, bytes: number, at = new Date()) {
  if (bytes > 0) await bump(db, appId, dayOf(at), { bandwidth: bytes })
}

/** Bytes stored: + size when a bundle is created, − size when it is deleted. */
export async function recordStorage(db: Writer, appId: string, deltaBytes: number, at = new Date()) {
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

/**
 * The daily series of the apps matched by `scope` (summed over them), one entry per day from
 * `from` to `to` inclusive, up to today (UTC): days after today are left out, not invented.
 * Reads only DailyStat: the rows of the range (from the 1st of `from`'s month, for the MAU
 * running sum) and one sum of the storage deltas before it.
 */
export async function readDailyStats(
  db: Reader,
  scope: Prisma.DailyStatWhereInput,
  from: string,
  requestedTo: string,
  today = dayOf(new Date()),
): Promise<DayStats[]> {
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
