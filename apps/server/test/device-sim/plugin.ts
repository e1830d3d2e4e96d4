// A model of the client side of @capgo/capacitor-updater 8.51.23, the plugin this server's device
// endpoints serve (SPEC section 3). Each piece names the Android source it models (android/src/main/
// java/ee/forgr/capacitor_updater/: CapgoUpdater.java = "CU", CapacitorUpdaterPlugin.java = "CUP");
// behaviour is modelled, not code copied. Devices speak real HTTP (fetch) to the URLs they are
// configured with, download real zips and check their SHA-256 as the plugin does.
//
// Time is explicit: the plugin's timers (the 1 s stats flush, the appReadyTimeout) are steps the
// test takes (flushStats, launchAfterReload), so a fleet's run is deterministic; the Retry-After
// block reads `now()`, which a test may replace.
//
// plugin/: types.ts (constants and shapes), info.ts (the info object), transport.ts (HTTP and the
// Retry-After block), update-check.ts (reading the /updates answer), download.ts (download, checksum,
// unzip), channels.ts (channel storage and requests), stats-queue.ts, device.ts (bundles and lifecycle).
export { SimDevice } from './plugin/device.ts'
export { keyIdOf } from './plugin/info.ts'
export type {
  Answer,
  BundleInfo,
  BundleStatus,
  CheckOutcome,
  DeviceOptions,
  NativeApp,
  Platform,
  PluginConfig,
  RequestLog,
  StatsEvent,
} from './plugin/types.ts'
export { BUILTIN, MAX_PENDING_STATS, PLUGIN_VERSION } from './plugin/types.ts'
