// Group commit of device check-ins. A check-in is queued; the next flush writes all that queued
// in one transaction: the device upserts (INSERT … ON CONFLICT DO UPDATE), their DeviceMonth rows
// (MAU), one DailyStat bump per app and day (new devices, and the bandwidth of /stats
// download_complete events) and the BundleDailyStat bumps of /stats (installs, install failures). Each caller's promise settles once its batch
// committed, so no acknowledged check-in is lost; a batch that fails is retried one check-in at a
// time, so one bad row (say, its app was just deleted) fails alone. Writes bypass Prisma, whose
// per-query cost was most of a check-in's: on SQLite synchronously on the raw connection with
// cached single-row statements; on PostgreSQL with multi-row statements on a connection of
// Prisma's pool, a few batches at once (their commits overlap). This writer is the only one of
// Device rows from check-ins, DeviceMonth (MAU), DailyStat.mau_new and BundleDailyStat; tests and the
// seed use it too.

import type { DbHandle, SqliteRaw } from '@capgo-api/db'
import { LRUCache } from 'lru-cache'
import { isDatabaseUnavailable } from '../errors.ts'
import { dayOfWrite, type MonthRow } from './checkin-bumps.ts'
import { writePg, writeSqlite } from './checkin-sql.ts'
import { type CheckInWrite, type DeviceFields, NEW_DEVICE } from './checkin-write.ts'

export { type CheckInWrite, DEVICE_FIELDS, type DeviceField, type DeviceFields, NEW_DEVICE } from './checkin-write.ts'

const MAX_BATCH = 500
const PG_LANES = 4

interface Pending {
  write: CheckInWrite
  resolve: () => void
  reject: (e: unknown) => void
}

/** The check-in writer of one app instance (see the top of this file). */
export class CheckInWriter {
  private queue: Pending[] = []
  private running = 0
  private scheduled = false
  // "this device is already counted in this month": skips the DeviceMonth insert (exact: an entry
  // is added only once its row is committed; forgotten when apps are deleted)
  private readonly counted = new LRUCache<string, true>({ max: 50_000 })
  /** batches committed so far, each one transaction (what tests and the bench read) */
  commits = 0
  /** check-ins committed, and refused by the database: for /metrics */
  written = 0
  failed = 0

  /** check-ins waiting for the next batch */
  get pending() {
    return this.queue.length
  }

  constructor(private readonly database: DbHandle) {}

  /** Writes a check-in with the others in flight; resolves once committed. */
  write(write: CheckInWrite): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ write, resolve, reject })
      // a free lane waits for the requests already read in this turn of the event loop
      // (setImmediate); a lane that finishes takes at once all that queued meanwhile
      if (!this.scheduled && this.running < this.lanes()) {
        this.scheduled = true
        setImmediate(() => {
          this.scheduled = false
          this.start()
        })
      }
    })
  }

  /** A device seen at `at` with these fields (a new device gets NEW_DEVICE's for the rest). */
  seen(appId: string, deviceId: string, at: Date, set: DeviceFields = {}): Promise<void> {
    return this.write({ app_id: appId, device_id: deviceId, at, set, create: { ...NEW_DEVICE, ...set } })
  }

  /** Forget which devices were counted this month (their DeviceMonth rows went with their app). */
  forgetCounted() {
    this.counted.clear()
  }

  /** batches writing at once: one on SQLite (one writer), a few on PostgreSQL, whose commits overlap */
  private lanes() {
    return this.database.provider === 'sqlite' ? 1 : PG_LANES
  }

  private start() {
    while (this.running < this.lanes() && this.queue.length) {
      this.running++
      void this.lane().finally(() => this.running--)
    }
  }

  private async lane() {
    while (this.queue.length) {
      const batch = this.queue.splice(0, MAX_BATCH)
      try {
        await commit(
          this.database,
          this.counted,
          batch.map((p) => p.write),
        )
        this.commits++
        this.written += batch.length
        for (const p of batch) p.resolve()
      } catch (e) {
        // the database away: each would fail alike (and wait its connection timeout), so all fail now
        if (batch.length === 1 || isDatabaseUnavailable(e)) {
          this.failed += batch.length
          for (const p of batch) p.reject(e)
        } else
          for (const p of batch)
            await commit(this.database, this.counted, [p.write]).then(
              () => {
                this.written++
                p.resolve()
              },
              (err: unknown) => {
                this.failed++
                p.reject(err)
              },
            )
      }
    }
  }
}

async function commit(database: DbHandle, seen: LRUCache<string, true>, writes: CheckInWrite[]) {
  // one row per device (the later check-in wins, field by field), in key order: two servers
  // flushing overlapping batches lock rows in the same order
  const byDevice = new Map<string, CheckInWrite>()
  for (const w of writes) {
    const key = `${w.app_id}\u0000${w.device_id}`
    const prev = byDevice.get(key)
    // as if applied in turn: the first creates the row, the next update it
    byDevice.set(key, prev ? { ...w, set: { ...prev.set, ...w.set }, create: { ...prev.create, ...w.set } } : w)
  }
  const devices = [...byDevice.values()].sort((a, b) =>
    a.app_id < b.app_id ? -1 : a.app_id > b.app_id ? 1 : a.device_id < b.device_id ? -1 : a.device_id > b.device_id ? 1 : 0,
  )
  // MAU: each (app, month, device) once, on its first day in the batch, unless already counted
  const months = new Map<string, MonthRow>()
  for (const w of writes) {
    const day = dayOfWrite(w)
    const key = `${w.app_id}\u0000${day.slice(0, 7)}\u0000${w.device_id}`
    if (!seen.has(key) && !months.has(key)) months.set(key, { app_id: w.app_id, month: day.slice(0, 7), device_id: w.device_id, day })
  }
  const monthRows = [...months.values()].sort((a, b) => (a.app_id + a.month + a.device_id < b.app_id + b.month + b.device_id ? -1 : 1))

  const db = database.db
  const raw = database.provider === 'sqlite' ? await sqliteRawOf(database) : undefined
  if (raw) {
    const write = () => writeSqlite(raw, devices, monthRows, writes)
    // Synchronous, so nothing else runs on the connection meanwhile. If a Prisma interactive
    // transaction is open on it (it awaits between statements), wait for our turn through Prisma,
    // which runs one transaction at a time, instead of writing into someone else's transaction.
    if (!raw.connection.inTransaction) raw.connection.transaction(write).immediate()
    else await db.$transaction(async () => write())
  } else {
    if (!database.pgPool()) await db.$queryRawUnsafe('SELECT 1') // Prisma connects lazily: the pool exists once it has
    await writePg(database.pgPool()!, devices, monthRows, months, writes)
  }
  for (const key of months.keys()) seen.set(key, true)
}

/** The raw connection; Prisma connects lazily: it exists once it has. */
async function sqliteRawOf(database: DbHandle): Promise<SqliteRaw> {
  if (!database.sqliteRaw()) await database.db.$queryRawUnsafe('SELECT 1')
  return database.sqliteRaw()!
}
