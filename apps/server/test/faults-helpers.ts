// The built server on a fresh database, for the fault suites (faults*.test.ts), and their calls.
import { expect } from 'vitest'
import { deviceInfo } from './device-helpers.ts'
import { isolatedDatabase, uid } from './harness.ts'
import { startServer } from './process/server.ts'
import type { TcpProxy } from './process/tcp-proxy.ts'
import { uuidOf } from './uuid.ts'

export const runUrl = process.env.DATABASE_URL ?? ''
export const onPostgres = /^postgres(ql)?:\/\//.test(runUrl)

export interface Answer {
  status: number
  body: any
  headers: Headers
}

export async function call(base: string, method: string, url: string, key: string | undefined, body?: unknown): Promise<Answer> {
  const res = await fetch(`${base}${url}`, {
    method,
    headers: { ...(key ? { authorization: key } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(30_000),
  })
  return { status: res.status, body: await res.json().catch(() => null), headers: res.headers }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
export const countBy = (xs: { status: number }[]) =>
  xs.reduce<Record<number, number>>((m, r) => {
    m[r.status] = (m[r.status] ?? 0) + 1
    return m
  }, {})
export const checkInBody = (appId: string, label: string, custom_id: string) =>
  deviceInfo({ appId }, { device_id: uuidOf(label), custom_id })

/** A fresh database and the built server on it (rate limits off: the load is ours), `env` added. */
export async function serverOn(through?: TcpProxy, env: Record<string, string> = {}) {
  const iso = await isolatedDatabase()
  const key = `faults_${uid()}${uid()}`
  const server = await startServer({
    env: { DATABASE_URL: through ? through.urlThrough(iso.url) : iso.url, CAPGO_BOOTSTRAP_API_KEY: key, RATE_LIMIT_MAX: '0', ...env },
  })
  const appId = `com.faults${uid()}.app`
  expect((await call(server.base, 'POST', '/app', key, { app_id: appId, name: 'Faults' })).status).toBe(200)
  return { ...iso, server, key, appId }
}
