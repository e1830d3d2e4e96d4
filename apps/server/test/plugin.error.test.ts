import { describe, expect, it } from 'vitest'
import { checkIn, deviceInfo } from './device-helpers.ts'
import { createTenant, getApp, rest } from './harness.ts'

describe('device-facing endpoints: errors', () => {
  it('/updates: invalid bodies are 400 in the envelope and store nothing', async () => {
    const t = await createTenant()
    const good = deviceInfo(t)
    const bad: Record<string, unknown>[] = [
      { ...good, app_id: 'nodots' },
      { ...good, platform: 'windows' },
      { ...good, device_id: undefined },
      { ...good, version_build: undefined },
      { ...good, is_emulator: 'false' },
      { ...good, version_name: 42 },
    ]
    for (const body of bad) {
      const res = await checkIn(body)
      expect(res.status, JSON.stringify(body)).toBe(400)
      expect(res.body.status).toBe('KO')
      expect(res.body.error).toBe('invalid_json_body')
    }
    const raw = await rest('POST', '/updates', { body: '{"app_id":', headers: { 'content-type': 'application/json' } })
    expect(raw).toMatchObject({ status: 400, body: { status: 'KO', error: 'invalid_json' } })
    const { database } = await getApp()
    expect(await database.db.device.count({ where: { app_id: t.appId } })).toBe(0)
  })
})

describe('device ids that are not text', () => {
  it('a lone UTF-16 surrogate in device_id is a 400 invalid_json_body (not a UUID), not a 500', async () => {
    const t = await createTenant()
    const body = { ...deviceInfo(t), device_id: '\ud800' }
    for (const method of ['POST', 'PUT'] as const) {
      const res = await rest(method, method === 'POST' ? '/updates' : '/channel_self', { body })
      expect(res, method).toMatchObject({ status: 400, body: { status: 'KO', error: 'invalid_json_body' } })
    }
  })
})
