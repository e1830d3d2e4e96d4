import { describe, expect, it } from 'vitest'
import { createTenant, rest, trpc, trpcError } from './harness.ts'

describe('/channel security', () => {
  it('401 without a key, with an unknown key, with an expired key', async () => {
    const t = await createTenant()
    const expired = await t.key({ expiresAt: new Date(Date.now() - 1000) })
    const none = await rest('GET', '/channel', { query: { app_id: t.appId } })
    expect(none).toMatchObject({ status: 401, body: { status: 'KO', error: 'no_key_provided' } })
    for (const key of ['garbage-key', expired]) {
      const res = await rest('GET', '/channel', { key, query: { app_id: t.appId } })
      expect(res).toMatchObject({ status: 401, body: { status: 'KO', error: 'invalid_apikey' } })
    }
    const e = await trpcError(async () => (await trpc()).channel.get({ app_id: t.appId }))
    expect(e).toMatchObject({ code: 'UNAUTHORIZED', error: 'no_key_provided' })
  })

  it('403 insufficient_key_mode for keys too weak to write', async () => {
    const t = await createTenant()
    for (const key of [t.keys.read, t.keys.upload]) {
      const post = await rest('POST', '/channel', { key, body: { app_id: t.appId, channel: 'x' } })
      expect(post).toMatchObject({ status: 403, body: { status: 'KO', error: 'insufficient_key_mode' } })
      const del = await rest('DELETE', '/channel', { key, query: { app_id: t.appId, channel: 'x' } })
      expect(del).toMatchObject({ status: 403, body: { status: 'KO', error: 'insufficient_key_mode' } })
    }
    expect((await rest('GET', '/channel', { key: t.keys.read, query: { app_id: t.appId } })).status).toBe(200)
  })

  it('403 insufficient_role by org role: read < write (POST) < admin (DELETE)', async () => {
    const t = await createTenant()
    const reader = await t.member('read')
    const writer = await t.member('write')
    const admin = await t.member('admin')
    expect((await rest('GET', '/channel', { key: reader.key, query: { app_id: t.appId } })).status).toBe(200)
    expect(await rest('POST', '/channel', { key: reader.key, body: { app_id: t.appId, channel: 'x' } })).toMatchObject({
      status: 403,
      body: { error: 'insufficient_role' },
    })
    expect((await rest('POST', '/channel', { key: writer.key, body: { app_id: t.appId, channel: 'x' } })).status).toBe(200)
    expect(await rest('DELETE', '/channel', { key: writer.key, query: { app_id: t.appId, channel: 'x' } })).toMatchObject({
      status: 403,
      body: { error: 'insufficient_role' },
    })
    expect((await rest('DELETE', '/channel', { key: admin.key, query: { app_id: t.appId, channel: 'x' } })).status).toBe(200)
  })

  it('a pending invite has no rights: the app is invisible (404)', async () => {
    const t = await createTenant()
    const invited = await t.member('invite_admin')
    const res = await rest('GET', '/channel', { key: invited.key, query: { app_id: t.appId } })
    expect(res).toMatchObject({ status: 404, body: { error: 'app_not_found' } })
  })

  it('another tenant gets exactly the body of a missing app (404)', async () => {
    const a = await createTenant()
    const b = await createTenant()
    const foreign = await rest('GET', '/channel', { key: b.keys.all, query: { app_id: a.appId } })
    const missing = await rest('GET', '/channel', { key: b.keys.all, query: { app_id: 'com.does.not.exist' } })
    expect(foreign.status).toBe(404)
    expect(foreign.body).toEqual(missing.body)
    const post = await rest('POST', '/channel', { key: b.keys.all, body: { app_id: a.appId, channel: 'evil' } })
    expect(post.status).toBe(404)
    expect(post.body).toEqual(missing.body)
  })

  it('key limits: limited_to_apps and limited_to_orgs hide everything else', async () => {
    const t = await createTenant()
    const other = await t.addApp()
    const appKey = await t.key({ limitedToApps: [t.appId] })
    expect((await rest('GET', '/channel', { key: appKey, query: { app_id: t.appId } })).status).toBe(200)
    expect(await rest('GET', '/channel', { key: appKey, query: { app_id: other } })).toMatchObject({
      status: 404,
      body: { error: 'app_not_found' },
    })
    const orgKey = await t.key({ limitedToOrgs: ['some-other-org'] })
    expect(await rest('GET', '/channel', { key: orgKey, query: { app_id: t.appId } })).toMatchObject({
      status: 404,
      body: { error: 'app_not_found' },
    })
  })
})
