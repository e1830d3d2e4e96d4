import fs from 'node:fs'
import { applyMigrations } from '@capgo-api/db/migrate'
import { createDb } from '@capgo-api/db'
import { answerUpdates } from '@capgo-api/api/bench'
import { buildDataset, DEVICE_APP, deviceId } from '/work/wt/perf/apps/server/bench/dataset.ts'
const dir = fs.mkdtempSync('/tmp/capgo-micro-')
const url = process.env.URL ?? `file:${dir}/b.db`
await applyMigrations(url)
await buildDataset(url, 200_000)
const { db } = await createDb(url)
const info = (i: number) => ({ app_id: DEVICE_APP, device_id: deviceId(i), platform: 'ios' as const, version_name: '1.0.0', version_build: '1.0.0', plugin_version: '6.0.0', version_os: '17.0', is_emulator: false, is_prod: true })
const time = async (name: string, n: number, f: (i: number) => Promise<unknown>) => { const t = performance.now(); for (let i = 0; i < n; i++) await f(i); console.log(name, ((performance.now() - t) / n).toFixed(3), 'ms') }
await time('answerUpdates seq', 200, (i) => answerUpdates(db, info(i)))
await time('empty tx', 200, () => db.$transaction(async (tx) => { await tx.$executeRawUnsafe('SELECT 1') }))
await time('raw select', 200, () => db.$queryRawUnsafe('SELECT 1'))
await time('batch tx', 200, () => db.$transaction([db.$executeRawUnsafe(`UPDATE "App" SET retention = retention WHERE app_id = 'x'`)]))
await time('raw update no tx', 200, () => db.$executeRawUnsafe(`UPDATE "Device" SET updated_at = updated_at WHERE app_id = ? AND device_id = ?`, DEVICE_APP, deviceId(5)))
let t = performance.now(); await Promise.all(Array.from({ length: 500 }, (_, i) => answerUpdates(db, info(1000 + i)))); console.log('500 parallel', (performance.now() - t).toFixed(1), 'ms')
await db.$disconnect(); fs.rmSync(dir, { recursive: true })
