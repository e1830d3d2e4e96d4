import { describe, expect, it } from 'vitest'
import { checkIn, deviceInfo, registerBundle, setChannel, uuidOf } from './device-helpers.ts'
import { createTenant, getApp, rest, trpc, trpcError } from './harness.ts'

describe('/device errors', () => {
  it('400 invalid_cursor for a malformed cursor', async () => {
    const t = await createTenant()
    for (const cursor of [
      'garbage',
      '2026-01-01T00:00:00.000Z',
      '2026-01-01T00:00:00.000Z|',
      '|dev-1',
      'yesterday|dev-1',
      '2026-13-45T99:00:00.000Z|dev-1',
      '1700000000|dev-1',
    ]) {
      const res = await rest('GET', '/device', { key: t.keys.read, query: { app_id: t.appId, cursor } })
      expect(res.status, cursor).toBe(400)
      expect(res.body).toMatchObject({ status: 'KO', error: 'invalid_cursor' })
    }
  })

  it('400 for limit outside 1–1000', async () => {
    const t = await createTenant()
    for (const limit of [0, 1001, -5, 'ten', 2.5]) {
      const res = await rest('GET', '/device', { key: t.keys.read, query: { app_id: t.appId, limit } })
      expect(res.status, String(limit)).toBe(400)
      expect(res.body.status).toBe('KO')
    }
  })

  it('404 device_not_found for GET and DELETE of an unknown device', async () => {
    const t = await createTenant()
    const get = await rest('GET', '/device', { key: t.keys.read, query: { app_id: t.appId, device_id: 'nope' } })
    expect(get).toMatchObject({ status: 404, body: { status: 'KO', error: 'device_not_found' } })
    const del = await rest('DELETE', '/device', { key: t.keys.write, query: { app_id: t.appId, device_id: 'nope' } })
    expect(del).toMatchObject({ status: 404, body: { status: 'KO', error: 'device_not_found' } })
  })

  it('POST: 400 missing_channel_or_version, 404 version_not_found / channel_not_found, and nothing stored', async () => {
    const t = await createTenant()
    const { database } = await getApp()
    const post = (body: object) => rest('POST', '/device', { key: t.keys.write, body: { app_id: t.appId, device_id: 'dev-1', ...body } })
    expect(await post({})).toMatchObject({ status: 400, body: { error: 'missing_channel_or_version' } })
    expect(await post({ version_id: '9.9.9' })).toMatchObject({ status: 404, body: { error: 'version_not_found' } })
    expect(await post({ channel: 'nope' })).toMatchObject({ status: 404, body: { error: 'channel_not_found' } })
    // a deleted bundle is not found either; a valid channel with a missing bundle stores nothing
    await registerBundle(t, '1.0.0')
    await rest('DELETE', '/bundle', { key: t.keys.write, query: { app_id: t.appId, version: '1.0.0' } })
    await setChannel(t, 'beta')
    expect(await post({ version_id: '1.0.0', channel: 'beta' })).toMatchObject({ status: 404, body: { error: 'version_not_found' } })
    expect(await database.db.deviceOverride.count({ where: { app_id: t.appId } })).toBe(0)
  })

  it('400 invalid_app_id and invalid field types, on REST and tRPC', async () => {
    const t = await createTenant()
    expect(await rest('GET', '/device', { key: t.keys.read, query: { app_id: 'bad' } })).toMatchObject({
      status: 400,
      body: { error: 'invalid_app_id' },
    })
    expect(await rest('POST', '/device', { key: t.keys.write, body: { app_id: t.appId, device_id: 5, channel: 'x' } })).toMatchObject({
      status: 400,
      body: { error: 'invalid_input' },
    })
    const caller = await trpc(t.keys.read)
    expect(await trpcError(() => caller.device.get({ app_id: t.appId, cursor: 'x' }))).toMatchObject({
      code: 'BAD_REQUEST',
      error: 'invalid_cursor',
    })
    expect(await trpcError(() => caller.device.get({ app_id: t.appId, limit: true as never }))).toMatchObject({
      code: 'BAD_REQUEST',
      error: 'invalid_input',
    })
  })

  it('the device list never mixes apps', async () => {
    const t = await createTenant()
    const other = await t.addApp()
    const here = uuidOf(`${t.appId}/here`)
    await checkIn(deviceInfo(t, { app_id: other, device_id: uuidOf(`${t.appId}/elsewhere`) }))
    await checkIn(deviceInfo(t, { device_id: here }))
    const res = await rest('GET', '/device', { key: t.keys.read, query: { app_id: t.appId } })
    expect(res.body.data.map((d: any) => d.device_id)).toEqual([here])
  })
})
