// POST /updates: the table of resolutions and policies, each answered the same over REST and tRPC.
import { describeError, deviceInfo as deviceInfoSchema, envelope } from '@capgo-api/api'
import { describe, expect, it } from 'vitest'
import { updatesOutput } from '../../../packages/api/src/domains/plugin/schema.ts'
import { bundleUrl, checkIn, deviceInfo, type Info, registerBundle, setChannel, setOverride } from './device-helpers.ts'
import { createTenant, rest, type Tenant, trpc } from './harness.ts'
import { production } from './updates-helpers.ts'

interface Case {
  name: string
  /** arranges bundles and channels through the API (extra device fields are in `info`) */
  setup: (t: Tenant, deviceId: string) => Promise<unknown>
  info?: Partial<Info>
  expect: { error: string; kind: string } | { version: string }
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
})
