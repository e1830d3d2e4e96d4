// POST /updates: which bundle a device should run (SPEC section 3). Pure resolution over the
// app's snapshot (infra/snapshots.ts), so every policy is one readable step; unit-tested beside.
import semver from 'semver'
import type { AppSnapshot, OverrideRow, SnapshotChannel } from '../../infra/snapshots.ts'
import type { ManifestEntry } from '../bundle/manifest.ts'
import type { DeviceInfo } from './schema.ts'

/** The non-update answers: error code → [kind, message]. */
export const NO_UPDATE = {
  no_new_version_available: ['up_to_date', 'No new version available.'],
  already_on_builtin: ['up_to_date', 'The device already runs the built-in bundle.'],
  disabled_platform_ios: ['blocked', 'Cannot update: the channel does not serve iOS.'],
  disabled_platform_android: ['blocked', 'Cannot update: the channel does not serve Android.'],
  disabled_platform_electron: ['blocked', 'Cannot update: the channel does not serve Electron.'],
  disable_auto_update_to_major: ['blocked', 'Cannot update: the bundle has another major version than the native app.'],
  disable_auto_update_to_minor: ['blocked', 'Cannot update: the bundle has another major.minor version than the native app.'],
  disable_auto_update_to_patch: ['blocked', 'Cannot update: the bundle has another major.minor.patch version than the native app.'],
  disable_auto_update_to_metadata: ['blocked', "Cannot update: the device's version is below the bundle's minUpdateVersion."],
  disable_auto_update_under_native: ['blocked', 'Cannot update: the bundle is below the native version.'],
  disable_emulator: ['blocked', 'Cannot update: the channel does not serve emulators.'],
  disable_device: ['blocked', 'Cannot update: the channel does not serve physical devices.'],
  disable_dev_build: ['blocked', 'Cannot update: the channel does not serve development builds.'],
  disable_prod_build: ['blocked', 'Cannot update: the channel does not serve production builds.'],
  key_id_mismatch: ['blocked', "Cannot update: the bundle is encrypted for another public key than the device's (key_id)."],
  no_channel: ['failed', 'No channel: no override, no usable defaultChannel and no public channel for this platform.'],
  no_bundle: ['failed', 'The channel has no bundle to serve.'],
  misconfigured_channel: ['failed', 'The channel uses disableAutoUpdate version_number but the bundle has no minUpdateVersion.'],
  unknown_version_build: ['failed', 'version_build is not a semantic version: Capgo cannot compare versions.'],
  app_not_found: ['failed', 'App not found.'],
} as const satisfies Record<string, readonly ['up_to_date' | 'blocked' | 'failed', string]>

export type NoUpdateCode = keyof typeof NO_UPDATE

export interface UpdateAvailable {
  version: string
  url: string
  checksum: string
  /** always present, "" when not encrypted: the plugin copies every key of the answer (CapgoUpdater.getLatest) */
  session_key: string
  /** the bundle's, when the app has expose_metadata and the bundle has one (Capgo leaves out empty ones) */
  link?: string
  comment?: string
  /** partial updates: the bundle's files (domains/bundle/manifest.ts), when the app has `manifest` */
  manifest?: ManifestEntry[]
}

/**
 * Back to the bundle shipped in the binary: the plugin resets to it when the answer's version is
 * "builtin" (CapacitorUpdaterPlugin.java, the getLatest callback of its background check).
 */
export interface BuiltinUpdate {
  version: 'builtin'
}

export interface NoUpdate {
  error: NoUpdateCode
  message: string
  kind: 'up_to_date' | 'blocked' | 'failed'
  version?: string
  old?: string
  breaking?: boolean
}

export const noUpdate = (error: NoUpdateCode, extra: Pick<NoUpdate, 'version' | 'old' | 'breaking'> = {}): NoUpdate => ({
  error,
  message: NO_UPDATE[error][1],
  kind: NO_UPDATE[error][0],
  ...extra,
})

type Platform = DeviceInfo['platform']

/**
 * The answer to a check-in, from the app's snapshot and the device's override (no query). Order: override (version beats
 * channel), else defaultChannel, else the platform's public channel; then "already there"; then
 * the channel's policies, which a device-level version override bypasses (an operator pinned that bundle).
 */
export function resolveUpdate(
  app: AppSnapshot,
  info: DeviceInfo,
  override: OverrideRow | null,
): UpdateAvailable | BuiltinUpdate | NoUpdate {
  if (!app.exists) return noUpdate('app_not_found')
  const native = semver.coerce(info.version_build, { includePrerelease: true })
  if (!native) return noUpdate('unknown_version_build')
  const onBuiltin = !info.version_name || info.version_name === 'builtin'
  const current = onBuiltin ? native.version : info.version_name

  const pinned = override?.version_id != null ? (app.bundleById.get(override.version_id) ?? null) : null
  const overrideChannel = override?.channel_id != null ? app.channelById.get(override.channel_id) : undefined
  const channel = pinned ? null : (overrideChannel ?? defaultChannelIn(app, info.platform, info.defaultChannel))
  if (!pinned && !channel) return noUpdate('no_channel')
  if (channel?.builtin) {
    if (!channel[info.platform]) return noUpdate(PLATFORM_DISABLED[info.platform], { version: 'builtin', old: current })
    return onBuiltin ? noUpdate('already_on_builtin') : { version: 'builtin' }
  }
  const target = pinned ?? (channel!.version_id != null ? app.bundleById.get(channel!.version_id) : undefined)
  // a hosted bundle is served once finalized (a pending one never is)
  if (!target || target.deleted || target.status !== 'ready' || !(target.external_url || target.r2_path)) return noUpdate('no_bundle')
  // an encrypted bundle the device cannot decrypt: it reports another key (the plugin sends key_id
  // only when it holds one: CapgoUpdater.java createInfoObject). Capgo enforces it from plugin 8.40.8,
  // when key_id became 20 characters (older plugins sent 4): so do we, with the same check order.
  if (target.key_id && info.key_id && info.key_id !== target.key_id && semver.gt(info.plugin_version, KEY_ID_SINCE))
    return noUpdate('key_id_mismatch', { version: target.name, old: current })
  if (target.name === current) return noUpdate('no_new_version_available')

  if (channel) {
    // `breaking: true` makes the plugin emit breakingAvailable/majorAvailable (CapacitorUpdaterPlugin.shouldNotifyBreakingEvents)
    const blocked = (error: NoUpdateCode, breaking?: boolean) =>
      noUpdate(error, { version: target.name, old: current, ...(breaking ? { breaking } : {}) })
    if (!channel[info.platform]) return blocked(PLATFORM_DISABLED[info.platform])
    // Policies compare the target with the native version (version_build), as Capgo does (SPEC section 3).
    const t = semver.coerce(target.name, { includePrerelease: true })
    if (t) {
      switch (channel.disableAutoUpdate) {
        case 'major': // the target's major must be the native one
          if (t.major !== native.major) return blocked('disable_auto_update_to_major', true)
          break
        case 'minor': // the target's major.minor must be the native one
          if (t.major !== native.major || t.minor !== native.minor) return blocked('disable_auto_update_to_minor')
          break
        case 'patch': // the target's major.minor.patch must be the native one (only prerelease/build may differ)
          if (t.major !== native.major || t.minor !== native.minor || t.patch !== native.patch)
            return blocked('disable_auto_update_to_patch')
          break
        case 'version_number': {
          // Capgo's "metadata" strategy: the bundle declares the lowest version it may update
          // from (minUpdateVersion), compared with the device's current version (Capgo does the same).
          // A bundle without minUpdateVersion leaves the channel misconfigured, as in Capgo.
          const min = target.minUpdateVersion ? semver.coerce(target.minUpdateVersion, { includePrerelease: true }) : null
          if (!min) return blocked('misconfigured_channel')
          const from = semver.coerce(current, { includePrerelease: true }) ?? native
          if (semver.lt(from, min)) return blocked('disable_auto_update_to_metadata')
          break
        }
      }
      if (channel.disableAutoUpdateUnderNative && semver.lt(t, native)) return blocked('disable_auto_update_under_native')
    }
    const isProd = info.is_prod ?? true
    const isEmulator = info.is_emulator ?? false
    if (!channel.allow_dev && !isProd) return blocked('disable_dev_build')
    if (!channel.allow_prod && isProd) return blocked('disable_prod_build')
    if (!channel.allow_emulator && isEmulator) return blocked('disable_emulator')
    if (!channel.allow_device && !isEmulator) return blocked('disable_device')
  }

  return {
    version: target.name,
    url: target.external_url ?? '', // hosted here: answerUpdates signs the device's URL (bundle/hosting.ts)
    checksum: target.checksum ?? '',
    session_key: target.session_key ?? '',
    ...(app.exposeMetadata && target.link ? { link: target.link } : {}),
    ...(app.exposeMetadata && target.comment ? { comment: target.comment } : {}),
  }
}

/** The last plugin version whose key_id is not comparable (4 characters): Capgo's threshold. */
const KEY_ID_SINCE = '8.40.7'

const PLATFORM_DISABLED = {
  ios: 'disabled_platform_ios',
  android: 'disabled_platform_android',
  electron: 'disabled_platform_electron',
} as const satisfies Record<Platform, NoUpdateCode>

/** The channel a device falls into without an override: `defaultChannel` if usable, else the platform's public one. */
export function defaultChannelIn(app: AppSnapshot, platform: Platform, defaultChannel?: string): SnapshotChannel | undefined {
  if (defaultChannel) {
    // usable when public or self-settable, for the device's platform (SPEC section 3)
    const named = app.channels.find((c) => c.name === defaultChannel && c[platform] && (c.public || c.allow_device_self_set))
    if (named) return named
  }
  return app.channels.find((c) => c.public && c[platform])
}
