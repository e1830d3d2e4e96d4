// The check-in every device-facing endpoint records: the device row and its MAU, through the
// check-in writer.
import { type DeviceFields, NEW_DEVICE } from '../../infra/checkins.ts'
import type { AppSnapshot } from '../../infra/snapshots.ts'
import type { Services } from '../../services.ts'
import type { DeviceInfo } from './schema.ts'

/**
 * Upserts the device from what the plugin sent and counts it toward the day's MAU, written with
 * the other check-ins in flight (group commit, infra/checkins.ts); resolves once committed.
 * `version_id` is the bundle named `version_name`, when the app has one (from the app's snapshot).
 */
export async function checkIn(
  services: Pick<Services, 'snapshots' | 'checkins'>,
  info: Omit<DeviceInfo, 'version_build' | 'defaultChannel'> & { version_build?: string },
  opts: { setVersion?: boolean; app?: AppSnapshot } = {},
) {
  const at = new Date() // millisecond precision on both databases: the cursor's ISO round-trips
  const setVersion = opts.setVersion ?? true
  const named = setVersion && info.version_name && info.version_name !== 'builtin'
  const versionId = named ? ((opts.app ?? (await services.snapshots.get(info.app_id))).bundleIdByName.get(info.version_name) ?? null) : null
  const set: DeviceFields = {
    platform: info.platform,
    ...(info.plugin_version !== undefined ? { plugin_version: info.plugin_version } : {}),
    ...(info.version_os !== undefined ? { os_version: info.version_os } : {}),
    ...(info.version_build !== undefined ? { version_build: info.version_build } : {}),
    ...(info.custom_id !== undefined ? { custom_id: info.custom_id } : {}),
    ...(info.is_prod !== undefined ? { is_prod: info.is_prod } : {}),
    ...(info.is_emulator !== undefined ? { is_emulator: info.is_emulator } : {}),
    ...(setVersion ? { version_name: info.version_name, version_id: versionId } : {}),
  }
  const create = { ...NEW_DEVICE, version_name: info.version_name, version_id: versionId, ...set }
  await services.checkins.write({ app_id: info.app_id, device_id: info.device_id, at, set, create })
}
