// Group commit of device check-ins. A check-in is queued; while one flush is writing, the next
// ones queue up and the following flush writes them all in one transaction: one multi-row
// INSERT … ON CONFLICT DO UPDATE for the devices, one for their DeviceMonth rows (MAU) and one
// DailyStat bump per app and day. Each caller's promise settles once its batch committed, so no
// acknowledged check-in is lost. A batch that fails is retried one check-in at a time, so one bad
// row (say, its app was just deleted) fails alone. On SQLite the batch is written synchronously on
// the raw connection with cached single-row statements (Prisma's per-query cost was most of a
// check-in's); on PostgreSQL with multi-row statements through Prisma.
import { LRUCache } from 'lru-cache'
import { Prisma, sqliteRawOf, type Db, type SqliteRaw } from '@capgo-api/db'
import { dayOf } from './stats.ts'

type Tx = Parameters<Parameters<Db['$transaction']>[0]>[0]

/** The Device columns a check-in may set besides the key and the timestamps. */
export const DEVICE_FIELDS = ['platform', 'plugin_version', 'os_version', 'version_build', 'custom_id', 'is_prod', 'is_emulator', 'version_name', 'version_id'] as const
export type DeviceField = (typeof DEVICE_FIELDS)[number]
export type DeviceFields = Partial<Record<DeviceField, string | number | boolean | null>>

export interface CheckInWrite {
  app_id: string
  device_id: string
  at: Date
  /** the columns this check-in sets (an update leaves the others alone) */
  set: DeviceFields
  /** the whole row for a device seen for the first time */
  create: Required<DeviceFields>
}

const MAX_BATCH = 500

// "this device is already counted in this month": skips the DeviceMonth insert (exact: an entry
// is added only once its row is committed; cleared with the app snapshots on app deletion).
const counted = new WeakMap<object, LRUCache<string, true>>()
const countedOf = (db: object) => {
  let c = counted.get(db)
  if (!c) counted.set(db, (c = new LRUCache<string, true>({ max: 50_000 })))
  return c
}
export const forgetCounted = (db: object) => counted.get(db)?.clear()

interface Pending {
  write: CheckInWrite
  resolve: () => void
  reject: (e: unknown) => void
}

class GroupCommit {
  private queue: Pending[] = []
  private flushing = false
  constructor(private db: Db) {}

  write(write: CheckInWrite): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ write, resolve, reject })
      // the first check-in of a quiet spell waits for the requests already read in this turn of
      // the event loop (setImmediate), then each flush takes all that queued during the last one
      if (!this.flushing) {
        this.flushing = true
        setImmediate(() => void this.flush())
      }
    })
  }

  private async flush() {
    this.flushing = true
    try {
      while (this.queue.length) {
        const batch = this.queue.splice(0, MAX_BATCH)
        try {
          await commit(this.db, batch.map((p) => p.write))
          for (const p of batch) p.resolve()
        } catch (e) {
          if (batch.length === 1) batch[0]!.reject(e)
          else for (const p of batch) await commit(this.db, [p.write]).then(p.resolve, p.reject)
        }
      }
    } finally {
      this.flushing = false
    }
  }
}

const writers = new WeakMap<object, GroupCommit>()

/** Writes a check-in with the others in flight; resolves once committed. */
export function writeCheckIn(db: Db, write: CheckInWrite): Promise<void> {
  let w = writers.get(db)
  if (!w) writers.set(db, (w = new GroupCommit(db)))
  return w.write(write)
}

const id = (name: string) => Prisma.raw(`"${name}"`)

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
}

/** One DailyStat bump per app and day, by the number of devices new in their month. */
function bumpsOf(inserted: MonthRow[]): Bump[] {
  const perDay = new Map<string, Bump>()
  for (const m of inserted) {
    const key = `${m.app_id}\u0000${m.day}`
    const e = perDay.get(key) ?? { app_id: m.app_id, day: m.day, n: 0 }
    e.n++
    perDay.set(key, e)
  }
  return [...perDay.values()].sort((a, b) => (a.app_id + a.day < b.app_id + b.day ? -1 : 1))
}

async function commit(db: Db, writes: CheckInWrite[]) {
  // one row per device (the later check-in wins, field by field), in key order: two servers
  // flushing overlapping batches lock rows in the same order
  const byDevice = new Map<string, CheckInWrite>()
  for (const w of writes) {
    const key = `${w.app_id}\u0000${w.device_id}`
    const prev = byDevice.get(key)
    // as if applied in turn: the first creates the row, the next update it
    byDevice.set(key, prev ? { ...w, set: { ...prev.set, ...w.set }, create: { ...prev.create, ...w.set } } : w)
  }
  const devices = [...byDevice.values()].sort((a, b) => (a.app_id < b.app_id ? -1 : a.app_id > b.app_id ? 1 : a.device_id < b.device_id ? -1 : a.device_id > b.device_id ? 1 : 0))
  // MAU: each (app, month, device) once, on its first day in the batch, unless already counted
  const seen = countedOf(db)
  const months = new Map<string, MonthRow>()
  for (const w of writes) {
    const day = dayOf(w.at)
    const key = `${w.app_id}\u0000${day.slice(0, 7)}\u0000${w.device_id}`
    if (!seen.has(key) && !months.has(key)) months.set(key, { app_id: w.app_id, month: day.slice(0, 7), device_id: w.device_id, day })
  }
  const monthRows = [...months.values()].sort((a, b) => (a.app_id + a.month + a.device_id < b.app_id + b.month + b.device_id ? -1 : 1))

  const raw = sqliteRawOf(db)
  if (raw) {
    const write = () => writeSqlite(raw, devices, monthRows)
    // Synchronous, so nothing else runs on the connection meanwhile. If a Prisma interactive
    // transaction is open on it (it awaits between statements), wait for our turn through Prisma,
    // which runs one transaction at a time, instead of writing into someone else's transaction.
    if (!raw.connection.inTransaction) raw.connection.transaction(write).immediate()
    else await db.$transaction(async () => write())
  } else {
    await writePrisma(db, devices, monthRows, months)
  }
  for (const key of months.keys()) seen.set(key, true)
}

// ---- SQLite: cached single-row statements on the raw connection -----------------------------

/** How Prisma's SQLite adapter stores DateTime and Boolean, so the API reads these rows as its own. */
const sqliteValue = (v: unknown) => (v instanceof Date ? v.toISOString().replace('Z', '+00:00') : typeof v === 'boolean' ? (v ? 1 : 0) : v)

const upserts = new Map<string, string>()
const deviceUpsertSql = (cols: string[]) => {
  const key = cols.join(',')
  let sql = upserts.get(key)
  if (!sql) upserts.set(key, (sql = upsertSql(cols)))
  return sql
}
const upsertSql = (cols: string[]) => {
  const update = [...cols, 'updated_at'].map((c) => `"${c}" = excluded."${c}"`).join(', ')
  return `INSERT INTO "Device" ("app_id", "device_id", ${DEVICE_FIELDS.map((f) => `"${f}"`).join(', ')}, "created_at", "updated_at")
    VALUES (${Array(DEVICE_FIELDS.length + 4).fill('?').join(', ')})
    ON CONFLICT ("app_id", "device_id") DO UPDATE SET ${update}`
}
const MONTH_SQL = 'INSERT INTO "DeviceMonth" ("app_id", "month", "device_id") VALUES (?, ?, ?) ON CONFLICT DO NOTHING'
const BUMP_SQL = `INSERT INTO "DailyStat" ("app_id", "date", "mau_new", "bandwidth", "storage_delta") VALUES (?, ?, ?, 0, 0)
  ON CONFLICT ("app_id", "date") DO UPDATE SET "mau_new" = "DailyStat"."mau_new" + excluded."mau_new"`

function writeSqlite(raw: SqliteRaw, devices: CheckInWrite[], monthRows: MonthRow[]) {
  for (const d of devices) {
    const cols = DEVICE_FIELDS.filter((f) => f in d.set)
    const values = DEVICE_FIELDS.map((f) => sqliteValue(f in d.set ? d.set[f] : d.create[f]))
    raw.prepare(deviceUpsertSql(cols)).run([d.app_id, d.device_id, ...values, sqliteValue(d.at), sqliteValue(d.at)])
  }
  const month = raw.prepare(MONTH_SQL)
  const inserted = monthRows.filter((m) => month.run([m.app_id, m.month, m.device_id]).changes > 0)
  const bump = raw.prepare(BUMP_SQL)
  for (const b of bumpsOf(inserted)) bump.run([b.app_id, b.day, b.n])
}

// ---- PostgreSQL: multi-row statements through Prisma -----------------------------------------

async function writePrisma(db: Db, devices: CheckInWrite[], monthRows: MonthRow[], months: Map<string, MonthRow>) {
  await db.$transaction(async (tx: Tx) => {
    // devices, one statement per set of columns updated
    const shapes = new Map<string, CheckInWrite[]>()
    for (const d of devices) {
      const cols = DEVICE_FIELDS.filter((f) => f in d.set).join(',')
      shapes.set(cols, [...(shapes.get(cols) ?? []), d])
    }
    for (const [cols, rows] of shapes) {
      const update = [...(cols ? cols.split(',') : []), 'updated_at'].map((c) => Prisma.raw(`"${c}" = excluded."${c}"`))
      const values = rows.map((d) => Prisma.sql`(${d.app_id}, ${d.device_id}, ${Prisma.join(DEVICE_FIELDS.map((f) => (f in d.set ? d.set[f] : d.create[f])))}, ${d.at}, ${d.at})`)
      await tx.$executeRaw`
        INSERT INTO "Device" ("app_id", "device_id", ${Prisma.join(DEVICE_FIELDS.map(id))}, "created_at", "updated_at")
        VALUES ${Prisma.join(values)}
        ON CONFLICT ("app_id", "device_id") DO UPDATE SET ${Prisma.join(update)}`
    }
    if (!monthRows.length) return
    // DeviceMonth: the rows actually inserted are the devices new in their month
    const inserted = await tx.$queryRaw<{ app_id: string; month: string; device_id: string }[]>`
      INSERT INTO "DeviceMonth" ("app_id", "month", "device_id")
      VALUES ${Prisma.join(monthRows.map((m) => Prisma.sql`(${m.app_id}, ${m.month}, ${m.device_id})`))}
      ON CONFLICT DO NOTHING
      RETURNING "app_id", "month", "device_id"`
    const bumps = bumpsOf(inserted.map((r) => months.get(`${r.app_id}\u0000${r.month}\u0000${r.device_id}`)!))
    if (!bumps.length) return
    await tx.$executeRaw`
      INSERT INTO "DailyStat" ("app_id", "date", "mau_new", "bandwidth", "storage_delta")
      VALUES ${Prisma.join(bumps.map((b) => Prisma.sql`(${b.app_id}, ${b.day}, ${b.n}, 0, 0)`))}
      ON CONFLICT ("app_id", "date") DO UPDATE SET "mau_new" = "DailyStat"."mau_new" + excluded."mau_new"`
  })
}
