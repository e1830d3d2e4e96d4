// A simulated device and the management calls around it, all through REST.
import { randomUUID } from 'node:crypto'
import { expect } from 'vitest'
import { rest, type Tenant } from './harness.ts'

export interface Info {
  app_id: string
  device_id: string
  platform: 'ios' | 'android' | 'electron'
  version_name: string
  version_build: string
  plugin_version?: string
  version_os?: string
  is_emulator?: boolean
  is_prod?: boolean
  custom_id?: string
  defaultChannel?: string
  key_id?: string
}

export { uuidOf } from './uuid.ts'

/** What a physical, production iOS device on its builtin bundle sends. */
export function deviceInfo(t: Pick<Tenant, 'appId'>, over: Partial<Info> = {}): Info {
  return {
    app_id: t.appId,
    device_id: randomUUID(),
    platform: 'ios',
    version_name: 'builtin',
    version_build: '1.0.0',
    plugin_version: '8.51.0',
    version_os: '17.4',
    is_emulator: false,
    is_prod: true,
    ...over,
  }
}

export const bundleUrl = (name: string) => `https://cdn.example.com/bundles/${name}.zip`

/** POST /bundle (key mode upload), expecting success. */
export async function registerBundle(t: Tenant, version: string, extra: Record<string, unknown> = {}) {
  const res = await rest('POST', '/bundle', {
    key: t.keys.upload,
    body: { app_id: t.appId, version, external_url: bundleUrl(version), checksum: `sum-${version}`, ...extra },
  })
  expect(res.status, JSON.stringify(res.body)).toBe(200)
  return res.body.bundle as { id: number; name: string; size: number }
}

/** POST /channel (key mode write), expecting success. */
export async function setChannel(t: Tenant, channel: string, body: Record<string, unknown> = {}) {
  const res = await rest('POST', '/channel', { key: t.keys.write, body: { app_id: t.appId, channel, ...body } })
  expect(res.status, JSON.stringify(res.body)).toBe(200)
}

/** POST /device (key mode write), expecting success. */
export async function setOverride(t: Tenant, device_id: string, body: { channel?: string; version_id?: string }) {
  const res = await rest('POST', '/device', { key: t.keys.write, body: { app_id: t.appId, device_id, ...body } })
  expect(res.status, JSON.stringify(res.body)).toBe(200)
}

/** POST /updates without a key, as the plugin does. */
export const checkIn = (info: object) => rest('POST', '/updates', { body: info })

/** GET /device?device_id (key mode read). */
export const getDevice = (t: Tenant, device_id: string) =>
  rest('GET', '/device', { key: t.keys.read, query: { app_id: t.appId, device_id } })
