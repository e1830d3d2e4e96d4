// The check-in every device-facing endpoint records: the device row and its MAU, through the
// check-in writer.
import { type CheckInWrite, type DeviceFields, NEW_DEVICE } from '../../infra/checkins.ts'
import type { AppSnapshot } from '../../infra/snapshots.ts'
import type { Services } from '../../services.ts'
import type { DeviceInfo } from './schema.ts'

type CheckInInfo = Omit<DeviceInfo, 'version_build' | 'defaultChannel' | 'key_id' | 'plugin_version'> & {
  version_build?: string
  plugin_version?: string
  defaultChannel?: string
  key_id?: string
}

export interface CheckInOptions {
  /** record `version_name` as the bundle the device runs (default true) */
  setVersion?: boolean
  /** record the device's defaultChannel and key_id (what /updates stores; absent key_id = no key) */
  setChannelAndKey?: boolean
  /** the other fields of the write: the day it counts on, bandwidth, bundle counts (/stats) */
  extra?: Pick<CheckInWrite, 'day' | 'bandwidth' | 'bundle'>
}

/**
 * The write of a check-in from what the plugin sent, with the app's snapshot at hand (no query):
 * `version_id` is the bundle named `version_name`, when the app has one.
 */
export function checkInWrite(app: AppSnapshot, info: CheckInInfo, opts: CheckInOptions = {}): CheckInWrite {
  const at = new Date() // millisecond precision on both databases: the cursor's ISO round-trips
  const setVersion = opts.setVersion ?? true
  const named = setVersion && info.version_name && info.version_name !== 'builtin'
  const versionId = named ? (app.bundleIdByName.get(info.version_name) ?? null) : null
  const set: DeviceFields = {
    platform: info.platform,
    ...(info.plugin_version !== undefined ? { plugin_version: info.plugin_version } : {}),
    ...(info.version_os !== undefined ? { os_version: info.version_os } : {}),
    ...(info.version_build !== undefined ? { version_build: info.version_build } : {}),
    ...(info.custom_id !== undefined ? { custom_id: info.custom_id } : {}),
    ...(info.is_prod !== undefined ? { is_prod: info.is_prod } : {}),
    ...(info.is_emulator !== undefined ? { is_emulator: info.is_emulator } : {}),
    ...(setVersion ? { version_name: info.version_name, version_id: versionId } : {}),
    ...(opts.setChannelAndKey ? { default_channel: info.defaultChannel || null, key_id: info.key_id || null } : {}),
  }
  const create = { ...NEW_DEVICE, version_name: info.version_name, version_id: versionId, ...set }
  return { app_id: info.app_id, device_id: info.device_id, at, set, create, ...opts.extra }
}

/**
 * Upserts the device from what the plugin sent and counts it toward the day's MAU, written with
 * the other check-ins in flight (group commit, infra/checkins.ts); resolves once committed.
 */
export async function checkIn(
  services: Pick<Services, 'snapshots' | 'checkins'>,
  info: CheckInInfo,
  opts: CheckInOptions & { app?: AppSnapshot } = {},
) {
  const app = opts.app ?? (await services.snapshots.get(info.app_id))
  await services.checkins.write(checkInWrite(app, info, opts))
}
