// The check-in writer's statements: the device upsert both databases share, then SQLite's cached
// single-row statements on the raw connection and PostgreSQL's multi-row ones on a pool connection.
import type { PgPool, SqliteRaw } from '@capgo-api/db'
import { bumpsOf, bundleBumpsOf, type MonthRow } from './checkin-bumps.ts'
import { type CheckInWrite, DEVICE_FIELDS, type DeviceField } from './checkin-write.ts'

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

export function writeSqlite(raw: SqliteRaw, devices: CheckInWrite[], monthRows: MonthRow[], writes: CheckInWrite[]) {
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

export async function writePg(
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
