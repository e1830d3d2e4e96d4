// What a device gets beyond the policy table: answers of their own (unknown app, breaking, builtin,
// electron, session key), and a simulated device checking in end to end.
import { describe, expect, it } from 'vitest'
import { updatesOutput } from '../../../packages/api/src/domains/plugin/schema.ts'
import { bundleUrl, checkIn, deviceInfo, getDevice, registerBundle, setChannel, setOverride, uuidOf } from './device-helpers.ts'
import { createTenant, getApp, rest } from './harness.ts'
import { production } from './updates-helpers.ts'

describe('POST /updates resolution and policies', () => {
  it('answers app_not_found as a failed non-update (HTTP 200)', async () => {
    const t = await createTenant()
    const res = await checkIn(deviceInfo(t, { app_id: 'com.nobody.here' }))
    expect(res).toMatchObject({ status: 200, body: { error: 'app_not_found', kind: 'failed' } })
  })

  it('flags a held-back major with breaking:true and names the bundle', async () => {
    const t = await createTenant()
    await production(t, '2.0.0')
    const res = await checkIn(deviceInfo(t))
    expect(res.body).toMatchObject({ error: 'disable_auto_update_to_major', breaking: true, version: '2.0.0', old: '1.0.0' })
  })

  it('a channel set to "builtin" sends devices back to their native bundle; one on builtin is already there', async () => {
    const t = await createTenant()
    await setChannel(t, 'production', { version: 'builtin', public: true })
    const got = await rest('GET', `/channel?app_id=${t.appId}&channel=production`, { key: t.keys.read })
    expect(got.body).toMatchObject({ version: { id: 0, name: 'builtin' } })
    const onBundle = await checkIn(deviceInfo(t, { version_name: '1.1.0' }))
    expect(onBundle).toMatchObject({ status: 200, body: { version: 'builtin' } })
    expect(updatesOutput.parse(onBundle.body)).toEqual({ version: 'builtin' })
    expect((await checkIn(deviceInfo(t))).body).toMatchObject({ error: 'already_on_builtin', kind: 'up_to_date' })
    // an operator's channel override pointing at a builtin channel answers the same
    await registerBundle(t, '1.2.0')
    await setChannel(t, 'production', { version: '1.2.0' })
    await setChannel(t, 'rollback', { version: 'builtin' })
    const pinned = deviceInfo(t, { version_name: '1.2.0' })
    await setOverride(t, pinned.device_id, { channel: 'rollback' })
    expect((await checkIn(pinned)).body).toEqual({ version: 'builtin' })
    // a bundle again: the builtin flag goes
    await setChannel(t, 'rollback', { version: '1.2.0' })
    const back = await rest('GET', `/channel?app_id=${t.appId}&channel=rollback`, { key: t.keys.read })
    expect(back.body).toMatchObject({ version: { name: '1.2.0' } })
    expect((await checkIn(pinned)).body).toMatchObject({ error: 'no_new_version_available' })
  })

  it('electron devices check in; channels serve electron by default; electron:false blocks them', async () => {
    const t = await createTenant()
    await production(t, '1.2.0')
    const desktop = deviceInfo(t, { platform: 'electron', version_os: 'darwin 24.1' })
    expect((await checkIn(desktop)).body).toMatchObject({ version: '1.2.0' })
    const got = await rest('GET', `/channel?app_id=${t.appId}&channel=production`, { key: t.keys.read })
    expect(got.body).toMatchObject({ electron: true, ios: true, android: true })
    expect((await getDevice(t, desktop.device_id)).body).toMatchObject({ platform: 'electron' })
    await setChannel(t, 'no-desktop', { version: '1.2.0', electron: false })
    await setOverride(t, desktop.device_id, { channel: 'no-desktop' })
    expect((await checkIn(desktop)).body).toMatchObject({ error: 'disabled_platform_electron', kind: 'blocked' })
    // a public channel without electron is no default channel for electron devices
    await setChannel(t, 'production', { electron: false })
    expect((await checkIn(deviceInfo(t, { platform: 'electron' }))).body).toMatchObject({ error: 'no_channel', kind: 'failed' })
  })

  it('sends the session key of an encrypted bundle, and an empty one otherwise', async () => {
    const t = await createTenant()
    await production(t, '1.2.0', {}, { session_key: 'iv:secret' })
    const res = await checkIn(deviceInfo(t))
    expect(res.body).toEqual({ version: '1.2.0', url: bundleUrl('1.2.0'), checksum: 'sum-1.2.0', session_key: 'iv:secret' })
    const plain = await createTenant()
    await production(plain, '1.2.0')
    expect((await checkIn(deviceInfo(plain))).body).toEqual({
      version: '1.2.0',
      url: bundleUrl('1.2.0'),
      checksum: 'sum-1.2.0',
      session_key: '',
    })
  })
})

describe('a simulated device, end to end', () => {
  it('checks in from ios, android, emulator and dev builds, follows an override, and shows up in GET /device', async () => {
    const t = await createTenant()
    await production(t, '1.1.0', { allow_emulator: false })
    const [A1, B2, C3, D4] = ['iphone-a1', 'pixel-b2', 'sim-c3', 'dev-d4'].map((l) => uuidOf(`${t.appId}/${l}`)) as [
      string,
      string,
      string,
      string,
    ]
    const ios = deviceInfo(t, { device_id: A1.toUpperCase(), custom_id: 'user-42', version_os: '17.4' })
    const android = deviceInfo(t, { device_id: B2, platform: 'android', version_os: '14', plugin_version: '7.1.0' })
    const emulator = deviceInfo(t, { device_id: C3, is_emulator: true })
    const dev = deviceInfo(t, { device_id: D4, is_prod: false })

    expect((await checkIn(ios)).body).toMatchObject({ version: '1.1.0' })
    expect((await checkIn(android)).body).toMatchObject({ version: '1.1.0' })
    expect((await checkIn(emulator)).body).toMatchObject({ error: 'disable_emulator', kind: 'blocked' })
    expect((await checkIn(dev)).body).toMatchObject({ version: '1.1.0' })

    // the device installs it and reports the new bundle
    const stats = await rest('POST', '/stats', {
      body: [
        { ...ios, device_id: A1, action: 'download_complete', version_name: '1.1.0' },
        { ...ios, action: 'set', version_name: '1.1.0', old_version_name: 'builtin' },
      ],
    })
    expect(stats).toMatchObject({ status: 200, body: { status: 'ok' } })
    expect((await checkIn({ ...ios, version_name: '1.1.0' })).body).toMatchObject({ error: 'no_new_version_available', kind: 'up_to_date' })

    // an operator moves the device to a test channel through the management API
    await registerBundle(t, '1.1.1-rc.1')
    await setChannel(t, 'qa', { version: '1.1.1-rc.1' })
    await setOverride(t, A1, { channel: 'qa' })
    expect((await checkIn({ ...ios, version_name: '1.1.0' })).body).toEqual({
      version: '1.1.1-rc.1',
      url: bundleUrl('1.1.1-rc.1'),
      checksum: 'sum-1.1.1-rc.1',
      session_key: '',
    })
    // and back
    expect((await rest('DELETE', '/device', { key: t.keys.write, query: { app_id: t.appId, device_id: A1 } })).status).toBe(200)
    expect((await checkIn({ ...ios, version_name: '1.1.0' })).body).toMatchObject({ error: 'no_new_version_available' })

    const one = await getDevice(t, A1)
    expect(one.status).toBe(200)
    const bundles = await rest('GET', '/bundle', { key: t.keys.read, query: { app_id: t.appId } })
    const b110 = bundles.body.find((b: any) => b.name === '1.1.0')
    expect(one.body).toMatchObject({
      device_id: A1,
      app_id: t.appId,
      custom_id: 'user-42',
      platform: 'ios',
      plugin_version: '8.51.0',
      os_version: '17.4',
      version_build: '1.0.0',
      version_name: '1.1.0',
      version: b110.id,
      is_prod: true,
      is_emulator: false,
    })
    expect(one.body.channel).toBeUndefined()

    const list = await rest('GET', '/device', { key: t.keys.read, query: { app_id: t.appId } })
    expect(list.status).toBe(200)
    expect(list.body.hasMore).toBe(false)
    expect(list.body.data.map((d: any) => d.device_id).sort()).toEqual([A1, B2, C3, D4].sort())
    expect(list.body.data[0].device_id).toBe(A1) // the last to check in
    const pixel = list.body.data.find((d: any) => d.device_id === B2)
    expect(pixel).toMatchObject({ platform: 'android', os_version: '14', plugin_version: '7.1.0', version_name: 'builtin', is_prod: true })
    expect(pixel.version).toBeUndefined()
    expect(list.body.data.find((d: any) => d.device_id === C3)).toMatchObject({ is_emulator: true })
    expect(list.body.data.find((d: any) => d.device_id === D4)).toMatchObject({ is_prod: false })

    // MAU and bandwidth were recorded for today
    const { database } = await getApp()
    const today = new Date().toISOString().slice(0, 10)
    const stat = await database.db.dailyStat.findUnique({ where: { app_id_date: { app_id: t.appId, date: today } } })
    expect(stat?.mau_new).toBe(4)
  })

  it('concurrent first check-ins of one device make one row and count once', async () => {
    const t = await createTenant()
    await production(t, '1.2.0')
    const info = deviceInfo(t)
    const answers = await Promise.all(Array.from({ length: 10 }, () => checkIn(info)))
    expect(answers.every((a) => a.status === 200 && a.body.version === '1.2.0')).toBe(true)
    const { database } = await getApp()
    expect(await database.db.device.count({ where: { app_id: t.appId } })).toBe(1)
    expect(await database.db.deviceMonth.count({ where: { app_id: t.appId } })).toBe(1)
  })
})
