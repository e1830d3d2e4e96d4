// The access cache (on in production, off elsewhere in the suite): fast paths must not outlive
// what they cache.
import { describe, expect, it } from 'vitest'
import { createTenant, getApp, rest, useServicesConfig } from './harness.ts'

useServicesConfig({ accessCacheTtlMs: 60_000 })

describe('access cache', () => {
  it('a deleted app is gone at once for every key, despite the cache', async () => {
    const t = await createTenant()
    expect((await rest('GET', '/channel', { key: t.keys.read, query: { app_id: t.appId } })).status).toBe(200)
    expect((await rest('DELETE', `/app/${t.appId}`, { key: t.keys.all })).status).toBe(200)
    expect(await rest('GET', '/channel', { key: t.keys.read, query: { app_id: t.appId } })).toMatchObject({
      status: 404,
      body: { error: 'app_not_found' },
    })
  })

  it('a cached key still expires on time', async () => {
    const t = await createTenant()
    const key = await t.key({ expiresAt: new Date(Date.now() + 1500) })
    expect((await rest('GET', '/app', { key })).status).toBe(200)
    await new Promise((r) => setTimeout(r, 1600))
    expect(await rest('GET', '/app', { key })).toMatchObject({ status: 401, body: { error: 'invalid_apikey' } })
  })

  it('caches: a role change made behind the API shows only after invalidation', async () => {
    const t = await createTenant()
    const member = await t.member('read')
    expect((await rest('GET', '/app', { key: member.key })).body).toHaveLength(1)
    const { database, services } = await getApp()
    await database.db.orgMember.deleteMany({ where: { user_id: member.userId } })
    // still served from the cache: proves the cache is in use
    expect((await rest('GET', `/app/${t.appId}`, { key: member.key })).status).toBe(200)
    services.access.invalidate()
    expect((await rest('GET', `/app/${t.appId}`, { key: member.key })).status).toBe(404)
  })
})

describe('access cache and the API that changes access', () => {
  it('a key revoked through /apikey is refused at once', async () => {
    const t = await createTenant()
    const created = await rest('POST', '/apikey', { key: t.keys.all, body: { mode: 'read', name: 'short-lived' } })
    expect(created.status).toBe(200)
    const { id, key } = created.body.apikey
    expect((await rest('GET', '/app', { key })).status).toBe(200) // now cached
    expect((await rest('DELETE', `/apikey/${id}`, { key: t.keys.all })).body).toEqual({ success: true })
    expect(await rest('GET', '/app', { key })).toMatchObject({ status: 401, body: { error: 'invalid_apikey' } })
  })

  it('a member removed through /organization/members loses access at once', async () => {
    const t = await createTenant()
    const member = await t.member('write')
    expect((await rest('GET', `/app/${t.appId}`, { key: member.key })).status).toBe(200) // now cached
    const del = await rest('DELETE', '/organization/members', { key: t.keys.all, query: { orgId: t.orgId, email: member.email } })
    expect(del.status).toBe(200)
    expect(await rest('GET', `/app/${t.appId}`, { key: member.key })).toMatchObject({ status: 404, body: { error: 'app_not_found' } })
  })
})
