import { describe, expect, it } from 'vitest'
import { checkIn, deviceInfo, getDevice, registerBundle, setChannel, setOverride } from './device-helpers.ts'
import { createTenant, getApp, rest, type Tenant } from './harness.ts'

const today = () => new Date().toISOString().slice(0, 10)
const dayStat = async (t: Tenant) => {
  const { database } = await getApp()
  return database.db.dailyStat.findUnique({ where: { app_id_date: { app_id: t.appId, date: today() } } })
}

describe('POST /stats', () => {
  it('takes one event: download_complete adds the bundle size to bandwidth; the device counts toward MAU once', async () => {
    const t = await createTenant()
    await registerBundle(t, '1.1.0', { size: 2500 })
    const info = deviceInfo(t)
    const one = await rest('POST', '/stats', { body: { ...info, action: 'download_complete', version_name: '1.1.0' } })
    expect(one).toMatchObject({ status: 200, body: { status: 'ok' } })
    await rest('POST', '/stats', { body: { ...info, action: 'download_complete', version_name: '1.1.0' } })
    const stat = await dayStat(t)
    expect(Number(stat?.bandwidth)).toBe(5000)
    expect(stat?.mau_new).toBe(1)
  })

  it('takes an array: set moves the device to the new bundle, other events leave its version alone', async () => {
    const t = await createTenant()
    const b = await registerBundle(t, '1.1.0', { size: 100 })
    const info = deviceInfo(t)
    await checkIn(info)
    const res = await rest('POST', '/stats', {
      body: [
        { ...info, action: 'download_complete', version_name: '1.1.0' },
        { ...info, action: 'set', version_name: '1.1.0', old_version_name: 'builtin' },
        { ...info, action: 'app_moved_to_foreground', version_name: 'something-else' },
      ],
    })
    expect(res).toMatchObject({ status: 200, body: { status: 'ok' } })
    const device = await getDevice(t, info.device_id)
    expect(device.body).toMatchObject({ version_name: '1.1.0', version: b.id })
    expect(Number((await dayStat(t))?.bandwidth)).toBe(100)
  })

  it('an event from a device never seen creates it', async () => {
    const t = await createTenant()
    const info = deviceInfo(t, { platform: 'android', custom_id: 'c-1' })
    await rest('POST', '/stats', { body: { ...info, action: 'app_moved_to_foreground' } })
    expect((await getDevice(t, info.device_id)).body).toMatchObject({ platform: 'android', custom_id: 'c-1', version_name: 'builtin' })
  })
})

describe('/channel_self', () => {
  it('POST joins a self-settable channel; /updates then serves it; PUT reports it; DELETE leaves it', async () => {
    const t = await createTenant()
    await registerBundle(t, '1.1.0')
    await setChannel(t, 'production', { version: '1.1.0', public: true })
    await registerBundle(t, '1.2.0-beta.1')
    await setChannel(t, 'beta', { version: '1.2.0-beta.1', allow_device_self_set: true })
    const info = deviceInfo(t)

    expect((await rest('PUT', '/channel_self', { body: info })).body).toMatchObject({ channel: 'production', status: 'default' })
    expect(await rest('POST', '/channel_self', { body: { ...info, channel: 'beta' } })).toMatchObject({
      status: 200,
      body: { status: 'ok' },
    })
    expect((await rest('PUT', '/channel_self', { body: info })).body).toEqual({ channel: 'beta', status: 'override', allowSet: true })
    expect((await checkIn(info)).body).toMatchObject({ version: '1.2.0-beta.1' })
    // the management API shows it
    expect((await getDevice(t, info.device_id)).body).toMatchObject({ channel: 'beta' })

    expect(await rest('DELETE', '/channel_self', { query: { ...info } })).toMatchObject({
      status: 200,
      body: { status: 'ok' },
    })
    expect((await rest('PUT', '/channel_self', { body: info })).body).toMatchObject({ channel: 'production', status: 'default' })
    expect((await checkIn(info)).body).toMatchObject({ version: '1.1.0' })
  })

  it("choosing the platform's public channel clears the override but keeps a bundle override", async () => {
    const t = await createTenant()
    await registerBundle(t, '1.1.0')
    await setChannel(t, 'production', { version: '1.1.0', public: true, allow_device_self_set: true })
    await setChannel(t, 'beta', { allow_device_self_set: true })
    const info = deviceInfo(t)
    await rest('POST', '/channel_self', { body: { ...info, channel: 'beta' } })
    await setOverride(t, info.device_id, { version_id: '1.1.0' })
    expect((await rest('POST', '/channel_self', { body: { ...info, channel: 'production' } })).status).toBe(200)
    const { database } = await getApp()
    const o = await database.db.deviceOverride.findUniqueOrThrow({
      where: { app_id_device_id: { app_id: t.appId, device_id: info.device_id } },
    })
    expect(o.channel_id).toBeNull()
    expect(o.version_id).not.toBeNull()
  })

  it('GET lists the channels the device may pick, for its platform and build', async () => {
    const t = await createTenant()
    await setChannel(t, 'production', { public: true })
    await setChannel(t, 'beta', { allow_device_self_set: true })
    await setChannel(t, 'beta-ios', { allow_device_self_set: true, android: false })
    await setChannel(t, 'beta-real', { allow_device_self_set: true, allow_emulator: false })
    const info = deviceInfo(t)
    const all = await rest('GET', '/channel_self', { query: { ...info, platform: 'ios' } })
    expect(all.status).toBe(200)
    expect(all.body.map((c: any) => c.name)).toEqual(['beta', 'beta-ios', 'beta-real'])
    expect(all.body[0]).toEqual({ id: expect.any(Number), name: 'beta', public: false, allow_self_set: true })
    const androidEmu = await rest('GET', '/channel_self', { query: { ...info, platform: 'android', is_emulator: 'true' } })
    expect(androidEmu.body.map((c: any) => c.name)).toEqual(['beta'])
  })
})
