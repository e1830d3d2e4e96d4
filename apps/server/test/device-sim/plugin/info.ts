// CU.createInfoObject: the fields every device request carries, and the key id among them.
import { type NativeApp, PLUGIN_VERSION } from './types.ts'

/** CryptoCipher.calcKeyId: the first 20 characters of the key with PEM armour and whitespace removed. */
export function keyIdOf(publicKey: string): string {
  const k = publicKey.replace(/\s+/g, '').replace('-----BEGINRSAPUBLICKEY-----', '').replace('-----ENDRSAPUBLICKEY-----', '')
  return k.slice(0, 20)
}

/** The device state the info object reads. */
export interface InfoSource {
  native: NativeApp
  deviceId: string
  appId: string
  customId: string
  /** the current bundle's name */
  versionName: string
  defaultChannel: string
  /** CU.cachedKeyId ("" without a public key) */
  keyId: string
}

/** CU.createInfoObject: the fields every device request carries. */
export function infoObjectOf(s: InfoSource): Record<string, unknown> {
  const info: Record<string, unknown> = {
    platform: s.native.platform,
    device_id: s.deviceId,
    app_id: s.appId,
    custom_id: s.customId,
    version_build: s.native.versionBuild,
    version_code: s.native.versionCode,
    version_os: s.native.versionOs,
    version_name: s.versionName,
    plugin_version: PLUGIN_VERSION,
    is_emulator: s.native.isEmulator,
    is_prod: s.native.isProd,
    install_source: s.native.installSource,
    defaultChannel: s.defaultChannel,
  }
  if (s.keyId) info.key_id = s.keyId
  return info
}
