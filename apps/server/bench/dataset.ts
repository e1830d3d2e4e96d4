// Bench dataset, written with the raw drivers (Prisma would take minutes for a million rows):
// one org with an app of N devices, 10 channels and 20 bundles, plus 100 apps with a year of
// daily statistics. Timestamps are in Prisma's own formats so the server reads them as usual.
import { createHash } from 'node:crypto'
import { providerOf, sqliteFile } from '@capgo-api/db'
import Database from 'better-sqlite3'
import pg from 'pg'

export const BENCH_KEY = 'bench-key-mode-all-0123456789'
export const DEVICE_APP = 'com.bench.devices'
export const STATS_APP_COUNT = 100
export const statsAppId = (i: number) => `com.bench.stats${String(i).padStart(3, '0')}`
/** Device i's id: a UUID, as the plugin sends, that sorts as i does. */
export const deviceId = (i: number) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`

/** The info object a dataset device sends (the plugin's createInfoObject, the fields the server reads). */
export const checkInInfo = (app_id: string, device_id: string) => ({
  app_id,
  device_id,
  platform: 'ios',
  version_name: '1.0.0',
  version_build: '1.0.0',
  plugin_version: '8.51.0',
  version_os: '17.0',
  is_emulator: false,
  is_prod: true,
})

/** What one update cycle of the plugin queues (CapgoUpdater.sendStats calls), in its order. */
const CYCLE = ['app_moved_to_foreground', 'download_complete', 'set_next', 'app_moved_to_background', 'set', 'app_launch_ready'] as const

/** A /stats body as the plugin flushes its queue: `n` events of one device, oldest first. */
export function statsBatch(app_id: string, device_id: string, n = 200, at = Date.now()) {
  return Array.from({ length: n }, (_, k) => ({
    ...checkInInfo(app_id, device_id),
    version_name: '1.0.19',
    old_version_name: '1.0.0',
    action: CYCLE[k % CYCLE.length]!,
    timestamp: at - (n - k) * 1000,
  }))
}

const USER = 'bench-user'
const ORG = 'bench-org'
export const STATS_ORG = 'bench-stats-org'
const DAY = 86_400_000

export interface DatasetInfo {
  devices: number
  statsDays: number
  /** newest device first: device i has updated_at = base - i ms */
  baseTime: number
}

const sqliteTs = (ms: number) => new Date(ms).toISOString().replace('Z', '+00:00')

export async function buildDataset(url: string, devices: number, statsDays = 366): Promise<DatasetInfo> {
  const baseTime = Date.UTC(2026, 10, 1)
  const keyHash = createHash('sha256').update(BENCH_KEY).digest('hex')
  const days = Array.from({ length: statsDays }, (_, d) => new Date(baseTime - (statsDays - 1 - d) * DAY).toISOString().slice(0, 10))
  if (providerOf(url) === 'sqlite') {
    const db = new Database(sqliteFile(url))
    db.pragma('journal_mode = WAL')
    const now = sqliteTs(baseTime)
    db.transaction(() => {
      db.prepare(`INSERT INTO "User" (id, email, name, created_at, updated_at) VALUES (?, ?, 'Bench', ?, ?)`).run(
        USER,
        'bench@localhost',
        now,
        now,
      )
      for (const org of [ORG, STATS_ORG]) {
        db.prepare(
          `INSERT INTO "Organization" (id, name, management_email, created_by, created_at, updated_at) VALUES (?, ?, 'bench@localhost', ?, ?, ?)`,
        ).run(org, org, USER, now, now)
        db.prepare(`INSERT INTO "OrgMember" (org_id, user_id, role, created_at, updated_at) VALUES (?, ?, 'super_admin', ?, ?)`).run(
          org,
          USER,
          now,
          now,
        )
      }
      db.prepare(
        `INSERT INTO "ApiKey" (key_hash, key_hint, mode, name, user_id, created_at, updated_at) VALUES (?, 'bench…', 'all', 'bench', ?, ?, ?)`,
      ).run(keyHash, USER, now, now)
      const app = db.prepare(`INSERT INTO "App" (app_id, name, owner_org, created_at, updated_at) VALUES (?, ?, ?, ?, ?)`)
      app.run(DEVICE_APP, 'Bench devices', ORG, now, now)
      for (let i = 0; i < STATS_APP_COUNT; i++) app.run(statsAppId(i), `Bench stats ${i}`, STATS_ORG, now, now)
      const bundle = db.prepare(
        `INSERT INTO "Bundle" (app_id, name, owner_org, external_url, checksum, size, created_at, updated_at) VALUES (?, ?, ?, ?, 'abc', 1048576, ?, ?)`,
      )
      for (let b = 0; b < 20; b++) bundle.run(DEVICE_APP, `1.0.${b}`, ORG, `https://cdn.example.com/1.0.${b}.zip`, now, now)
      const lastBundle = (db.prepare(`SELECT id FROM "Bundle" WHERE app_id = ? AND name = '1.0.19'`).get(DEVICE_APP) as { id: number }).id
      const channel = db.prepare(
        `INSERT INTO "Channel" (app_id, name, version_id, created_by, public, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
      )
      for (let c = 0; c < 10; c++)
        channel.run(DEVICE_APP, c === 0 ? 'production' : `channel-${c}`, lastBundle, USER, c === 0 ? 1 : 0, now, now)
      const stat = db.prepare(`INSERT INTO "DailyStat" (app_id, date, mau_new, bandwidth, storage_delta) VALUES (?, ?, ?, ?, ?)`)
      for (let i = 0; i < STATS_APP_COUNT; i++)
        for (const [j, d] of days.entries()) stat.run(statsAppId(i), d, (i + j) % 50, 1_000_000 * ((i + j) % 7), j === 0 ? 50_000_000 : 0)
    })()
    const dev = db.prepare(
      `INSERT INTO "Device" (app_id, device_id, platform, plugin_version, os_version, version_build, version_name, created_at, updated_at) VALUES (?, ?, ?, '6.0.0', '17.0', '1.0.0', '1.0.0', ?, ?)`,
    )
    const chunk = 50_000
    for (let start = 0; start < devices; start += chunk) {
      db.transaction(() => {
        for (let i = start; i < Math.min(devices, start + chunk); i++) {
          const ts = sqliteTs(baseTime - i)
          dev.run(DEVICE_APP, deviceId(i), i % 2 ? 'android' : 'ios', ts, ts)
        }
      })()
    }
    db.pragma('optimize')
    db.close()
  } else {
    const c = new pg.Client({ connectionString: url })
    await c.connect()
    const ts = new Date(baseTime)
    await c.query('BEGIN')
    await c.query(`INSERT INTO "User" (id, email, name, created_at, updated_at) VALUES ($1, 'bench@localhost', 'Bench', $2, $2)`, [
      USER,
      ts,
    ])
    for (const org of [ORG, STATS_ORG]) {
      await c.query(
        `INSERT INTO "Organization" (id, name, management_email, created_by, created_at, updated_at) VALUES ($1, $1, 'bench@localhost', $2, $3, $3)`,
        [org, USER, ts],
      )
      await c.query(`INSERT INTO "OrgMember" (org_id, user_id, role, created_at, updated_at) VALUES ($1, $2, 'super_admin', $3, $3)`, [
        org,
        USER,
        ts,
      ])
    }
    await c.query(
      `INSERT INTO "ApiKey" (key_hash, key_hint, mode, name, user_id, created_at, updated_at) VALUES ($1, 'bench…', 'all', 'bench', $2, $3, $3)`,
      [keyHash, USER, ts],
    )
    await c.query(`INSERT INTO "App" (app_id, name, owner_org, created_at, updated_at) VALUES ($1, 'Bench devices', $2, $3, $3)`, [
      DEVICE_APP,
      ORG,
      ts,
    ])
    await c.query(
      `INSERT INTO "App" (app_id, name, owner_org, created_at, updated_at) SELECT 'com.bench.stats' || lpad(i::text, 3, '0'), 'Bench stats ' || i, $1, $2, $2 FROM generate_series(0, $3 - 1) i`,
      [STATS_ORG, ts, STATS_APP_COUNT],
    )
    await c.query(
      `INSERT INTO "Bundle" (app_id, name, owner_org, external_url, checksum, size, created_at, updated_at) SELECT $1, '1.0.' || b, $2, 'https://cdn.example.com/1.0.' || b || '.zip', 'abc', 1048576, $3, $3 FROM generate_series(0, 19) b`,
      [DEVICE_APP, ORG, ts],
    )
    await c.query(
      `INSERT INTO "Channel" (app_id, name, version_id, created_by, public, created_at, updated_at) SELECT $1, CASE WHEN c = 0 THEN 'production' ELSE 'channel-' || c END, (SELECT id FROM "Bundle" WHERE app_id = $1 AND name = '1.0.19'), $2, c = 0, $3, $3 FROM generate_series(0, 9) c`,
      [DEVICE_APP, USER, ts],
    )
    await c.query(
      `INSERT INTO "DailyStat" (app_id, date, mau_new, bandwidth, storage_delta)
       SELECT 'com.bench.stats' || lpad(i::text, 3, '0'), to_char(($1::date - ($2 - 1 - j)), 'YYYY-MM-DD'), (i + j) % 50, 1000000 * ((i + j) % 7), CASE WHEN j = 0 THEN 50000000 ELSE 0 END
       FROM generate_series(0, $3 - 1) i, generate_series(0, $2 - 1) j`,
      [new Date(baseTime).toISOString().slice(0, 10), statsDays, STATS_APP_COUNT],
    )
    await c.query(
      `INSERT INTO "Device" (app_id, device_id, platform, plugin_version, os_version, version_build, version_name, created_at, updated_at)
       SELECT $1, '00000000-0000-4000-8000-' || lpad(i::text, 12, '0'), CASE WHEN i % 2 = 1 THEN 'android' ELSE 'ios' END, '6.0.0', '17.0', '1.0.0', '1.0.0',
              $2::timestamp - (i * interval '1 millisecond'), $2::timestamp - (i * interval '1 millisecond')
       FROM generate_series(0, $3 - 1) i`,
      [DEVICE_APP, new Date(baseTime).toISOString().replace('Z', ''), devices],
    )
    await c.query('COMMIT')
    await c.query('ANALYZE')
    await c.end()
  }
  return { devices, statsDays, baseTime }
}
