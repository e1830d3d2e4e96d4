import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { createTenant, getApp, rest, trpc } from './harness.ts'

const KEY_FIELDS = ['created_at', 'expires_at', 'id', 'key', 'limited_to_apps', 'limited_to_orgs', 'mode', 'name', 'updated_at', 'user_id']

describe('/apikey happy paths', () => {
  it('POST answers the plaintext key once; it works, and only its SHA-256 is stored', async () => {
    const t = await createTenant()
    const res = await rest('POST', '/apikey', { key: t.keys.all, body: { mode: 'read', name: 'ci' } })
    expect(res.status).toBe(200)
    const k = res.body.apikey
    expect(Object.keys(k).sort()).toEqual(KEY_FIELDS)
    expect(k).toMatchObject({
      mode: 'read',
      name: 'ci',
      user_id: t.owner.userId,
      limited_to_orgs: [],
      limited_to_apps: [],
      expires_at: null,
    })
    expect(k.key.length).toBeGreaterThan(20)
    const { database } = await getApp()
    const row = await database.db.apiKey.findUniqueOrThrow({ where: { id: k.id } })
    expect(row.key_hash).toBe(createHash('sha256').update(k.key).digest('hex'))
    expect(JSON.stringify(row)).not.toContain(k.key)
    // the new key works with its mode
    expect((await rest('GET', '/app', { key: k.key })).body.map((a: any) => a.app_id)).toEqual([t.appId])
    expect(await rest('POST', '/channel', { key: k.key, body: { app_id: t.appId, channel: 'x' } })).toMatchObject({
      status: 403,
      body: { error: 'insufficient_key_mode' },
    })
  })

  it("GET lists the caller's keys masked, and GET /apikey/{id} one", async () => {
    const t = await createTenant()
    const created = (await rest('POST', '/apikey', { key: t.keys.all, body: { mode: 'upload' } })).body.apikey
    const list = await rest('GET', '/apikey', { key: t.keys.all })
    expect(list.status).toBe(200)
    expect(list.body).toHaveLength(5) // the tenant's four keys and the new one
    for (const k of list.body) {
      expect(Object.keys(k).sort()).toEqual(KEY_FIELDS)
      expect(k.user_id).toBe(t.owner.userId)
      expect(k.key).not.toBe(created.key)
      expect(k.key).toContain('…')
    }
    const mine = list.body.find((k: any) => k.id === created.id)
    expect(mine).toEqual({ ...created, key: mine.key })
    const one = await rest('GET', `/apikey/${created.id}`, { key: t.keys.all })
    expect(one).toMatchObject({ status: 200, body: { id: created.id, mode: 'upload' } })
    expect(one.body.key).toBe(mine.key)
    const page = await rest('GET', '/apikey', { key: t.keys.all, query: { limit: 2, page: 2 } })
    expect(page.body.map((k: any) => k.id)).toEqual([created.id])
  })

  it('POST with org_id, limits and expiry; fields may also come as query parameters', async () => {
    const t = await createTenant()
    const expires = new Date(Date.now() + 86_400_000).toISOString()
    const res = await rest('POST', '/apikey', {
      key: t.keys.all,
      body: { org_id: t.orgId, mode: 'write', limited_to_apps: [t.appId], expires_at: expires },
    })
    expect(res.body.apikey).toMatchObject({ mode: 'write', limited_to_orgs: [t.orgId], limited_to_apps: [t.appId], expires_at: expires })
    const q = await rest('POST', '/apikey', {
      key: t.keys.all,
      query: { org_id: t.orgId, mode: 'read', name: 'from query', limited_to_apps: t.appId },
    })
    expect(q.status).toBe(200)
    expect(q.body.apikey).toMatchObject({ mode: 'read', name: 'from query', limited_to_orgs: [t.orgId], limited_to_apps: [t.appId] })
    expect((await rest('GET', '/organization', { key: q.body.apikey.key })).body.map((o: any) => o.id)).toEqual([t.orgId])
  })

  it('PUT changes name, mode, limits and expiry', async () => {
    const t = await createTenant()
    const other = await t.addApp()
    const k = (await rest('POST', '/apikey', { key: t.keys.all, body: { mode: 'read' } })).body.apikey
    const expires = new Date(Date.now() + 3_600_000).toISOString()
    const res = await rest('PUT', `/apikey/${k.id}`, {
      key: t.keys.all,
      body: { name: 'renamed', mode: 'write', limited_to_apps: [other], expires_at: expires },
    })
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({
      id: k.id,
      name: 'renamed',
      mode: 'write',
      limited_to_apps: [other],
      limited_to_orgs: [],
      expires_at: expires,
    })
    expect(res.body.key).not.toBe(k.key)
    expect((await rest('GET', '/app', { key: k.key })).body.map((a: any) => a.app_id)).toEqual([other])
    const cleared = await rest('PUT', `/apikey/${k.id}`, { key: t.keys.all, body: { limited_to_apps: [], expires_at: null } })
    expect(cleared.body).toMatchObject({ limited_to_apps: [], expires_at: null, name: 'renamed' })
    expect((await rest('GET', '/app', { key: k.key })).body).toHaveLength(2)
  })

  it('DELETE revokes at once: {success: true}, then 404 apikey_not_found and the key is refused', async () => {
    const t = await createTenant()
    const k = (await rest('POST', '/apikey', { key: t.keys.all, body: { mode: 'all' } })).body.apikey
    expect(await rest('DELETE', `/apikey/${k.id}`, { key: t.keys.all })).toMatchObject({ status: 200, body: { success: true } })
    expect(await rest('DELETE', `/apikey/${k.id}`, { key: t.keys.all })).toMatchObject({
      status: 404,
      body: { status: 'KO', error: 'apikey_not_found' },
    })
    expect(await rest('GET', '/app', { key: k.key })).toMatchObject({ status: 401, body: { error: 'invalid_apikey' } })
    // a key may revoke itself
    const self = (await rest('POST', '/apikey', { key: t.keys.all, body: { mode: 'all' } })).body.apikey
    expect((await rest('DELETE', `/apikey/${self.id}`, { key: self.key })).body).toEqual({ success: true })
    expect((await rest('GET', '/apikey', { key: self.key })).status).toBe(401)
  })

  it('works over tRPC too', async () => {
    const t = await createTenant()
    const caller = await trpc(t.keys.all)
    const { apikey } = await caller.apikey.create({ mode: 'read', name: 'trpc' })
    expect((await caller.apikey.get({ id: apikey.id })).name).toBe('trpc')
    expect((await caller.apikey.update({ id: apikey.id, name: 'x' })).name).toBe('x')
    expect(await caller.apikey.delete({ id: apikey.id })).toEqual({ success: true })
  })

  it('/openapi.json describes the organization, member and API key operations', async () => {
    const doc = (await rest('GET', '/openapi.json')).body
    const names = Object.entries(doc.paths).flatMap(([path, item]: [string, any]) =>
      Object.keys(item).map((m) => `${m.toUpperCase()} ${path}`),
    )
    for (const op of [
      'GET /organization',
      'POST /organization',
      'PUT /organization',
      'DELETE /organization',
      'GET /organization/members',
      'POST /organization/members',
      'PUT /organization/members',
      'DELETE /organization/members',
      'POST /organization/members/accept',
      'GET /apikey',
      'POST /apikey',
      'GET /apikey/{id}',
      'PUT /apikey/{id}',
      'DELETE /apikey/{id}',
    ])
      expect(names).toContain(op)
    expect(doc.components.schemas).toHaveProperty('ApiKey')
    expect(doc.components.schemas).toHaveProperty('Organization')
    expect(doc.components.schemas).toHaveProperty('Member')
  })
})
