import { describe, expect, it } from 'vitest'
import { checkIn, deviceInfo, registerBundle, setChannel } from './device-helpers.ts'
import { createTenant, getApp, rest } from './harness.ts'

describe('device-facing endpoints: security', () => {
  it('need no key, and ignore a bad one', async () => {
    const t = await createTenant()
    await registerBundle(t, '1.1.0')
    await setChannel(t, 'production', { version: '1.1.0', public: true })
    const info = deviceInfo(t)
    expect((await checkIn(info)).body).toMatchObject({ version: '1.1.0' })
    expect((await rest('POST', '/updates', { key: 'garbage', body: info })).body).toMatchObject({ version: '1.1.0' })
    expect((await rest('POST', '/stats', { body: { ...info, action: 'app_moved_to_foreground' } })).status).toBe(200)
    expect((await rest('GET', '/channel_self', { query: { ...info } })).status).toBe(200)
  })

  it('are documented without security in /openapi.json', async () => {
    const doc = (await rest('GET', '/openapi.json')).body
    for (const [path, method] of [
      ['/updates', 'post'],
      ['/stats', 'post'],
      ['/channel_self', 'post'],
      ['/channel_self', 'put'],
      ['/channel_self', 'get'],
      ['/channel_self', 'delete'],
    ] as const) {
      const op = doc.paths[path][method]
      expect(op.tags).toEqual(['plugin'])
      expect(op.security ?? []).toEqual([])
    }
    expect(doc.paths['/device'].get.security.length).toBeGreaterThan(0)
  })

  it("a device of one app cannot join or read another app's channels by name", async () => {
    const a = await createTenant()
    const b = await createTenant()
    await setChannel(a, 'beta', { allow_device_self_set: true })
    const info = deviceInfo(b)
    expect(await rest('POST', '/channel_self', { body: { ...info, channel: 'beta' } })).toMatchObject({
      status: 200,
      body: { error: 'channel_not_found' },
    })
    expect((await rest('GET', '/channel_self', { query: { ...info } })).body).toEqual([])
    const { database } = await getApp()
    expect(await database.db.deviceOverride.count({ where: { app_id: { in: [a.appId, b.appId] } } })).toBe(0)
  })

  it('a non-update answer carries no internals', async () => {
    const t = await createTenant()
    const res = await checkIn(deviceInfo(t))
    expect(Object.keys(res.body).sort()).toEqual(['error', 'kind', 'message'])
  })
})
