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

import type { DbHandle, PgPool, SqliteRaw } from '@capgo-api/db'
import { LRUCache } from 'lru-cache'
import { isDatabaseUnavailable } from '../errors.ts'
import { dayOf } from './days.ts'

/** The Device columns a check-in may set besides the key and the timestamps. */
export const DEVICE_FIELDS = [
  'platform',
  'plugin_version',
  'os_version',
  'version_build',
  'custom_id',
  'is_prod',
  'is_emulator',
  'version_name',
  'version_id',
  'default_channel',
  'key_id',
] as const
export type DeviceField = (typeof DEVICE_FIELDS)[number]
export type DeviceFields = Partial<Record<DeviceField, string | number | boolean | null>>

/** A device row as a first check-in creates it, before the check-in's own fields. */
export const NEW_DEVICE: Required<DeviceFields> = {
  platform: 'android',
  plugin_version: '',
  os_version: '',
  version_build: '',
  custom_id: '',
  is_prod: true,
  is_emulator: false,
  version_name: 'builtin',
  version_id: null,
  default_channel: null,
  key_id: null,
}

export interface CheckInWrite {
  app_id: string
  device_id: string
  at: Date
  /** the columns this check-in sets (an update leaves the others alone) */
  set: DeviceFields
  /** the whole row for a device seen for the first time */
  create: Required<DeviceFields>
  /** the day (YYYY-MM-DD, UTC) it counts on (MAU, bandwidth, bundle counts); default: the day of `at` */
  day?: string
  /** bytes to add to that day's bandwidth (a /stats download_complete) */
  bandwidth?: number
  /** a bundle's install (`set`) or install failure that day (/stats) */
  bundle?: { id: number; installs: number; failures: number }
}

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
        for (const p of batch) p.resolve()
      } catch (e) {
        // the database away: each would fail alike (and wait its connection timeout), so all fail now
        if (batch.length === 1 || isDatabaseUnavailable(e)) for (const p of batch) p.reject(e)
        else for (const p of batch) await commit(this.database, this.counted, [p.write]).then(p.resolve, p.reject)
      }
    }
  }
}

interface MonthRow {
  app_id: string
  month: string
  device_id: string
  day: string
}
interface Bump {
  app_id: string
  day: string
  n: number
  bandwidth: number
}
interface BundleBump {
  app_id: string
  bundle_id: number
  day: string
  installs: number
  failures: number
}

const dayOfWrite = (w: CheckInWrite) => w.day ?? dayOf(w.at)

/** One DailyStat bump per app and day: the devices new in their month, and the bandwidth of the writes. */
function bumpsOf(inserted: MonthRow[], writes: CheckInWrite[]): Bump[] {
  const perDay = new Map<string, Bump>()
  const at = (app_id: string, day: string) => {
    const key = `${app_id}\u0000${day}`
    const e = perDay.get(key) ?? { app_id, day, n: 0, bandwidth: 0 }
    perDay.set(key, e)
    return e
  }
  for (const m of inserted) at(m.app_id, m.day).n++
  for (const w of writes) if (w.bandwidth) at(w.app_id, dayOfWrite(w)).bandwidth += w.bandwidth
  return [...perDay.values()].sort((a, b) => (a.app_id + a.day < b.app_id + b.day ? -1 : 1))
}

/** One BundleDailyStat bump per bundle and day, in key order. */
function bundleBumpsOf(writes: CheckInWrite[]): BundleBump[] {
  const per = new Map<string, BundleBump>()
  for (const w of writes) {
    if (!w.bundle) continue
    const day = dayOfWrite(w)
    const key = `${w.bundle.id}\u0000${day}`
    const e = per.get(key) ?? { app_id: w.app_id, bundle_id: w.bundle.id, day, installs: 0, failures: 0 }
    e.installs += w.bundle.installs
    e.failures += w.bundle.failures
    per.set(key, e)
  }
  return [...per.values()].sort((a, b) => a.bundle_id - b.bundle_id || (a.day < b.day ? -1 : 1))
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

// ---- the device upsert, shared by both writers --------------------------------------------------

/** The columns a check-in sets on a device already known (the others keep their value). */
const updatedColumns = (d: CheckInWrite) => DEVICE_FIELDS.filter((f) => f in d.set)

/** A device row's values in the order of upsertSql's columns, each in the driver's format. */
const deviceRow = (d: CheckInWrite, value: (v: unknown) => unknown) => [
  d.app_id,
  d.device_id,
  ...DEVICE_FIELDS.map((f) => value(f in d.set ? d.set[f] : d.create[f])),
  value(d.at),
  value(d.at),
]
const DEVICE_ROW_WIDTH = DEVICE_FIELDS.length + 4

/** INSERT … ON CONFLICT DO UPDATE of the `values` rows, updating `cols` and updated_at. */
const upsertSql = (cols: readonly string[], values: string) =>
  `INSERT INTO "Device" ("app_id", "device_id", ${DEVICE_FIELDS.map((f) => `"${f}"`).join(', ')}, "created_at", "updated_at")
    VALUES ${values}
    ON CONFLICT ("app_id", "device_id") DO UPDATE SET ${[...cols, 'updated_at'].map((c) => `"${c}" = excluded."${c}"`).join(', ')}`

// ---- SQLite: cached single-row statements on the raw connection -----------------------------

/** How Prisma's SQLite adapter stores DateTime and Boolean, so the API reads these rows as its own. */
const sqliteValue = (v: unknown) => (v instanceof Date ? v.toISOString().replace('Z', '+00:00') : typeof v === 'boolean' ? (v ? 1 : 0) : v)

// one statement text per set of updated columns, so the connection's statement cache finds it
const sqliteUpserts = new Map<string, string>()
const sqliteUpsertSql = (cols: readonly string[]) => {
  const key = cols.join(',')
  let sql = sqliteUpserts.get(key)
  if (!sql) {
    sql = upsertSql(cols, `(${Array(DEVICE_ROW_WIDTH).fill('?').join(', ')})`)
    sqliteUpserts.set(key, sql)
  }
  return sql
}
const MONTH_SQL = 'INSERT INTO "DeviceMonth" ("app_id", "month", "device_id") VALUES (?, ?, ?) ON CONFLICT DO NOTHING'
const BUMP_SQL = `INSERT INTO "DailyStat" ("app_id", "date", "mau_new", "bandwidth", "storage_delta") VALUES (?, ?, ?, ?, 0)
  ON CONFLICT ("app_id", "date") DO UPDATE SET "mau_new" = "DailyStat"."mau_new" + excluded."mau_new",
    "bandwidth" = "DailyStat"."bandwidth" + excluded."bandwidth"`
const BUNDLE_BUMP_SQL = `INSERT INTO "BundleDailyStat" ("app_id", "bundle_id", "date", "installs", "failures") VALUES (?, ?, ?, ?, ?)
  ON CONFLICT ("bundle_id", "date") DO UPDATE SET "installs" = "BundleDailyStat"."installs" + excluded."installs",
    "failures" = "BundleDailyStat"."failures" + excluded."failures"`

function writeSqlite(raw: SqliteRaw, devices: CheckInWrite[], monthRows: MonthRow[], writes: CheckInWrite[]) {
  for (const d of devices) raw.prepare(sqliteUpsertSql(updatedColumns(d))).run(deviceRow(d, sqliteValue))
  const month = raw.prepare(MONTH_SQL)
  const inserted = monthRows.filter((m) => month.run([m.app_id, m.month, m.device_id]).changes > 0)
  const bump = raw.prepare(BUMP_SQL)
  for (const b of bumpsOf(inserted, writes)) bump.run([b.app_id, b.day, b.n, b.bandwidth])
  const bundleBumps = bundleBumpsOf(writes)
  if (bundleBumps.length) {
    const bundleBump = raw.prepare(BUNDLE_BUMP_SQL)
    for (const b of bundleBumps) bundleBump.run([b.app_id, b.bundle_id, b.day, b.installs, b.failures])
  }
}

// ---- PostgreSQL: multi-row statements on a pool connection ------------------------------------

/** `($1, $2, …), (…)` for `rows` rows of `width` values. */
const valuesList = (rows: number, width: number) =>
  Array.from({ length: rows }, (_, r) => `(${Array.from({ length: width }, (_, c) => `$${r * width + c + 1}`).join(', ')})`).join(', ')

// Prisma stores DateTime as timestamp(3) in UTC: an ISO string's wall time, its Z ignored by the column type
const pgValue = (v: unknown) => (v instanceof Date ? v.toISOString() : v)

async function writePg(
  pool: PgPool,
  devices: CheckInWrite[],
  monthRows: MonthRow[],
  months: Map<string, MonthRow>,
  writes: CheckInWrite[],
) {
  const client = await pool.connect()
  try {
    await client.query('BEGIN')
    // devices, one statement per set of columns updated
    const shapes = new Map<string, { cols: DeviceField[]; rows: CheckInWrite[] }>()
    for (const d of devices) {
      const cols = updatedColumns(d)
      const key = cols.join(',')
      const shape = shapes.get(key)
      if (shape) shape.rows.push(d)
      else shapes.set(key, { cols, rows: [d] })
    }
    for (const { cols, rows } of shapes.values()) {
      await client.query(
        upsertSql(cols, valuesList(rows.length, DEVICE_ROW_WIDTH)),
        rows.flatMap((d) => deviceRow(d, pgValue)),
      )
    }
    let inserted: { app_id: string; month: string; device_id: string }[] = []
    if (monthRows.length) {
      // DeviceMonth: the rows actually inserted are the devices new in their month
      ;({ rows: inserted } = await client.query<{ app_id: string; month: string; device_id: string }>(
        `INSERT INTO "DeviceMonth" ("app_id", "month", "device_id") VALUES ${valuesList(monthRows.length, 3)}
         ON CONFLICT DO NOTHING RETURNING "app_id", "month", "device_id"`,
        monthRows.flatMap((m) => [m.app_id, m.month, m.device_id]),
      ))
    }
    const bumps = bumpsOf(
      inserted.map((r) => months.get(`${r.app_id}\u0000${r.month}\u0000${r.device_id}`)!),
      writes,
    )
    if (bumps.length) {
      await client.query(
        `INSERT INTO "DailyStat" ("app_id", "date", "mau_new", "bandwidth", "storage_delta")
         SELECT d.app_id, d.date, d.n, d.bw, 0 FROM unnest($1::text[], $2::text[], $3::int[], $4::bigint[]) AS d(app_id, date, n, bw)
         ON CONFLICT ("app_id", "date") DO UPDATE SET "mau_new" = "DailyStat"."mau_new" + excluded."mau_new",
           "bandwidth" = "DailyStat"."bandwidth" + excluded."bandwidth"`,
        [bumps.map((b) => b.app_id), bumps.map((b) => b.day), bumps.map((b) => b.n), bumps.map((b) => b.bandwidth)],
      )
    }
    const bundleBumps = bundleBumpsOf(writes)
    if (bundleBumps.length) {
      await client.query(
        `INSERT INTO "BundleDailyStat" ("app_id", "bundle_id", "date", "installs", "failures")
         SELECT d.app_id, d.bundle_id, d.date, d.installs, d.failures
           FROM unnest($1::text[], $2::int[], $3::text[], $4::int[], $5::int[]) AS d(app_id, bundle_id, date, installs, failures)
         ON CONFLICT ("bundle_id", "date") DO UPDATE SET "installs" = "BundleDailyStat"."installs" + excluded."installs",
           "failures" = "BundleDailyStat"."failures" + excluded."failures"`,
        [
          bundleBumps.map((b) => b.app_id),
          bundleBumps.map((b) => b.bundle_id),
          bundleBumps.map((b) => b.day),
          bundleBumps.map((b) => b.installs),
          bundleBumps.map((b) => b.failures),
        ],
      )
    }
    await client.query('COMMIT')
    client.release()
  } catch (e) {
    // a connection whose ROLLBACK fails is not given back to the pool
    await client.query('ROLLBACK').then(
      () => client.release(),
      (err: Error) => client.release(err),
    )
    throw e
  }
}
