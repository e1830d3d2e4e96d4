// POST /updates racing the deletion of its app: the snapshot (cached) still says the app exists
// while the check-in's write finds it gone. The device must get the answer of a missing app,
// never a 409 or a 500.
import { describe, expect, it } from 'vitest'
import { checkIn, deviceInfo } from './device-helpers.ts'
import { createTenant, getApp, useServicesConfig } from './harness.ts'

// a long snapshot life, so the deleted app stays in this server's snapshot
useServicesConfig({ accessCacheTtlMs: 0, updatesCacheTtlMs: 60_000 })

describe('POST /updates while its app is deleted', () => {
  it('answers 200 app_not_found when the app vanished after its snapshot was read', async () => {
    const t = await createTenant()
    const first = await checkIn(deviceInfo(t))
    expect(first.status).toBe(200) // the snapshot of the app is now cached
    // deleted behind the API (as another server would): this server's snapshot does not know
    await (await getApp()).database.db.app.delete({ where: { app_id: t.appId } })
    const res = await checkIn(deviceInfo(t, { device_id: '0b7c3f7e-1111-4e5a-9d3c-1a2b3c4d5e6f' }))
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    expect(res.body).toMatchObject({ error: 'app_not_found', kind: 'failed' })
  })
})
