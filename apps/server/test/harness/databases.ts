// Whole databases, for the reliability and security suites: a fresh isolated one, and snapshots of
// its tables or of one app's rows to compare before and after.
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createDb, type DbHandle } from '@capgo-api/db'
import { applyMigrations } from '@capgo-api/db/migrate'
import { afterThis, uid } from './app.ts'

/**
 * A fresh, migrated database of the run's kind (a temporary SQLite file, or a new PostgreSQL
 * database beside the run's), dropped after the test (or the file) that made it. For tests that
 * compare whole-database snapshots or kill servers, which must not see other files' writes.
 */
export async function isolatedDatabase(): Promise<{ url: string; database: DbHandle }> {
  const runUrl = process.env.DATABASE_URL ?? ''
  let url: string
  let drop: () => Promise<void>
  if (/^postgres(ql)?:\/\//.test(runUrl)) {
    const name = `iso_${process.pid}_${uid()}`
    const admin = await createDb(runUrl)
    await admin.db.$executeRawUnsafe(`CREATE DATABASE "${name}"`)
    const u = new URL(runUrl)
    u.pathname = `/${name}`
    url = u.toString()
    drop = async () => {
      await admin.db.$executeRawUnsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)
      await admin.db.$disconnect()
    }
  } else {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'capgo-iso-'))
    url = `file:${path.join(dir, 'test.db')}`
    drop = async () => fs.rmSync(dir, { recursive: true, force: true })
  }
  await applyMigrations(url)
  const database = await createDb(url)
  afterThis(async () => {
    await database.db.$disconnect()
    await drop()
  })
  return { url, database }
}

/** Table names of the database (Prisma's own bookkeeping left out). */
export async function tableNames(database: DbHandle): Promise<string[]> {
  const rows: { name: string }[] =
    database.provider === 'postgres'
      ? await database.db.$queryRawUnsafe(
          `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`,
        )
      : await database.db.$queryRawUnsafe(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`)
  return rows
    .map((r) => r.name)
    .filter((n) => !n.startsWith('_prisma'))
    .sort()
}

/** What a device request may write for one app, row by row (tests run in parallel on one database: an app's rows are theirs alone). */
export async function appRows(database: DbHandle, app_id: string) {
  const where = { where: { app_id } }
  const { db } = database
  const [devices, overrides, months, days, bundleDays] = await Promise.all([
    db.device.findMany({ ...where, orderBy: { device_id: 'asc' } }),
    db.deviceOverride.findMany({ ...where, orderBy: { device_id: 'asc' } }),
    db.deviceMonth.findMany({ ...where, orderBy: { device_id: 'asc' } }),
    db.dailyStat.findMany({ ...where, orderBy: { date: 'asc' } }),
    db.bundleDailyStat.findMany({ ...where, orderBy: [{ bundle_id: 'asc' }, { date: 'asc' }] }),
  ])
  return JSON.parse(JSON.stringify({ devices, overrides, months, days, bundleDays }, (_k, v) => (typeof v === 'bigint' ? String(v) : v)))
}

/** Row count and a checksum of every table: equal snapshots mean an unchanged database. */
export async function snapshotDb(database: DbHandle): Promise<Record<string, { rows: number; checksum: string }>> {
  const out: Record<string, { rows: number; checksum: string }> = {}
  const json = (v: unknown) =>
    JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x instanceof Uint8Array ? Buffer.from(x).toString('hex') : x))
  for (const name of await tableNames(database)) {
    const rows: unknown[] = await database.db.$queryRawUnsafe(`SELECT * FROM "${name}"`)
    const lines = rows.map(json).sort()
    out[name] = { rows: rows.length, checksum: createHash('sha256').update(lines.join('\n')).digest('hex') }
  }
  return out
}
