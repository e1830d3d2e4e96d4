// The operator's side of a scenario: the management REST API over real HTTP with an API key
// (the same calls the CLI or a CI job makes), against the server the devices talk to.
import { expect } from 'vitest'
import type { HostedZip } from './bundles.ts'

export interface Operator {
  call(method: string, path: string, body?: Record<string, unknown>): Promise<{ status: number; body: any }>
  /** POST /bundle: registers the hosted zip as an external bundle */
  publish(zip: HostedZip, extra?: Record<string, unknown>): Promise<void>
  /** POST /channel (create or update) */
  channel(name: string, body?: Record<string, unknown>): Promise<void>
  /** POST /device: an override for one device */
  pin(deviceId: string, body: { channel?: string; version_id?: string }): Promise<void>
  /** DELETE /device: removes the device's overrides */
  unpin(deviceId: string): Promise<void>
  /** GET /device?device_id */
  device(deviceId: string): Promise<Record<string, unknown>>
  /** today's (UTC) statistics of the app */
  today(): Promise<{ mau: number; bandwidth: number; storage: number }>
}

export function operator(base: string, key: string, appId: string): Operator {
  const call = async (method: string, path: string, body?: Record<string, unknown>) => {
    let url = base + path
    let payload: string | undefined
    if (body && (method === 'GET' || method === 'DELETE')) url += `?${new URLSearchParams(body as Record<string, string>)}`
    else if (body) payload = JSON.stringify(body)
    const res = await fetch(url, {
      method,
      headers: { authorization: key, ...(payload ? { 'content-type': 'application/json' } : {}) },
      body: payload,
    })
    const text = await res.text()
    let parsed: unknown = text
    try {
      parsed = JSON.parse(text)
    } catch {}
    return { status: res.status, body: parsed as any }
  }
  const ok = async (method: string, path: string, body?: Record<string, unknown>) => {
    const res = await call(method, path, body)
    expect(res.status, `${method} ${path}: ${JSON.stringify(res.body)}`).toBe(200)
    return res.body
  }
  return {
    call,
    publish: async (zip, extra = {}) =>
      void (await ok('POST', '/bundle', {
        app_id: appId,
        version: zip.name,
        external_url: zip.url,
        checksum: zip.checksum,
        size: zip.size,
        ...extra,
      })),
    channel: async (name, body = {}) => void (await ok('POST', '/channel', { app_id: appId, channel: name, ...body })),
    pin: async (device_id, body) => void (await ok('POST', '/device', { app_id: appId, device_id, ...body })),
    unpin: async (device_id) => void (await ok('DELETE', '/device', { app_id: appId, device_id })),
    device: (device_id) => ok('GET', '/device', { app_id: appId, device_id }),
    async today() {
      const day = new Date().toISOString().slice(0, 10)
      const rows = await ok('GET', `/statistics/app/${appId}`, { from: day, to: day })
      return rows.at(-1)
    },
  }
}
