import { describe, expect, it } from 'vitest'
import { createTenant, getApp, rest, trpc, trpcError } from './harness.ts'

describe('/channel errors', () => {
  it('rejects an invalid app_id with 400 invalid_app_id and changes nothing', async () => {
    const t = await createTenant()
    for (const app_id of ['nodots', 'com..x', 'com.exa mple', '../etc', '']) {
      const res = await rest('POST', '/channel', { key: t.keys.write, body: { app_id, channel: 'x' } })
      expect(res.status).toBe(400)
      expect(res.body).toMatchObject({ status: 'KO', error: 'invalid_app_id' })
      expect(typeof res.body.message).toBe('string')
    }
    const get = await rest('GET', '/channel', { key: t.keys.read, query: { app_id: 'bad' } })
    expect(get).toMatchObject({ status: 400, body: { status: 'KO', error: 'invalid_app_id' } })
  })

  it('answers 404 version_not_found for an unknown or deleted bundle name', async () => {
    const t = await createTenant()
    const { database } = await getApp()
    await database.db.bundle.create({ data: { app_id: t.appId, name: '0.9.0', owner_org: t.orgId, deleted: true } })
    for (const version of ['9.9.9', '0.9.0']) {
      const res = await rest('POST', '/channel', { key: t.keys.write, body: { app_id: t.appId, channel: 'x', version } })
      expect(res).toMatchObject({ status: 404, body: { status: 'KO', error: 'version_not_found' } })
    }
    expect(await database.db.channel.count({ where: { app_id: t.appId } })).toBe(0)
  })

  it('answers 404 channel_not_found on GET one and DELETE of a missing channel', async () => {
    const t = await createTenant()
    const get = await rest('GET', '/channel', { key: t.keys.read, query: { app_id: t.appId, channel: 'nope' } })
    expect(get).toMatchObject({ status: 404, body: { status: 'KO', error: 'channel_not_found' } })
    const del = await rest('DELETE', '/channel', { key: t.keys.write, query: { app_id: t.appId, channel: 'nope' } })
    expect(del).toMatchObject({ status: 404, body: { status: 'KO', error: 'channel_not_found' } })
  })

  it('validates field types strictly (no "false" → true coercion) on REST and tRPC', async () => {
    const t = await createTenant()
    for (const body of [{ public: 'false' }, { ios: 1 }, { disableAutoUpdate: 'sometimes' }, { channel: '' }, { channel: 5 }]) {
      const res = await rest('POST', '/channel', { key: t.keys.write, body: { app_id: t.appId, channel: 'c', ...body } })
      expect(res.status, JSON.stringify(body)).toBe(400)
      expect(res.body).toMatchObject({ status: 'KO', error: 'invalid_input' })
      expect(res.body.issues.length).toBeGreaterThan(0)
    }
    const caller = await trpc(t.keys.write)
    const e = await trpcError(() => caller.channel.upsert({ app_id: t.appId, channel: 'c', public: 'false' as never }))
    expect(e).toMatchObject({ code: 'BAD_REQUEST', error: 'invalid_input' })
    const { database } = await getApp()
    expect(await database.db.channel.count({ where: { app_id: t.appId } })).toBe(0)
  })

  it('rejects bad page and limit values', async () => {
    const t = await createTenant()
    for (const query of [{ page: -1 }, { page: 'x' }, { limit: 0 }, { limit: 1001 }, { page: 1.5 }]) {
      const res = await rest('GET', '/channel', { key: t.keys.read, query: { app_id: t.appId, ...query } })
      expect(res.status, JSON.stringify(query)).toBe(400)
      expect(res.body.status).toBe('KO')
    }
  })

  it('answers malformed JSON and a wrong content type in the envelope', async () => {
    const t = await createTenant()
    const bad = await rest('POST', '/channel', { key: t.keys.write, body: '{"app_id":', headers: { 'content-type': 'application/json' } })
    expect(bad).toMatchObject({ status: 400, body: { status: 'KO', error: 'invalid_json' } })
    const text = await rest('POST', '/channel', { key: t.keys.write, body: 'app_id=x', headers: { 'content-type': 'text/plain' } })
    expect(text).toMatchObject({ status: 415, body: { status: 'KO', error: 'unsupported_media_type' } })
    const big = await rest('POST', '/channel', {
      key: t.keys.write,
      body: JSON.stringify({ app_id: t.appId, channel: 'x'.repeat(2_000_000) }),
      headers: { 'content-type': 'application/json' },
    })
    expect(big).toMatchObject({ status: 413, body: { status: 'KO', error: 'payload_too_large' } })
  })

  it('answers an unknown path with 404 not_found in the envelope', async () => {
    const res = await rest('GET', '/no-such-endpoint')
    expect(res).toMatchObject({ status: 404, body: { status: 'KO', error: 'not_found' } })
  })
})
