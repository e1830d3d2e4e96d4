import { describe, expect, it } from 'vitest'
import { createTenant, getApp, rest } from './harness.ts'
import { extraOrg } from './org-helpers.ts'

const calls = (orgId: string) => [
  { method: 'GET' as const, query: { orgId } },
  { method: 'GET' as const, query: {} },
  { method: 'POST' as const, body: { orgId, name: 'x' } },
  { method: 'PUT' as const, body: { orgId, name: 'x' } },
  { method: 'POST' as const, body: { name: 'created' } },
  { method: 'PUT' as const, body: { name: 'created' } },
  { method: 'DELETE' as const, query: { orgId } },
]

describe('/organization security', () => {
  it('every key mode against every endpoint: reads for all modes, changes for mode all only', async () => {
    for (const mode of ['read', 'upload', 'write', 'all'] as const) {
      const t = await createTenant()
      for (const c of calls(t.orgId)) {
        const res = await rest(c.method, '/organization', { key: t.keys[mode], query: c.query, body: c.body })
        const label = `${mode} ${c.method} ${JSON.stringify(c.query ?? c.body)}`
        if (c.method === 'GET' || mode === 'all') expect(res.status, label).toBe(200)
        else expect(res, label).toMatchObject({ status: 403, body: { status: 'KO', error: 'insufficient_key_mode' } })
      }
    }
  })

  it('401 without a key, with an unknown key and with an expired key', async () => {
    const t = await createTenant()
    const expired = await t.key({ expiresAt: new Date(Date.now() - 1000) })
    for (const c of calls(t.orgId)) {
      expect(await rest(c.method, '/organization', { query: c.query, body: c.body })).toMatchObject({
        status: 401,
        body: { error: 'no_key_provided' },
      })
      for (const key of ['unknown-key', expired]) {
        expect(await rest(c.method, '/organization', { key, query: c.query, body: c.body })).toMatchObject({
          status: 401,
          body: { error: 'invalid_apikey' },
        })
      }
    }
    const { database } = await getApp()
    expect(await database.db.organization.count({ where: { id: t.orgId } })).toBe(1)
  })

  it('roles: read members may only read, admins update, only super_admins delete', async () => {
    const t = await createTenant()
    const reader = await t.member('read')
    const writer = await t.member('write')
    const admin = await t.member('admin')
    expect((await rest('GET', '/organization', { key: reader.key, query: { orgId: t.orgId } })).status).toBe(200)
    for (const m of [reader, writer]) {
      expect(await rest('PUT', '/organization', { key: m.key, body: { orgId: t.orgId, name: 'hacked' } })).toMatchObject({
        status: 403,
        body: { error: 'insufficient_role' },
      })
    }
    expect((await rest('PUT', '/organization', { key: admin.key, body: { orgId: t.orgId, name: 'ok' } })).status).toBe(200)
    for (const m of [reader, writer, admin]) {
      expect(await rest('DELETE', '/organization', { key: m.key, query: { orgId: t.orgId } })).toMatchObject({
        status: 403,
        body: { error: 'insufficient_role' },
      })
    }
    const { database } = await getApp()
    expect(await database.db.organization.findUnique({ where: { id: t.orgId } })).toMatchObject({ name: 'ok' })
  })

  it("another tenant's organization answers exactly like a missing one (404)", async () => {
    const a = await createTenant()
    const b = await createTenant()
    for (const c of calls(a.orgId).filter((c) => 'orgId' in (c.query ?? c.body ?? {}))) {
      const foreign = await rest(c.method, '/organization', { key: b.keys.all, query: c.query, body: c.body })
      const missing = await rest(c.method, '/organization', {
        key: b.keys.all,
        query: c.query && { orgId: 'missing' },
        body: c.body && { ...c.body, orgId: 'missing' },
      })
      expect(foreign.status).toBe(404)
      expect(foreign.body).toEqual(missing.body)
    }
    expect((await rest('GET', '/organization', { key: b.keys.all })).body.map((o: any) => o.id)).toEqual([b.orgId])
    const { database } = await getApp()
    expect(await database.db.organization.findUnique({ where: { id: a.orgId } })).toMatchObject({ name: expect.stringMatching(/^Org /) })
  })

  it('a pending invite gives no sight of the organization', async () => {
    const t = await createTenant()
    const invited = await t.member('invite_super_admin')
    expect((await rest('GET', '/organization', { key: invited.key })).body).toEqual([])
    expect(await rest('GET', '/organization', { key: invited.key, query: { orgId: t.orgId } })).toMatchObject({
      status: 404,
      body: { error: 'org_not_found' },
    })
    expect(await rest('DELETE', '/organization', { key: invited.key, query: { orgId: t.orgId } })).toMatchObject({
      status: 404,
      body: { error: 'org_not_found' },
    })
  })

  it('a key limited to one organization sees nothing else and cannot create organizations', async () => {
    const a = await createTenant()
    const { database } = await getApp()
    const b = await extraOrg(a.owner, 'B')
    const key = await a.key({ limitedToOrgs: [a.orgId] })
    expect((await rest('GET', '/organization', { key })).body.map((o: any) => o.id)).toEqual([a.orgId])
    expect(await rest('GET', '/organization', { key, query: { orgId: b.id } })).toMatchObject({
      status: 404,
      body: { error: 'org_not_found' },
    })
    expect(await rest('PUT', '/organization', { key, body: { orgId: b.id, name: 'x' } })).toMatchObject({
      status: 404,
      body: { error: 'org_not_found' },
    })
    expect(await rest('DELETE', '/organization', { key, query: { orgId: b.id } })).toMatchObject({
      status: 404,
      body: { error: 'org_not_found' },
    })
    expect(await rest('POST', '/organization', { key, body: { name: 'sneaky' } })).toMatchObject({
      status: 403,
      body: { error: 'insufficient_permissions' },
    })
    expect(await database.db.organization.count({ where: { name: 'sneaky', created_by: a.owner.userId } })).toBe(0)
  })

  it('a key limited to one app sees only its organization, and cannot change or delete it', async () => {
    const a = await createTenant()
    const b = await createTenant()
    const { database } = await getApp()
    await database.db.orgMember.create({ data: { org_id: b.orgId, user_id: a.owner.userId, role: 'super_admin' } })
    const key = await a.key({ limitedToApps: [a.appId] })
    expect((await rest('GET', '/organization', { key })).body.map((o: any) => o.id)).toEqual([a.orgId])
    expect(await rest('GET', '/organization', { key, query: { orgId: b.orgId } })).toMatchObject({
      status: 404,
      body: { error: 'org_not_found' },
    })
    expect(await rest('PUT', '/organization', { key, body: { orgId: a.orgId, name: 'x' } })).toMatchObject({
      status: 403,
      body: { error: 'insufficient_permissions' },
    })
    expect(await rest('DELETE', '/organization', { key, query: { orgId: a.orgId } })).toMatchObject({
      status: 403,
      body: { error: 'insufficient_permissions' },
    })
    expect(await rest('POST', '/organization', { key, body: { name: 'sneaky' } })).toMatchObject({
      status: 403,
      body: { error: 'insufficient_permissions' },
    })
    expect(await database.db.organization.count({ where: { id: a.orgId } })).toBe(1)
  })
})
