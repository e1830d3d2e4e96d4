// POST /updates' fast path: the per-app snapshot cache (infra/snapshots.ts) and the group
// commit of check-ins (infra/checkins.ts). The cache is on with a long TTL here, so any change the
// API forgot to invalidate would show as a stale answer.
import { describe, expect, it } from 'vitest'
import { NEW_DEVICE } from '../../../packages/api/src/infra/checkin-write.ts'
import { checkIn, deviceInfo, getDevice, registerBundle, setChannel, setOverride } from './device-helpers.ts'
import { createTenant, getApp, rest, uid, useServicesConfig } from './harness.ts'

useServicesConfig({ accessCacheTtlMs: 0, updatesCacheTtlMs: 60_000 })

const today = () => new Date().toISOString().slice(0, 10)

describe('/updates snapshot cache', () => {
  it('a channel change through the API is seen by the next check-in at once', async () => {
    const t = await createTenant()
    await registerBundle(t, '1.1.0')
    await registerBundle(t, '1.2.0')
    await setChannel(t, 'production', { version: '1.1.0', public: true })
    const info = deviceInfo(t)
    expect((await checkIn(info)).body).toMatchObject({ version: '1.1.0' })
    await setChannel(t, 'production', { version: '1.2.0' })
    expect((await checkIn(info)).body).toMatchObject({ version: '1.2.0' })
    await setChannel(t, 'production', { disableAutoUpdate: 'minor' })
    expect((await checkIn(info)).body).toMatchObject({ error: 'disable_auto_update_to_minor' })
    expect((await rest('DELETE', '/channel', { key: t.keys.write, query: { app_id: t.appId, channel: 'production' } })).status).toBe(200)
    expect((await checkIn(info)).body).toMatchObject({ error: 'no_channel' })
  })

  it('overrides, self-set channels and new bundles are seen at once', async () => {
    const t = await createTenant()
    await registerBundle(t, '1.1.0')
    await registerBundle(t, '1.3.0')
    await setChannel(t, 'production', { version: '1.1.0', public: true })
    await setChannel(t, 'beta', { version: '1.3.0', allow_device_self_set: true })
    const info = deviceInfo(t)
    expect((await checkIn(info)).body).toMatchObject({ version: '1.1.0' })
    await setOverride(t, info.device_id, { version_id: '1.3.0' })
    expect((await checkIn(info)).body).toMatchObject({ version: '1.3.0' })
    expect((await rest('DELETE', '/device', { key: t.keys.write, query: { app_id: t.appId, device_id: info.device_id } })).status).toBe(200)
    expect((await checkIn(info)).body).toMatchObject({ version: '1.1.0' })
    // a self-set channel is the device's: it sends it back as defaultChannel (8.x plugin)
    expect((await rest('POST', '/channel_self', { body: { ...info, channel: 'beta' } })).body).toEqual({ status: 'ok' })
    expect((await checkIn({ ...info, defaultChannel: 'beta' })).body).toMatchObject({ version: '1.3.0' })
    // a bundle registered after the snapshot was read: the device row points at it
    const bundle = await registerBundle(t, '1.4.0')
    expect((await checkIn({ ...info, version_name: '1.4.0' })).status).toBe(200)
    expect((await getDevice(t, info.device_id)).body).toMatchObject({ version_name: '1.4.0', version: bundle.id })
  })

  it('an app created after a check-in for its id is served at once', async () => {
    const t = await createTenant()
    const appId = `com.late.${uid()}`
    const info = deviceInfo(t, { app_id: appId })
    expect((await checkIn(info)).body).toMatchObject({ error: 'app_not_found' })
    expect((await rest('POST', '/app', { key: t.keys.all, body: { app_id: appId, name: 'Late', owner_org: t.orgId } })).status).toBe(200)
    expect((await checkIn(info)).body).toMatchObject({ error: 'no_channel' })
  })

  it('caches: a change made behind the API shows only after the app is invalidated', async () => {
    const t = await createTenant()
    await registerBundle(t, '1.1.0')
    await setChannel(t, 'production', { version: '1.1.0', public: true })
    const info = deviceInfo(t)
    expect((await checkIn(info)).body).toMatchObject({ version: '1.1.0' })
    const { database, services } = await getApp()
    await database.db.channel.updateMany({ where: { app_id: t.appId }, data: { ios: false } })
    expect((await checkIn(info)).body).toMatchObject({ version: '1.1.0' }) // the snapshot: proves the cache is in use
    services.snapshots.invalidate(t.appId)
    expect((await checkIn(info)).body).toMatchObject({ error: 'no_channel' })
  })
})

describe('group commit of check-ins', () => {
  it('parallel check-ins of distinct devices are all stored, and MAU is exact', async () => {
    const t = await createTenant()
    const infos = Array.from({ length: 60 }, () => deviceInfo(t))
    const answers = await Promise.all(infos.map((i) => checkIn(i)))
    expect(answers.every((a) => a.status === 200)).toBe(true)
    const { database } = await getApp()
    const { db } = database
    expect(await db.device.count({ where: { app_id: t.appId } })).toBe(60)
    expect(await db.deviceMonth.count({ where: { app_id: t.appId } })).toBe(60)
    expect((await db.dailyStat.findUnique({ where: { app_id_date: { app_id: t.appId, date: today() } } }))?.mau_new).toBe(60)
    // again, in parallel: the same devices count no more
    await Promise.all(infos.map((i) => checkIn({ ...i, version_os: '18.0' })))
    expect((await db.dailyStat.findUnique({ where: { app_id_date: { app_id: t.appId, date: today() } } }))?.mau_new).toBe(60)
    expect(await db.device.count({ where: { app_id: t.appId, os_version: '18.0' } })).toBe(60)
  })

  it('parallel check-ins of one device make one row, counted once, with the fields of the last', async () => {
    const t = await createTenant()
    const info = deviceInfo(t)
    await Promise.all(Array.from({ length: 20 }, (_, n) => checkIn({ ...info, custom_id: `c${n}` })))
    const { database } = await getApp()
    const { db } = database
    const rows = await db.device.findMany({ where: { app_id: t.appId } })
    expect(rows).toHaveLength(1)
    expect(rows[0]!.custom_id).toMatch(/^c\d+$/)
    expect((await db.dailyStat.findUnique({ where: { app_id_date: { app_id: t.appId, date: today() } } }))?.mau_new).toBe(1)
  })

  it('a check-in the database refuses fails alone; the rest of its batch is stored', async () => {
    const t = await createTenant()
    const { database, services } = await getApp()
    const { db } = database
    const row = (app_id: string, device_id: string) => {
      const fields = { ...NEW_DEVICE, platform: 'ios', version_build: '1.0.0' }
      return { app_id, device_id, at: new Date(), set: fields, create: fields }
    }
    const results = await Promise.allSettled([
      services.checkins.write(row(t.appId, 'good-1')),
      services.checkins.write(row(`com.missing.${uid()}`, 'orphan')), // no such app: foreign key
      services.checkins.write(row(t.appId, 'good-2')),
    ])
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled'])
    expect(await db.device.count({ where: { app_id: t.appId } })).toBe(2)
    expect((await db.dailyStat.findUnique({ where: { app_id_date: { app_id: t.appId, date: today() } } }))?.mau_new).toBe(2)
  })
})
