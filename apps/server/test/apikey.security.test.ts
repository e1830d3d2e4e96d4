import { describe, expect, it } from 'vitest'
import { createTenant, getApp, rest } from './harness.ts'
import { keyForUser } from './org-helpers.ts'

const hour = (n: number) => new Date(Date.now() + n * 3_600_000)

describe('/apikey security', () => {
  it('every key mode against every endpoint: only mode all may manage keys', async () => {
    const t = await createTenant()
    const { database } = await getApp()
    const target = await keyForUser(t.owner.userId, { mode: 'read' })
    for (const mode of ['read', 'upload', 'write'] as const) {
      const key = t.keys[mode]
      const cases = [
        await rest('GET', '/apikey', { key }),
        await rest('GET', `/apikey/${target.id}`, { key }),
        await rest('POST', '/apikey', { key, body: { mode: 'read' } }),
        await rest('PUT', `/apikey/${target.id}`, { key, body: { name: 'x' } }),
        await rest('DELETE', `/apikey/${target.id}`, { key }),
      ]
      for (const res of cases) expect(res, mode).toMatchObject({ status: 403, body: { error: 'insufficient_key_mode' } })
    }
    expect(await database.db.apiKey.findUniqueOrThrow({ where: { id: target.id } })).toMatchObject({ name: '' })
    expect(await database.db.apiKey.count({ where: { user_id: t.owner.userId } })).toBe(5)
    const all = t.keys.all
    expect((await rest('GET', '/apikey', { key: all })).status).toBe(200)
    expect((await rest('GET', `/apikey/${target.id}`, { key: all })).status).toBe(200)
    expect((await rest('POST', '/apikey', { key: all, body: { mode: 'read' } })).status).toBe(200)
    expect((await rest('PUT', `/apikey/${target.id}`, { key: all, body: { name: 'x' } })).status).toBe(200)
    expect((await rest('DELETE', `/apikey/${target.id}`, { key: all })).status).toBe(200)
  })

  it('401 without a key, and with an expired or revoked key', async () => {
    const t = await createTenant()
    const expired = await t.key({ expiresAt: new Date(Date.now() - 1000) })
    expect(await rest('GET', '/apikey')).toMatchObject({ status: 401, body: { error: 'no_key_provided' } })
    expect(await rest('POST', '/apikey', { key: expired, body: { mode: 'read' } })).toMatchObject({
      status: 401,
      body: { error: 'invalid_apikey' },
    })
    expect(await rest('GET', '/apikey', { key: expired })).toMatchObject({ status: 401, body: { error: 'invalid_apikey' } })
  })

  it("another user's keys are invisible (404), and never listed", async () => {
    const a = await createTenant()
    const b = await createTenant()
    const colleague = await a.member('super_admin')
    const theirs = await keyForUser(b.owner.userId)
    const colleagues = await keyForUser(colleague.userId)
    for (const id of [theirs.id, colleagues.id]) {
      expect(await rest('GET', `/apikey/${id}`, { key: a.keys.all })).toMatchObject({ status: 404, body: { error: 'apikey_not_found' } })
      expect(await rest('PUT', `/apikey/${id}`, { key: a.keys.all, body: { mode: 'read' } })).toMatchObject({
        status: 404,
        body: { error: 'apikey_not_found' },
      })
      expect(await rest('DELETE', `/apikey/${id}`, { key: a.keys.all })).toMatchObject({ status: 404, body: { error: 'apikey_not_found' } })
    }
    const ids = (await rest('GET', '/apikey', { key: a.keys.all })).body.map((k: any) => k.id)
    expect(ids).not.toContain(theirs.id)
    expect(ids).not.toContain(colleagues.id)
    expect((await rest('GET', '/app', { key: theirs.plain })).status).toBe(200)
  })

  it('a limited key cannot create a key beyond its limits, and may create one within them', async () => {
    const t = await createTenant()
    const second = await t.addApp()
    const other = await createTenant()
    const orgKey = await t.key({ limitedToOrgs: [t.orgId] })
    const forbidden = [
      { mode: 'read' }, // no limit = wider
      { mode: 'read', limited_to_apps: [t.appId] }, // app limit alone is not an org limit
    ]
    for (const body of forbidden) {
      expect(await rest('POST', '/apikey', { key: orgKey, body }), JSON.stringify(body)).toMatchObject({
        status: 403,
        body: { error: 'insufficient_permissions' },
      })
    }
    expect(await rest('POST', '/apikey', { key: orgKey, body: { mode: 'read', limited_to_orgs: [other.orgId] } })).toMatchObject({
      status: 404,
      body: { error: 'org_not_found' },
    })
    expect((await rest('POST', '/apikey', { key: orgKey, body: { mode: 'all', org_id: t.orgId } })).status).toBe(200)

    const appKey = await t.key({ limitedToApps: [t.appId] })
    for (const body of [{ mode: 'read' }, { mode: 'read', org_id: t.orgId }]) {
      expect(await rest('POST', '/apikey', { key: appKey, body }), JSON.stringify(body)).toMatchObject({
        status: 403,
        body: { error: 'insufficient_permissions' },
      })
    }
    expect(await rest('POST', '/apikey', { key: appKey, body: { mode: 'read', limited_to_apps: [t.appId, second] } })).toMatchObject({
      status: 404,
      body: { error: 'app_not_found' },
    })
    const ok = await rest('POST', '/apikey', { key: appKey, body: { mode: 'write', limited_to_apps: [t.appId] } })
    expect(ok.body.apikey).toMatchObject({ limited_to_apps: [t.appId] })
  })

  it('an expiring key cannot create a key that outlives it', async () => {
    const t = await createTenant()
    const exp = hour(2)
    const key = await t.key({ expiresAt: exp })
    expect(await rest('POST', '/apikey', { key, body: { mode: 'read' } })).toMatchObject({
      status: 403,
      body: { error: 'insufficient_permissions' },
    })
    expect(await rest('POST', '/apikey', { key, body: { mode: 'read', expires_at: hour(3).toISOString() } })).toMatchObject({
      status: 403,
      body: { error: 'insufficient_permissions' },
    })
    const ok = await rest('POST', '/apikey', { key, body: { mode: 'read', expires_at: hour(1).toISOString() } })
    expect(ok.status).toBe(200)
  })

  it("PUT cannot widen a key: not past the caller's limits or expiry, and not the caller itself", async () => {
    const t = await createTenant()
    const { database } = await getApp()
    const limited = await keyForUser(t.owner.userId, { limitedToOrgs: [t.orgId], expiresAt: hour(5) })
    const child = (
      await rest('POST', '/apikey', { key: limited.plain, body: { mode: 'read', org_id: t.orgId, expires_at: hour(1).toISOString() } })
    ).body.apikey
    const attempts = [
      { id: child.id, body: { limited_to_orgs: [] } },
      { id: child.id, body: { expires_at: null } },
      { id: child.id, body: { expires_at: hour(6).toISOString() } },
      { id: limited.id, body: { limited_to_orgs: [] } }, // itself
      { id: limited.id, body: { expires_at: null } },
    ]
    for (const a of attempts) {
      expect(await rest('PUT', `/apikey/${a.id}`, { key: limited.plain, body: a.body }), JSON.stringify(a)).toMatchObject({
        status: 403,
        body: { error: 'insufficient_permissions' },
      })
    }
    const stored = await database.db.apiKey.findMany({ where: { id: { in: [limited.id, child.id] } }, orderBy: { id: 'asc' } })
    expect(stored.map((k) => [k.limited_to_orgs, k.expires_at !== null])).toEqual([
      [JSON.stringify([t.orgId]), true],
      [JSON.stringify([t.orgId]), true],
    ])
    // narrowing is fine
    expect(
      (await rest('PUT', `/apikey/${child.id}`, { key: limited.plain, body: { mode: 'read', limited_to_apps: [t.appId] } })).status,
    ).toBe(200)
  })

  it("a limited key cannot see, change or revoke the owner's more powerful keys", async () => {
    const t = await createTenant()
    const limited = await t.key({ limitedToOrgs: [t.orgId] })
    const { database } = await getApp()
    const { id } = await database.db.apiKey.findFirstOrThrow({ where: { user_id: t.owner.userId, mode: 'all', limited_to_orgs: '[]' } })
    expect(await rest('GET', `/apikey/${id}`, { key: limited })).toMatchObject({ status: 404, body: { error: 'apikey_not_found' } })
    expect(await rest('DELETE', `/apikey/${id}`, { key: limited })).toMatchObject({ status: 404, body: { error: 'apikey_not_found' } })
    const listed = (await rest('GET', '/apikey', { key: limited })).body
    expect(listed.every((k: any) => k.limited_to_orgs.length > 0)).toBe(true)
    expect((await rest('GET', '/app', { key: t.keys.all })).status).toBe(200)
  })

  it('key limits hold on every domain: a key limited to one app or one org sees nothing else (404)', async () => {
    const t = await createTenant()
    const second = await t.addApp()
    const b = await createTenant()
    const { database } = await getApp()
    await database.db.orgMember.create({ data: { org_id: b.orgId, user_id: t.owner.userId, role: 'super_admin' } })

    const appKey = (await rest('POST', '/apikey', { key: t.keys.all, body: { mode: 'all', limited_to_apps: [t.appId] } })).body.apikey.key
    expect((await rest('GET', '/app', { key: appKey })).body.map((a: any) => a.app_id)).toEqual([t.appId])
    for (const app of [second, b.appId]) {
      expect(await rest('GET', `/app/${app}`, { key: appKey })).toMatchObject({ status: 404, body: { error: 'app_not_found' } })
      expect(await rest('GET', '/channel', { key: appKey, query: { app_id: app } })).toMatchObject({
        status: 404,
        body: { error: 'app_not_found' },
      })
    }
    expect(await rest('GET', '/organization', { key: appKey, query: { orgId: b.orgId } })).toMatchObject({
      status: 404,
      body: { error: 'org_not_found' },
    })

    const orgKey = (await rest('POST', '/apikey', { key: t.keys.all, body: { mode: 'all', org_id: b.orgId } })).body.apikey.key
    expect((await rest('GET', '/app', { key: orgKey })).body.map((a: any) => a.app_id)).toEqual([b.appId])
    expect(await rest('GET', `/app/${t.appId}`, { key: orgKey })).toMatchObject({ status: 404, body: { error: 'app_not_found' } })
    expect(await rest('GET', '/organization/members', { key: orgKey, query: { orgId: t.orgId } })).toMatchObject({
      status: 404,
      body: { error: 'org_not_found' },
    })
    expect((await rest('GET', '/organization', { key: orgKey })).body.map((o: any) => o.id)).toEqual([b.orgId])
  })

  it('an expired key is refused everywhere (401), even one created through the API', async () => {
    const t = await createTenant()
    const k = (
      await rest('POST', '/apikey', { key: t.keys.all, body: { mode: 'all', expires_at: new Date(Date.now() + 1500).toISOString() } })
    ).body.apikey
    expect((await rest('GET', '/app', { key: k.key })).status).toBe(200)
    await new Promise((r) => setTimeout(r, 1600))
    for (const [method, url] of [
      ['GET', '/app'],
      ['GET', '/organization'],
      ['GET', '/apikey'],
      ['POST', '/apikey'],
    ] as const) {
      const res = await rest(method, url, { key: k.key, body: method === 'POST' ? { mode: 'read' } : undefined })
      expect(res, `${method} ${url}`).toMatchObject({ status: 401, body: { error: 'invalid_apikey' } })
    }
  })
})
