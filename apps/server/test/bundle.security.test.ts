import { describe, expect, it } from 'vitest'
import { registerBundle } from './device-helpers.ts'
import { createTenant, rest } from './harness.ts'

const body = (app_id: string, version = '1.0.0') => ({ app_id, version, external_url: 'https://cdn.example.com/a.zip', checksum: 'c' })

describe('/bundle security', () => {
  it('401 without a key', async () => {
    const t = await createTenant()
    expect(await rest('GET', '/bundle', { query: { app_id: t.appId } })).toMatchObject({ status: 401, body: { error: 'no_key_provided' } })
    expect(await rest('POST', '/bundle', { body: body(t.appId) })).toMatchObject({ status: 401, body: { error: 'no_key_provided' } })
    expect(await rest('GET', '/versions', { query: { app_id: t.appId } })).toMatchObject({
      status: 401,
      body: { error: 'no_key_provided' },
    })
  })

  it('key mode: read GETs, upload also POSTs, only write DELETEs', async () => {
    const t = await createTenant()
    expect((await rest('GET', '/bundle', { key: t.keys.read, query: { app_id: t.appId } })).status).toBe(200)
    expect(await rest('POST', '/bundle', { key: t.keys.read, body: body(t.appId) })).toMatchObject({
      status: 403,
      body: { error: 'insufficient_key_mode' },
    })
    expect((await rest('POST', '/bundle', { key: t.keys.upload, body: body(t.appId) })).status).toBe(200)
    for (const path of ['/bundle', '/versions']) {
      expect(await rest('DELETE', path, { key: t.keys.upload, query: { app_id: t.appId, version: '1.0.0' } })).toMatchObject({
        status: 403,
        body: { error: 'insufficient_key_mode' },
      })
    }
    expect((await rest('DELETE', '/bundle', { key: t.keys.write, query: { app_id: t.appId, version: '1.0.0' } })).status).toBe(200)
  })

  it('org role: read GETs, upload POSTs but may not DELETE, write DELETEs', async () => {
    const t = await createTenant()
    const reader = await t.member('read')
    const uploader = await t.member('upload')
    const writer = await t.member('write')
    expect((await rest('GET', '/bundle', { key: reader.key, query: { app_id: t.appId } })).status).toBe(200)
    expect(await rest('POST', '/bundle', { key: reader.key, body: body(t.appId) })).toMatchObject({
      status: 403,
      body: { error: 'insufficient_role' },
    })
    expect((await rest('POST', '/bundle', { key: uploader.key, body: body(t.appId) })).status).toBe(200)
    expect(await rest('DELETE', '/bundle', { key: uploader.key, query: { app_id: t.appId } })).toMatchObject({
      status: 403,
      body: { error: 'insufficient_role' },
    })
    expect((await rest('DELETE', '/bundle', { key: writer.key, query: { app_id: t.appId } })).status).toBe(200)
  })

  it('another tenant gets exactly the 404 of a missing app, and changes nothing', async () => {
    const a = await createTenant()
    const b = await createTenant()
    await registerBundle(a, '1.0.0')
    const missing = await rest('GET', '/bundle', { key: b.keys.all, query: { app_id: 'com.does.not.exist' } })
    for (const res of [
      await rest('GET', '/bundle', { key: b.keys.all, query: { app_id: a.appId } }),
      await rest('GET', '/versions', { key: b.keys.all, query: { app_id: a.appId } }),
      await rest('POST', '/bundle', { key: b.keys.all, body: body(a.appId, '6.6.6') }),
      await rest('DELETE', '/bundle', { key: b.keys.all, query: { app_id: a.appId } }),
      await rest('DELETE', '/bundle', { key: b.keys.all, query: { app_id: a.appId, version: '1.0.0' } }),
    ]) {
      expect(res.status).toBe(404)
      expect(res.body).toEqual(missing.body)
    }
    const still = await rest('GET', '/bundle', { key: a.keys.read, query: { app_id: a.appId } })
    expect(still.body.map((x: any) => x.name)).toEqual(['1.0.0'])
  })
})
