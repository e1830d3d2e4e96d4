import { describeError, deviceInfo as deviceInfoSchema, envelope } from '@capgo-api/api'
import { describe, expect, it } from 'vitest'
import { updatesOutput } from '../../../packages/api/src/domains/plugin/schema.ts'
import { bundleUrl, checkIn, deviceInfo, getDevice, type Info, registerBundle, setChannel, setOverride, uuidOf } from './device-helpers.ts'
import { createTenant, getApp, rest, type Tenant, trpc } from './harness.ts'

interface Case {
  name: string
  /** arranges bundles and channels through the API (extra device fields are in `info`) */
  setup: (t: Tenant, deviceId: string) => Promise<unknown>
  info?: Partial<Info>
  expect: { error: string; kind: string } | { version: string }
}

/** A public "production" channel serving `version`, with channel options. */
const production = async (t: Tenant, version: string, opts: Record<string, unknown> = {}, bundleExtra: Record<string, unknown> = {}) => {
  await registerBundle(t, version, bundleExtra)
  await setChannel(t, 'production', { version, public: true, ...opts })
}

const CASES: Case[] = [
  { name: 'serves the public channel bundle', setup: (t) => production(t, '1.2.0'), expect: { version: '1.2.0' } },
  {
    name: 'no_new_version_available when already on it',
    setup: (t) => production(t, '1.2.0'),
    info: { version_name: '1.2.0' },
    expect: { error: 'no_new_version_available', kind: 'up_to_date' },
  },
  {
    name: 'no_new_version_available when builtin is that version',
    setup: (t) => production(t, '1.2.0'),
    info: { version_build: '1.2.0' },
    expect: { error: 'no_new_version_available', kind: 'up_to_date' },
  },
  {
    name: 'disabled_platform_ios on an override channel without iOS',
    setup: async (t, id) => {
      await registerBundle(t, '1.2.0')
      await setChannel(t, 'android-only', { version: '1.2.0', ios: false })
      await setOverride(t, id, { channel: 'android-only' })
    },
    expect: { error: 'disabled_platform_ios', kind: 'blocked' },
  },
  {
    name: 'disabled_platform_android on an override channel without Android',
    setup: async (t, id) => {
      await registerBundle(t, '1.2.0')
      await setChannel(t, 'ios-only', { version: '1.2.0', android: false })
      await setOverride(t, id, { channel: 'ios-only' })
    },
    info: { platform: 'android' },
    expect: { error: 'disabled_platform_android', kind: 'blocked' },
  },
  {
    name: 'disable_auto_update_to_major (default policy)',
    setup: (t) => production(t, '2.0.0'),
    expect: { error: 'disable_auto_update_to_major', kind: 'blocked' },
  },
  {
    name: 'major policy lets a minor through',
    setup: (t) => production(t, '1.5.0', { disableAutoUpdate: 'major' }),
    expect: { version: '1.5.0' },
  },
  {
    name: 'major policy blocks a lower major too (Capgo: the majors must be equal)',
    setup: (t) => production(t, '0.9.0', { disableAutoUpdate: 'major', disableAutoUpdateUnderNative: false }),
    expect: { error: 'disable_auto_update_to_major', kind: 'blocked' },
  },
  {
    name: 'disable_auto_update_to_minor',
    setup: (t) => production(t, '1.1.0', { disableAutoUpdate: 'minor' }),
    expect: { error: 'disable_auto_update_to_minor', kind: 'blocked' },
  },
  {
    name: 'minor policy lets a patch through',
    setup: (t) => production(t, '1.0.4', { disableAutoUpdate: 'minor' }),
    expect: { version: '1.0.4' },
  },
  {
    name: 'minor policy blocks a lower minor (major and minor must be equal)',
    setup: (t) => production(t, '1.1.0', { disableAutoUpdate: 'minor', disableAutoUpdateUnderNative: false }),
    info: { version_build: '1.2.0' },
    expect: { error: 'disable_auto_update_to_minor', kind: 'blocked' },
  },
  {
    name: 'disable_auto_update_to_patch',
    setup: (t) => production(t, '1.1.0', { disableAutoUpdate: 'patch' }),
    expect: { error: 'disable_auto_update_to_patch', kind: 'blocked' },
  },
  {
    name: 'patch policy blocks another patch of the native version',
    setup: (t) => production(t, '1.0.3', { disableAutoUpdate: 'patch' }),
    expect: { error: 'disable_auto_update_to_patch', kind: 'blocked' },
  },
  {
    name: 'patch policy serves the native major.minor.patch (only prerelease differs)',
    setup: (t) => production(t, '1.0.3', { disableAutoUpdate: 'patch' }),
    info: { version_build: '1.0.3-rc.1' },
    expect: { version: '1.0.3' },
  },
  {
    name: 'version_number blocks a native version below minUpdateVersion',
    setup: (t) => production(t, '1.2.0', { disableAutoUpdate: 'version_number' }, { minUpdateVersion: '1.1.0' }),
    expect: { error: 'disable_auto_update_to_metadata', kind: 'blocked' },
  },
  {
    name: 'version_number serves a native version at minUpdateVersion',
    setup: (t) => production(t, '2.0.0', { disableAutoUpdate: 'version_number' }, { minUpdateVersion: '1.1.0' }),
    info: { version_build: '1.1.0' },
    expect: { version: '2.0.0' },
  },
  {
    name: "version_number compares minUpdateVersion with the device's current bundle",
    setup: (t) => production(t, '1.2.0', { disableAutoUpdate: 'version_number' }, { minUpdateVersion: '1.1.0' }),
    info: { version_name: '1.1.0' },
    expect: { version: '1.2.0' },
  },
  {
    name: 'version_number without minUpdateVersion is a misconfiguration',
    setup: (t) => production(t, '1.2.0', { disableAutoUpdate: 'version_number' }),
    expect: { error: 'misconfigured_channel', kind: 'failed' },
  },
  {
    name: 'disable_auto_update_under_native',
    setup: (t) => production(t, '1.2.0', { disableAutoUpdate: 'none' }),
    info: { version_build: '1.5.0' },
    expect: { error: 'disable_auto_update_under_native', kind: 'blocked' },
  },
  {
    name: 'under native allowed when the channel says so',
    setup: (t) => production(t, '1.2.0', { disableAutoUpdate: 'none', disableAutoUpdateUnderNative: false }),
    info: { version_build: '1.5.0' },
    expect: { version: '1.2.0' },
  },
  {
    name: 'disable_emulator',
    setup: (t) => production(t, '1.2.0', { allow_emulator: false }),
    info: { is_emulator: true },
    expect: { error: 'disable_emulator', kind: 'blocked' },
  },
  {
    name: 'emulators still served elsewhere',
    setup: (t) => production(t, '1.2.0', { allow_device: false }),
    info: { is_emulator: true },
    expect: { version: '1.2.0' },
  },
  {
    name: 'disable_device',
    setup: (t) => production(t, '1.2.0', { allow_device: false }),
    expect: { error: 'disable_device', kind: 'blocked' },
  },
  {
    name: 'disable_dev_build',
    setup: (t) => production(t, '1.2.0', { allow_dev: false }),
    info: { is_prod: false },
    expect: { error: 'disable_dev_build', kind: 'blocked' },
  },
  {
    name: 'disable_prod_build',
    setup: (t) => production(t, '1.2.0', { allow_prod: false }),
    expect: { error: 'disable_prod_build', kind: 'blocked' },
  },
  {
    name: 'dev builds pass a prod-less channel',
    setup: (t) => production(t, '1.2.0', { allow_prod: false }),
    info: { is_prod: false },
    expect: { version: '1.2.0' },
  },
  {
    name: 'no_channel without a public channel for the platform',
    setup: async (t) => {
      await registerBundle(t, '1.2.0')
      await setChannel(t, 'private', { version: '1.2.0' })
      await setChannel(t, 'android-public', { version: '1.2.0', public: true, ios: false })
    },
    expect: { error: 'no_channel', kind: 'failed' },
  },
  {
    name: 'no_bundle when the channel has none',
    setup: (t) => setChannel(t, 'production', { public: true }),
    expect: { error: 'no_bundle', kind: 'failed' },
  },
  {
    name: 'unknown_version_build',
    setup: (t) => production(t, '1.2.0'),
    info: { version_build: 'banana' },
    expect: { error: 'unknown_version_build', kind: 'failed' },
  },
  {
    name: 'a non-strict native version is coerced',
    setup: (t) => production(t, '1.2.0'),
    info: { version_build: '1.0' },
    expect: { version: '1.2.0' },
  },
  {
    name: 'a bundle override wins over the channel and its policies',
    setup: async (t, id) => {
      await production(t, '1.2.0')
      await registerBundle(t, '3.0.0')
      await setOverride(t, id, { version_id: '3.0.0' })
    },
    expect: { version: '3.0.0' },
  },
  {
    name: 'a channel override wins over defaultChannel and the public channel',
    setup: async (t, id) => {
      await production(t, '1.2.0')
      await registerBundle(t, '1.3.0')
      await setChannel(t, 'qa', { version: '1.3.0' })
      await registerBundle(t, '1.4.0')
      await setChannel(t, 'beta', { version: '1.4.0', allow_device_self_set: true })
      await setOverride(t, id, { channel: 'qa' })
    },
    info: { defaultChannel: 'beta' },
    expect: { version: '1.3.0' },
  },
  {
    name: 'defaultChannel is used when self-settable',
    setup: async (t) => {
      await production(t, '1.2.0')
      await registerBundle(t, '1.4.0')
      await setChannel(t, 'beta', { version: '1.4.0', allow_device_self_set: true })
    },
    info: { defaultChannel: 'beta' },
    expect: { version: '1.4.0' },
  },
  {
    name: 'a private defaultChannel falls back to the public channel',
    setup: async (t) => {
      await production(t, '1.2.0')
      await registerBundle(t, '1.4.0')
      await setChannel(t, 'secret', { version: '1.4.0' })
    },
    info: { defaultChannel: 'secret' },
    expect: { version: '1.2.0' },
  },
  {
    name: 'a defaultChannel that does not serve the platform falls back to the public channel',
    setup: async (t) => {
      await production(t, '1.2.0')
      await registerBundle(t, '1.4.0')
      await setChannel(t, 'beta-android', { version: '1.4.0', allow_device_self_set: true, ios: false })
    },
    info: { defaultChannel: 'beta-android' },
    expect: { version: '1.2.0' },
  },
]

describe('POST /updates resolution and policies', () => {
  it.each(CASES)('$name', async (c) => {
    const t = await createTenant()
    const info = deviceInfo(t, c.info)
    await c.setup(t, info.device_id)
    const res = await checkIn(info)
    expect(res.status).toBe(200)
    // the REST route runs the procedure's schema and function itself: same answer as the procedure, and in its output schema
    expect(await (await trpc()).plugin.updates(deviceInfoSchema.parse(info))).toEqual(res.body)
    expect(updatesOutput.parse(res.body)).toEqual(res.body)
    if ('version' in c.expect) {
      expect(res.body).toEqual({
        version: c.expect.version,
        url: bundleUrl(c.expect.version),
        checksum: `sum-${c.expect.version}`,
        session_key: '',
      })
    } else {
      expect(res.body).toMatchObject(c.expect)
      expect(typeof res.body.message).toBe('string')
      expect(res.body.status).toBeUndefined()
    }
  })

  it('refuses bad input as the procedure does: same status, code and issues', async () => {
    const t = await createTenant()
    const good = deviceInfo(t)
    const bodies: unknown[] = [
      undefined,
      [],
      { ...good, app_id: 'nope' },
      { ...good, platform: 'windows' },
      { ...good, device_id: '' },
      { ...good, is_prod: 'yes' },
      { app_id: t.appId },
    ]
    const caller = await trpc()
    for (const body of bodies) {
      const res = await rest('POST', '/updates', body === undefined ? {} : { body })
      const procedure = await caller.plugin.updates(body as never).then(
        () => undefined,
        (e: unknown) => describeError(e),
      )
      expect(procedure, JSON.stringify(body)).toBeDefined()
      expect({ status: res.status, body: res.body }).toEqual({ status: procedure!.status, body: envelope(procedure!) })
    }
  })

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
