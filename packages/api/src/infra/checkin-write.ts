// What one check-in writes: the Device columns it sets, the row a first check-in creates, and the
// day's counters it bumps (see checkins.ts, the writer).

/** The Device columns a check-in may set besides the key and the timestamps. */
export const DEVICE_FIELDS = [
  'platform',
  'plugin_version',
  'os_version',
  'version_build',
  'custom_id',
  'is_prod',
  'is_emulator',
  'version_name',
  'version_id',
  'default_channel',
  'key_id',
] as const
export type DeviceField = (typeof DEVICE_FIELDS)[number]
export type DeviceFields = Partial<Record<DeviceField, string | number | boolean | null>>

/** A device row as a first check-in creates it, before the check-in's own fields. */
export const NEW_DEVICE: Required<DeviceFields> = {
  platform: 'android',
  plugin_version: '',
  os_version: '',
  version_build: '',
  custom_id: '',
  is_prod: true,
  is_emulator: false,
  version_name: 'builtin',
  version_id: null,
  default_channel: null,
  key_id: null,
}

export interface CheckInWrite {
  app_id: string
  device_id: string
  at: Date
  /** the columns this check-in sets (an update leaves the others alone) */
  set: DeviceFields
  /** the whole row for a device seen for the first time */
  create: Required<DeviceFields>
  /** the day (YYYY-MM-DD, UTC) it counts on (MAU, bandwidth, bundle counts); default: the day of `at` */
  day?: string
  /** bytes to add to that day's bandwidth (a /stats download_complete) */
  bandwidth?: number
  /** a bundle's install (`set`) or install failure that day (/stats) */
  bundle?: { id: number; installs: number; failures: number }
}
