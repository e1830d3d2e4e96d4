import { describe, expect, it } from 'vitest'
import { checkIn, deviceInfo, getDevice, registerBundle } from './device-helpers.ts'
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
