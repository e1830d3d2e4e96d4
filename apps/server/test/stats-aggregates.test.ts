import { describe, expect, it } from 'vitest'
import { createTenant, getApp } from './harness.ts'

describe('daily aggregates (infra/daily-stats, infra/checkins)', () => {
  it('counts a device once a month and sums bytes atomically under concurrency', async () => {
    const { recordBandwidth, recordStorage } = await import('../../../packages/api/src/infra/daily-stats.ts')
    const t = await createTenant()
    const { database, services } = await getApp()
    const db = database.db
    const recordDeviceSeen = (appId: string, deviceId: string, at: Date) => services.checkins.seen(appId, deviceId, at)
    const day1 = new Date('2026-03-31T10:00:00Z')
    const day2 = new Date('2026-04-01T10:00:00Z')
    await Promise.all([
      ...Array.from({ length: 10 }, () => recordDeviceSeen(t.appId, 'dev-a', day1)),
      ...Array.from({ length: 10 }, () => recordBandwidth(db, t.appId, 1000, day1)),
      recordDeviceSeen(t.appId, 'dev-b', day1),
      recordStorage(db, t.appId, 5_000_000_000, day1),
    ])
    await recordDeviceSeen(t.appId, 'dev-a', day2) // new month: counts again
    await recordStorage(db, t.appId, -2_000_000_000, day2)
    const rows = await db.dailyStat.findMany({ where: { app_id: t.appId }, orderBy: { date: 'asc' } })
    expect(rows.map((r) => [r.date, r.mau_new, Number(r.bandwidth), Number(r.storage_delta)])).toEqual([
      ['2026-03-31', 2, 10_000, 5_000_000_000],
      ['2026-04-01', 1, 0, -2_000_000_000],
    ])
  })
})
