import { describe, expect, it } from 'vitest'
import { checkIn, deviceInfo, setChannel, setOverride } from './device-helpers.ts'
import { createTenant, getApp, rest } from './harness.ts'

describe('device-facing endpoints: errors', () => {
  it('/updates: invalid bodies are 400 in the envelope and store nothing', async () => {
    const t = await createTenant()
    const good = deviceInfo(t)
    const bad: Record<string, unknown>[] = [
      { ...good, app_id: 'nodots' },
      { ...good, platform: 'windows' },
      { ...good, device_id: undefined },
      { ...good, version_build: undefined },
      { ...good, is_emulator: 'false' },
      { ...good, version_name: 42 },
    ]
    for (const body of bad) {
      const res = await checkIn(body)
      expect(res.status, JSON.stringify(body)).toBe(400)
      expect(res.body.status).toBe('KO')
      expect(res.body.error).toBe('invalid_json_body')
    }
    const raw = await rest('POST', '/updates', { body: '{"app_id":', headers: { 'content-type': 'application/json' } })
    expect(raw).toMatchObject({ status: 400, body: { status: 'KO', error: 'invalid_json' } })
    const { database } = await getApp()
    expect(await database.db.device.count({ where: { app_id: t.appId } })).toBe(0)
  })

  it('/channel_self: refuses channels without allow_device_self_set, and unknown channels', async () => {
    const t = await createTenant()
    await setChannel(t, 'locked')
    const info = deviceInfo(t)
    expect(await rest('POST', '/channel_self', { body: { ...info, channel: 'locked' } })).toMatchObject({
      status: 403,
      body: { status: 'KO', error: 'channel_self_set_not_allowed' },
    })
    expect(await rest('POST', '/channel_self', { body: { ...info, channel: 'nope' } })).toMatchObject({
      status: 404,
      body: { error: 'channel_not_found' },
    })
    const { database } = await getApp()
    expect(await database.db.deviceOverride.count({ where: { app_id: t.appId } })).toBe(0)
  })

  it('/channel_self: a device cannot leave or replace an operator override on a locked channel', async () => {
    const t = await createTenant()
    await setChannel(t, 'locked')
    await setChannel(t, 'beta', { allow_device_self_set: true })
    const info = deviceInfo(t)
    await setOverride(t, info.device_id, { channel: 'locked' })
    expect(await rest('POST', '/channel_self', { body: { ...info, channel: 'beta' } })).toMatchObject({
      status: 403,
      body: { error: 'channel_self_set_not_allowed' },
    })
    expect(await rest('DELETE', '/channel_self', { query: { ...info } })).toMatchObject({
      status: 403,
      body: { error: 'channel_self_set_not_allowed' },
    })
    expect((await rest('PUT', '/channel_self', { body: info })).body).toMatchObject({
      channel: 'locked',
      status: 'override',
      allowSet: false,
    })
  })

  it('/channel_self: PUT with no channel at all, DELETE without an override, unknown app', async () => {
    const t = await createTenant()
    const info = deviceInfo(t)
    expect(await rest('PUT', '/channel_self', { body: info })).toMatchObject({ status: 404, body: { error: 'channel_not_found' } })
    expect(await rest('DELETE', '/channel_self', { query: { ...info } })).toMatchObject({
      status: 404,
      body: { error: 'channel_not_found' },
    })
    expect(await rest('GET', '/channel_self', { query: { ...info, app_id: 'com.nobody.here' } })).toMatchObject({
      status: 404,
      body: { error: 'app_not_found' },
    })
    expect((await checkIn(info)).body).toMatchObject({ error: 'no_channel', kind: 'failed' })
  })
})

describe('device ids that are not text', () => {
  it('a lone UTF-16 surrogate in device_id is a 400 invalid_json_body (not a UUID), not a 500', async () => {
    const t = await createTenant()
    const body = { ...deviceInfo(t), device_id: '\ud800' }
    for (const method of ['POST', 'PUT'] as const) {
      const res = await rest(method, method === 'POST' ? '/updates' : '/channel_self', { body })
      expect(res, method).toMatchObject({ status: 400, body: { status: 'KO', error: 'invalid_json_body' } })
    }
  })
})
