import { describe, expect, it } from 'vitest'
import { checkIn, deviceInfo, setChannel, uuidOf } from './device-helpers.ts'
import { createTenant, rest } from './harness.ts'

describe('/device security', () => {
  it('401 without a key or with an unknown key', async () => {
    const t = await createTenant()
    expect(await rest('GET', '/device', { query: { app_id: t.appId } })).toMatchObject({ status: 401, body: { error: 'no_key_provided' } })
    expect(await rest('POST', '/device', { key: 'nope', body: { app_id: t.appId, device_id: 'd', channel: 'x' } })).toMatchObject({
      status: 401,
      body: { error: 'invalid_apikey' },
    })
  })

  it('key mode: read may GET; read and upload may not POST or DELETE', async () => {
    const t = await createTenant()
    await setChannel(t, 'beta')
    expect((await rest('GET', '/device', { key: t.keys.read, query: { app_id: t.appId } })).status).toBe(200)
    for (const key of [t.keys.read, t.keys.upload]) {
      expect(await rest('POST', '/device', { key, body: { app_id: t.appId, device_id: 'd', channel: 'beta' } })).toMatchObject({
        status: 403,
        body: { error: 'insufficient_key_mode' },
      })
      expect(await rest('DELETE', '/device', { key, query: { app_id: t.appId, device_id: 'd' } })).toMatchObject({
        status: 403,
        body: { error: 'insufficient_key_mode' },
      })
    }
    expect((await rest('POST', '/device', { key: t.keys.write, body: { app_id: t.appId, device_id: 'd', channel: 'beta' } })).status).toBe(
      200,
    )
  })

  it('org role: read may GET, upload may not change overrides, write may', async () => {
    const t = await createTenant()
    await setChannel(t, 'beta')
    const reader = await t.member('read')
    const uploader = await t.member('upload')
    const writer = await t.member('write')
    expect((await rest('GET', '/device', { key: reader.key, query: { app_id: t.appId } })).status).toBe(200)
    for (const m of [reader, uploader]) {
      expect(await rest('POST', '/device', { key: m.key, body: { app_id: t.appId, device_id: 'd', channel: 'beta' } })).toMatchObject({
        status: 403,
        body: { error: 'insufficient_role' },
      })
      expect(await rest('DELETE', '/device', { key: m.key, query: { app_id: t.appId, device_id: 'd' } })).toMatchObject({
        status: 403,
        body: { error: 'insufficient_role' },
      })
    }
    expect((await rest('POST', '/device', { key: writer.key, body: { app_id: t.appId, device_id: 'd', channel: 'beta' } })).status).toBe(
      200,
    )
    expect((await rest('DELETE', '/device', { key: writer.key, query: { app_id: t.appId, device_id: 'd' } })).status).toBe(200)
  })

  it("another tenant sees exactly a missing app and cannot point a device at this app's channel", async () => {
    const a = await createTenant()
    const b = await createTenant()
    await setChannel(a, 'beta')
    const secret = uuidOf(`${a.appId}/secret-device`)
    await checkIn(deviceInfo(a, { device_id: secret }))
    const missing = await rest('GET', '/device', { key: b.keys.all, query: { app_id: 'com.does.not.exist' } })
    for (const res of [
      await rest('GET', '/device', { key: b.keys.all, query: { app_id: a.appId } }),
      await rest('GET', '/device', { key: b.keys.all, query: { app_id: a.appId, device_id: secret } }),
      await rest('POST', '/device', { key: b.keys.all, body: { app_id: a.appId, device_id: secret, channel: 'beta' } }),
      await rest('DELETE', '/device', { key: b.keys.all, query: { app_id: a.appId, device_id: secret } }),
    ]) {
      expect(res.status).toBe(404)
      expect(res.body).toEqual(missing.body)
    }
    // b's own app cannot name a's channel either
    expect(await rest('POST', '/device', { key: b.keys.all, body: { app_id: b.appId, device_id: 'x', channel: 'beta' } })).toMatchObject({
      status: 404,
      body: { error: 'channel_not_found' },
    })
  })

  it('a key limited to another app cannot see this one', async () => {
    const t = await createTenant()
    const other = await t.addApp()
    const limited = await t.key({ mode: 'all', limitedToApps: [other] })
    expect(await rest('GET', '/device', { key: limited, query: { app_id: t.appId } })).toMatchObject({
      status: 404,
      body: { error: 'app_not_found' },
    })
    expect((await rest('GET', '/device', { key: limited, query: { app_id: other } })).status).toBe(200)
  })
})
