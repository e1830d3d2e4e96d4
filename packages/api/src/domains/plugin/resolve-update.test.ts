import { describe, expect, it } from 'vitest'
import type { AppSnapshot, OverrideRow, SnapshotBundle, SnapshotChannel } from '../../infra/snapshots.ts'
import { defaultChannelIn, resolveUpdate } from './resolve-update.ts'
import type { DeviceInfo } from './schema.ts'

const bundle = (id: number, name: string, extra: Partial<SnapshotBundle> = {}): SnapshotBundle => ({
  id,
  name,
  external_url: `https://cdn.test/${name}.zip`,
  checksum: `sum-${name}`,
  session_key: null,
  minUpdateVersion: null,
  deleted: false,
  key_id: null,
  link: null,
  comment: null,
  status: 'ready',
  storage_provider: 'external',
  r2_path: null,
  size: 0,
  storage_checksum: null,
  ...extra,
})

const channel = (id: number, name: string, version_id: number | null, extra: Partial<SnapshotChannel> = {}): SnapshotChannel => ({
  id,
  name,
  version_id,
  public: true,
  ios: true,
  android: true,
  electron: true,
  builtin: false,
  allow_device_self_set: false,
  disableAutoUpdate: 'none',
  disableAutoUpdateUnderNative: false,
  allow_emulator: true,
  allow_dev: true,
  allow_prod: true,
  allow_device: true,
  ...extra,
})

/** A snapshot with the overrides the check-in would read by device key. */
type TestApp = AppSnapshot & { overrides: Map<string, OverrideRow> }

function snapshot(channels: SnapshotChannel[], bundles: SnapshotBundle[], overrides: [string, OverrideRow][] = []): TestApp {
  return {
    exists: true,
    exposeMetadata: false,
    manifest: false,
    channels,
    channelById: new Map(channels.map((c) => [c.id, c])),
    bundleById: new Map(bundles.map((b) => [b.id, b])),
    bundleIdByName: new Map(bundles.filter((b) => !b.deleted).map((b) => [b.name, b.id])),
    hasOverrides: overrides.length > 0,
    overrides: new Map(overrides),
  }
}

const resolve = (app: TestApp, info: DeviceInfo) => resolveUpdate(app, info, app.overrides.get(info.device_id) ?? null)

const device = (extra: Partial<DeviceInfo> = {}): DeviceInfo => ({
  app_id: 'com.test.app',
  device_id: 'dev-1',
  platform: 'ios',
  version_name: 'builtin',
  version_build: '1.0.0',
  plugin_version: '8.51.0',
  ...extra,
})

describe('resolveUpdate', () => {
  const bundles = [bundle(1, '1.0.0'), bundle(2, '1.1.0'), bundle(3, '2.0.0'), bundle(4, '1.0.1')]

  it('answers the public channel bundle, or up to date when the device runs it', () => {
    const app = snapshot([channel(10, 'production', 2)], bundles)
    expect(resolve(app, device())).toEqual({
      version: '1.1.0',
      url: 'https://cdn.test/1.1.0.zip',
      checksum: 'sum-1.1.0',
      session_key: '',
    })
    expect(resolve(app, device({ version_name: '1.1.0' }))).toMatchObject({ error: 'no_new_version_available', kind: 'up_to_date' })
  })

  it('fails without an app, a semantic native version, a channel or a bundle', () => {
    expect(resolve({ ...snapshot([], []), exists: false }, device())).toMatchObject({ error: 'app_not_found', kind: 'failed' })
    expect(resolve(snapshot([channel(10, 'p', 2)], bundles), device({ version_build: 'banana' }))).toMatchObject({
      error: 'unknown_version_build',
    })
    expect(resolve(snapshot([channel(10, 'p', 2, { public: false })], bundles), device())).toMatchObject({ error: 'no_channel' })
    expect(resolve(snapshot([channel(10, 'p', null)], bundles), device())).toMatchObject({ error: 'no_bundle' })
    expect(resolve(snapshot([channel(10, 'p', 5)], [bundle(5, '1.2.0', { deleted: true })]), device())).toMatchObject({
      error: 'no_bundle',
    })
    // a hosted bundle not finalized yet is never served
    const pending = bundle(6, '1.3.0', { status: 'pending', external_url: null, storage_provider: 'disk' })
    expect(resolve(snapshot([channel(10, 'p', 6)], [pending]), device())).toMatchObject({ error: 'no_bundle' })
  })

  it('a channel serving builtin answers {version:"builtin"}, or already_on_builtin to a device on builtin', () => {
    const app = snapshot([channel(10, 'production', null, { builtin: true })], bundles)
    expect(resolve(app, device({ version_name: '1.1.0' }))).toEqual({ version: 'builtin' })
    expect(resolve(app, device())).toMatchObject({ error: 'already_on_builtin', kind: 'up_to_date' })
    // an override to such a channel too
    const pinned = snapshot([channel(10, 'production', 2), channel(11, 'rollback', null, { public: false, builtin: true })], bundles, [
      ['dev-1', { channel_id: 11, version_id: null }],
    ])
    expect(resolve(pinned, device({ version_name: '1.1.0' }))).toEqual({ version: 'builtin' })
    expect(resolve(app, device({ version_name: '1.1.0', platform: 'electron' }))).toEqual({ version: 'builtin' })
  })

  it('electron devices get electron channels; a channel without electron blocks them', () => {
    const app = snapshot([channel(10, 'production', 2)], bundles, [['dev-1', { channel_id: 11, version_id: null }]])
    expect(resolve(app, device({ platform: 'electron', device_id: 'dev-2' }))).toMatchObject({ version: '1.1.0' })
    const withOff = snapshot([channel(10, 'production', 2), channel(11, 'desktop-off', 2, { electron: false, public: false })], bundles, [
      ['dev-1', { channel_id: 11, version_id: null }],
    ])
    expect(resolve(withOff, device({ platform: 'electron' }))).toMatchObject({ error: 'disabled_platform_electron', kind: 'blocked' })
  })

  it('a version override wins over channels and bypasses their policies', () => {
    const app = snapshot([channel(10, 'p', 2, { ios: false })], bundles, [['dev-1', { channel_id: null, version_id: 3 }]])
    expect(resolve(app, device())).toMatchObject({ version: '2.0.0' })
  })

  it('a channel override wins over the public channel', () => {
    const app = snapshot([channel(10, 'production', 2), channel(11, 'beta', 4, { public: false })], bundles, [
      ['dev-1', { channel_id: 11, version_id: null }],
    ])
    expect(resolve(app, device())).toMatchObject({ version: '1.0.1' })
  })

  it('applies the channel policies in order', () => {
    // the device is on the channel by an override, so a channel not serving its platform still applies
    const at = (c: Partial<SnapshotChannel>, target = 3, info: Partial<DeviceInfo> = {}) =>
      resolve(snapshot([channel(10, 'p', target, c)], bundles, [['dev-1', { channel_id: 10, version_id: null }]]), device(info))
    expect(at({ ios: false })).toMatchObject({ error: 'disabled_platform_ios', kind: 'blocked', version: '2.0.0', old: '1.0.0' })
    expect(at({ android: false }, 3, { platform: 'android' })).toMatchObject({ error: 'disabled_platform_android' })
    expect(at({ disableAutoUpdate: 'major' })).toMatchObject({ error: 'disable_auto_update_to_major', breaking: true })
    expect(at({ disableAutoUpdate: 'minor' }, 2)).toMatchObject({ error: 'disable_auto_update_to_minor' })
    expect(at({ disableAutoUpdate: 'patch' }, 2)).toMatchObject({ error: 'disable_auto_update_to_patch' })
    expect(at({ disableAutoUpdate: 'patch' }, 4)).toMatchObject({ error: 'disable_auto_update_to_patch' })
    expect(at({ disableAutoUpdate: 'version_number' }, 2)).toMatchObject({ error: 'misconfigured_channel' })
    expect(at({ disableAutoUpdateUnderNative: true }, 1, { version_build: '1.0.5', version_name: '1.0.9' })).toMatchObject({
      error: 'disable_auto_update_under_native',
    })
    expect(at({ allow_dev: false }, 2, { is_prod: false })).toMatchObject({ error: 'disable_dev_build' })
    expect(at({ allow_prod: false }, 2)).toMatchObject({ error: 'disable_prod_build' })
    expect(at({ allow_emulator: false }, 2, { is_emulator: true })).toMatchObject({ error: 'disable_emulator' })
    expect(at({ allow_device: false }, 2)).toMatchObject({ error: 'disable_device' })
  })

  it("version_number: the device's current version must reach the bundle's minUpdateVersion", () => {
    const app = (min: string) =>
      snapshot([channel(10, 'p', 6, { disableAutoUpdate: 'version_number' })], [bundle(6, '1.5.0', { minUpdateVersion: min })])
    expect(resolve(app('1.2.0'), device())).toMatchObject({ error: 'disable_auto_update_to_metadata' })
    expect(resolve(app('1.0.0'), device())).toMatchObject({ version: '1.5.0' })
    // on a downloaded bundle, that bundle is the current version (not version_build)
    expect(resolve(app('1.2.0'), device({ version_name: '1.3.0' }))).toMatchObject({ version: '1.5.0' })
    expect(resolve(app('1.2.0'), device({ version_build: '1.4.0', version_name: '1.1.0' }))).toMatchObject({
      error: 'disable_auto_update_to_metadata',
    })
  })

  it('major/minor/patch compare the target with the native version, both ways (Capgo)', () => {
    const policy = (disableAutoUpdate: SnapshotChannel['disableAutoUpdate'], target: string, version_build: string) =>
      resolve(
        snapshot([channel(10, 'p', 7, { disableAutoUpdate, disableAutoUpdateUnderNative: false })], [bundle(7, target)]),
        device({ version_build }),
      )
    // major: any other major is blocked, a lower one too
    expect(policy('major', '2.0.0', '1.0.0')).toMatchObject({ error: 'disable_auto_update_to_major', breaking: true })
    expect(policy('major', '0.9.0', '1.0.0')).toMatchObject({ error: 'disable_auto_update_to_major' })
    expect(policy('major', '1.9.3', '1.0.0')).toMatchObject({ version: '1.9.3' })
    // minor: major or minor differ
    expect(policy('minor', '2.0.0', '1.0.0')).toMatchObject({ error: 'disable_auto_update_to_minor' })
    expect(policy('minor', '1.1.0', '1.2.0')).toMatchObject({ error: 'disable_auto_update_to_minor' })
    expect(policy('minor', '1.2.7', '1.2.0')).toMatchObject({ version: '1.2.7' })
    // patch: only prerelease/build may differ
    expect(policy('patch', '1.2.1', '1.2.0')).toMatchObject({ error: 'disable_auto_update_to_patch' })
    expect(policy('patch', '2.2.0', '1.2.0')).toMatchObject({ error: 'disable_auto_update_to_patch' })
    expect(policy('patch', '1.2.0', '1.2.0-rc.1')).toMatchObject({ version: '1.2.0' })
    expect(policy('patch', '1.2.0-hotfix.2', '1.2.0')).toMatchObject({ version: '1.2.0-hotfix.2' })
    expect(policy('none', '3.0.0', '1.0.0')).toMatchObject({ version: '3.0.0' })
  })
})

describe('defaultChannelIn', () => {
  const app = snapshot(
    [
      channel(10, 'production', 1),
      channel(11, 'beta', 2, { public: false, allow_device_self_set: true }),
      channel(12, 'hidden', 2, { public: false }),
    ],
    [],
  )

  it('takes defaultChannel when it is public or self-settable for the platform, else the public channel', () => {
    expect(defaultChannelIn(app, 'ios', 'beta')?.name).toBe('beta')
    expect(defaultChannelIn(app, 'ios', 'hidden')?.name).toBe('production')
    expect(defaultChannelIn(app, 'ios')?.name).toBe('production')
    expect(defaultChannelIn(snapshot([channel(10, 'production', 1, { ios: false })], []), 'ios')).toBeUndefined()
  })
})
