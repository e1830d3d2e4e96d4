// The plugin's info object (CapgoUpdater.java createInfoObject), sent with every device-facing call.
import { z } from 'zod'
import { appId, bool, SEMVER_RE } from '../../common.ts'
import { PLATFORMS } from '../../device/schema.ts'

/** A string field of the info object, with its description and example. */
export const str = (max: number, description: string, example: string) => z.string().max(max).meta({ description, example })

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** The plugin's device id: a UUID (CapgoUpdater.java keeps one per install), lower-cased on input. */
export const deviceUuid = z
  .string()
  .regex(UUID_RE, 'device_id must be a UUID such as 6aa5ec5e-3f3a-4b7e-9d3c-1a2b3c4d5e6f.')
  .transform((s) => s.toLowerCase())
  .meta({ description: 'Device id, a UUID (lower-cased on input)', example: '6aa5ec5e-3f3a-4b7e-9d3c-1a2b3c4d5e6f' })

/**
 * The plugin's info object, sent with every device-facing call (CapgoUpdater.java
 * createInfoObject). Unknown fields are ignored: plugins add fields over time.
 */
export const deviceInfo = z.object({
  app_id: appId,
  device_id: deviceUuid,
  platform: z.enum(PLATFORMS).meta({ description: 'Device platform', example: 'ios' }),
  version_name: str(255, 'Bundle the device runs (`builtin` = the bundle shipped in the native app)', '1.2.3'),
  version_build: z.string().min(1).max(255).meta({ description: 'Native app version', example: '1.0.0' }),
  version_code: str(64, 'Native build number (Android versionCode, iOS build)', '10').optional(),
  plugin_version: z
    .string()
    .max(64)
    .regex(SEMVER_RE, 'plugin_version must be a semantic version such as 8.51.0.')
    .meta({ description: 'Version of the updater plugin (semver)', example: '8.51.0' }),
  version_os: str(64, 'OS version', '17.4').optional(),
  is_emulator: bool().optional().meta({ description: 'Running on an emulator/simulator', example: false }),
  is_prod: bool().optional().meta({ description: 'A production (release) build', example: true }),
  custom_id: str(255, 'Id chosen by the app (setCustomId)', 'user-42').optional(),
  install_source: str(255, 'Where the app was installed from, as the plugin reports it', 'app_store').optional(),
  defaultChannel: str(255, "The device's channel: capacitor.config `defaultChannel`, or the one it chose (setChannel)", 'beta').optional(),
  key_id: str(64, 'Id of the encryption public key the device holds (absent without one)', 'MIIBCgKCAQEAxmP6e5Gm').optional(),
})
export type DeviceInfo = z.infer<typeof deviceInfo>
