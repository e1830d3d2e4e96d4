import { describe, expect, it } from 'vitest'
import { createTenant, getApp, rest, trpc, uid } from './harness.ts'

describe('/app happy paths', () => {
  it('creates an app in the only visible org, reads, updates and lists it', async () => {
    const t = await createTenant()
    const appId = `com.new${uid()}.app`
    const created = await rest('POST', '/app', {
      key: t.keys.write,
      body: { app_id: appId, name: 'New app', icon_url: 'https://x.test/i.png' },
    })
    expect(created.status).toBe(200)
    expect(created.body).toMatchObject({
      app_id: appId,
      name: 'New app',
      icon_url: 'https://x.test/i.png',
      owner_org: t.orgId,
      retention: 2592000,
    })
    const one = await rest('GET', `/app/${appId}`, { key: t.keys.read })
    expect(one.body).toEqual(created.body)
    const upd = await rest('PUT', `/app/${appId}`, { key: t.keys.write, body: { name: 'Renamed', retention: 100 } })
    expect(upd).toMatchObject({ status: 200, body: { app_id: appId, name: 'Renamed', retention: 100 } })
    const list = await rest('GET', '/app', { key: t.keys.read })
    expect(list.body.map((a: any) => a.app_id)).toEqual([t.appId, appId])
  })

  it('DELETE removes the app with its channels, bundles, devices, overrides and statistics', async () => {
    const t = await createTenant()
    const { database } = await getApp()
    const db = database.db
    const b = await db.bundle.create({ data: { app_id: t.appId, name: '1.0.0', owner_org: t.orgId } })
    const ch = await db.channel.create({ data: { app_id: t.appId, name: 'prod', created_by: t.owner.userId, version_id: b.id } })
    await db.device.create({ data: { app_id: t.appId, device_id: 'd1', platform: 'ios' } })
    await db.deviceOverride.create({ data: { app_id: t.appId, device_id: 'd1', channel_id: ch.id } })
    await db.dailyStat.create({ data: { app_id: t.appId, date: '2026-01-01', mau_new: 1 } })
    await db.deviceMonth.create({ data: { app_id: t.appId, month: '2026-01', device_id: 'd1' } })
    const res = await rest('DELETE', `/app/${t.appId}`, { key: t.keys.write })
    expect(res).toMatchObject({ status: 200, body: { status: 'ok' } })
    const where = { where: { app_id: t.appId } }
    const counts = await Promise.all([
      db.app.count(where),
      db.bundle.count(where),
      db.channel.count(where),
      db.device.count(where),
      db.deviceOverride.count(where),
      db.dailyStat.count(where),
      db.deviceMonth.count(where),
    ])
    expect(counts).toEqual([0, 0, 0, 0, 0, 0, 0])
    expect(await rest('GET', `/app/${t.appId}`, { key: t.keys.read })).toMatchObject({ status: 404, body: { error: 'app_not_found' } })
  })

  it('pages the app list', async () => {
    const t = await createTenant()
    for (let i = 0; i < 4; i++) await t.addApp()
    const p = await rest('GET', '/app', { key: t.keys.read, query: { page: 1, limit: 2 } })
    expect(p.body).toHaveLength(2)
    const all = await rest('GET', '/app', { key: t.keys.read })
    expect(all.body).toHaveLength(5)
  })

  it('works through tRPC', async () => {
    const t = await createTenant()
    const c = await trpc(t.keys.all)
    const appId = `com.trpc${uid()}.app`
    await c.app.create({ app_id: appId, name: 'T', owner_org: t.orgId })
    expect((await c.app.get({ app_id: appId })).name).toBe('T')
    expect(await c.app.delete({ app_id: appId })).toEqual({ status: 'ok' })
  })
})

describe('/app errors and security', () => {
  it('409 app_already_exists, 400 invalid_app_id, 400 missing_owner_org', async () => {
    const t = await createTenant()
    expect(await rest('POST', '/app', { key: t.keys.write, body: { app_id: t.appId, name: 'dup' } })).toMatchObject({
      status: 409,
      body: { status: 'KO', error: 'app_already_exists' },
    })
    expect(await rest('POST', '/app', { key: t.keys.write, body: { app_id: 'bad', name: 'x' } })).toMatchObject({
      status: 400,
      body: { error: 'invalid_app_id' },
    })
    expect(await rest('GET', '/app/bad_id', { key: t.keys.read })).toMatchObject({ status: 400, body: { error: 'invalid_app_id' } })
    const { database } = await getApp()
    const org2 = await database.db.organization.create({
      data: {
        name: 'second',
        management_email: 'x@y.z',
        created_by: t.owner.userId,
        members: { create: { user_id: t.owner.userId, role: 'admin' } },
      },
    })
    expect(await rest('POST', '/app', { key: t.keys.write, body: { app_id: `com.a${uid()}.b`, name: 'x' } })).toMatchObject({
      status: 400,
      body: { error: 'missing_owner_org' },
    })
    expect(
      (await rest('POST', '/app', { key: t.keys.write, body: { app_id: `com.a${uid()}.b`, name: 'x', owner_org: org2.id } })).status,
    ).toBe(200)
  })

  it('modes and roles: read key cannot write, writer cannot delete, foreign org is 404', async () => {
    const t = await createTenant()
    const other = await createTenant()
    expect(await rest('PUT', `/app/${t.appId}`, { key: t.keys.read, body: { name: 'x' } })).toMatchObject({
      status: 403,
      body: { error: 'insufficient_key_mode' },
    })
    expect(await rest('POST', '/app', { key: t.keys.upload, body: { app_id: `com.a${uid()}.b`, name: 'x' } })).toMatchObject({
      status: 403,
      body: { error: 'insufficient_key_mode' },
    })
    const writer = await t.member('write')
    expect(await rest('DELETE', `/app/${t.appId}`, { key: writer.key })).toMatchObject({
      status: 403,
      body: { error: 'insufficient_role' },
    })
    const reader = await t.member('read')
    expect(await rest('POST', '/app', { key: reader.key, body: { app_id: `com.a${uid()}.b`, name: 'x' } })).toMatchObject({
      status: 403,
      body: { error: 'insufficient_role' },
    })
    const foreign = await rest('GET', `/app/${t.appId}`, { key: other.keys.all })
    const missing = await rest('GET', '/app/com.not.there', { key: other.keys.all })
    expect(foreign.status).toBe(404)
    expect(foreign.body).toEqual(missing.body)
    expect(
      await rest('POST', '/app', { key: other.keys.all, body: { app_id: `com.a${uid()}.b`, name: 'x', owner_org: t.orgId } }),
    ).toMatchObject({ status: 404, body: { error: 'org_not_found' } })
    const list = await rest('GET', '/app', { key: other.keys.read })
    expect(list.body.map((a: any) => a.app_id)).toEqual([other.appId])
  })

  it('a key limited to one app lists only that app', async () => {
    const t = await createTenant()
    await t.addApp()
    const key = await t.key({ limitedToApps: [t.appId] })
    const list = await rest('GET', '/app', { key })
    expect(list.body.map((a: any) => a.app_id)).toEqual([t.appId])
  })
})
