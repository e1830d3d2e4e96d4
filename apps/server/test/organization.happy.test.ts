import { describe, expect, it } from 'vitest'
import { createTenant, getApp, rest, trpc } from './harness.ts'
import { extraOrg, fillApp, keyForUser, rowsOf } from './org-helpers.ts'

const ORG_FIELDS = ['created_at', 'created_by', 'customer_id', 'id', 'logo', 'management_email', 'name', 'updated_at']

describe('/organization happy paths', () => {
  it('GET lists the organizations the key may see, and one by orgId', async () => {
    const t = await createTenant()
    const list = await rest('GET', '/organization', { key: t.keys.read })
    expect(list.status).toBe(200)
    expect(list.body).toHaveLength(1)
    expect(Object.keys(list.body[0]).sort()).toEqual(ORG_FIELDS)
    expect(list.body[0]).toMatchObject({ id: t.orgId, created_by: t.owner.userId, logo: null, customer_id: null })
    expect(new Date(list.body[0].created_at).toISOString()).toBe(list.body[0].created_at)
    const one = await rest('GET', '/organization', { key: t.keys.read, query: { orgId: t.orgId } })
    expect(one).toMatchObject({ status: 200, body: { id: t.orgId, name: list.body[0].name } })
    expect(Array.isArray(one.body)).toBe(false)
  })

  it('a member of two organizations sees both, and not the others', async () => {
    const a = await createTenant()
    const b = await createTenant()
    await createTenant()
    const m = await a.member('read')
    const { database } = await getApp()
    await database.db.orgMember.create({ data: { org_id: b.orgId, user_id: m.userId, role: 'write' } })
    const list = await rest('GET', '/organization', { key: m.key })
    expect(list.body.map((o: any) => o.id).sort()).toEqual([a.orgId, b.orgId].sort())
  })

  it('POST and PUT without orgId create an organization whose creator is super_admin', async () => {
    const t = await createTenant()
    for (const method of ['POST', 'PUT'] as const) {
      const res = await rest(method, '/organization', { key: t.keys.all, body: { name: `New ${method}` } })
      expect(res.status).toBe(200)
      expect(res.body).toEqual({ status: 'Organization created', id: expect.any(String) })
      const got = await rest('GET', '/organization', { key: t.keys.read, query: { orgId: res.body.id } })
      expect(got.body).toMatchObject({
        id: res.body.id,
        name: `New ${method}`,
        created_by: t.owner.userId,
        management_email: t.owner.email,
      })
      const members = await rest('GET', '/organization/members', { key: t.keys.read, query: { orgId: res.body.id } })
      expect(members.body).toEqual([{ uid: t.owner.userId, email: t.owner.email, image_url: '', role: 'super_admin' }])
    }
    expect((await rest('GET', '/organization', { key: t.keys.read })).body).toHaveLength(3)
  })

  it('POST and PUT with orgId update name, logo and management_email (role admin)', async () => {
    const t = await createTenant()
    const admin = await t.member('admin')
    const put = await rest('PUT', '/organization', {
      key: admin.key,
      body: { orgId: t.orgId, name: 'Renamed', logo: 'https://example.com/l.png' },
    })
    expect(put.status).toBe(200)
    expect(put.body.status).toBe('Organization updated')
    expect(Object.keys(put.body.data).sort()).toEqual(ORG_FIELDS)
    expect(put.body.data).toMatchObject({ id: t.orgId, name: 'Renamed', logo: 'https://example.com/l.png' })
    const post = await rest('POST', '/organization', {
      key: t.keys.all,
      body: { orgId: t.orgId, management_email: 'billing@example.com', logo: null },
    })
    expect(post.body).toMatchObject({
      status: 'Organization updated',
      data: { name: 'Renamed', logo: null, management_email: 'billing@example.com' },
    })
  })

  it('works over tRPC too', async () => {
    const t = await createTenant()
    const caller = await trpc(t.keys.all)
    const created = await caller.organization.set({ name: 'Via tRPC' })
    expect(created).toMatchObject({ status: 'Organization created' })
    const id = (created as { id: string }).id
    const one = await caller.organization.get({ orgId: id })
    expect(one).toMatchObject({ id, name: 'Via tRPC' })
    expect(await caller.organization.delete({ orgId: id })).toEqual({ status: 'ok' })
  })

  it('DELETE removes the organization and every row it owned; other tenants keep theirs', async () => {
    const t = await createTenant()
    const other = await createTenant()
    const second = await t.addApp()
    await fillApp(t.appId, t.orgId)
    await fillApp(second, t.orgId)
    await fillApp(other.appId, other.orgId)
    const invited = await t.member('invite_write')
    const writer = await t.member('write')
    const before = await rowsOf(t.orgId, [t.appId, second])
    expect(Object.values(before).every((n) => n > 0)).toBe(true)

    const res = await rest('DELETE', '/organization', { key: t.keys.all, query: { orgId: t.orgId } })
    expect(res).toMatchObject({ status: 200, body: { status: 'ok' } })
    const after = await rowsOf(t.orgId, [t.appId, second])
    expect(after).toEqual({ organization: 0, members: 0, apps: 0, bundles: 0, channels: 0, devices: 0, overrides: 0, stats: 0, months: 0 })
    expect(Object.values(await rowsOf(other.orgId, [other.appId])).every((n) => n > 0)).toBe(true)
    // users stay (they may belong elsewhere) but lost the membership
    const { database } = await getApp()
    expect(await database.db.user.count({ where: { id: { in: [invited.userId, writer.userId] } } })).toBe(2)
    expect((await rest('GET', '/organization', { key: writer.key })).body).toEqual([])
  })

  it('DELETE prunes key limits: a key left with no org or app in a limit is deleted, others keep the rest', async () => {
    const t = await createTenant()
    const { database } = await getApp()
    const other = await extraOrg(t.owner, 'Other')
    const onlyThis = await keyForUser(t.owner.userId, { limitedToOrgs: [t.orgId] })
    const both = await keyForUser(t.owner.userId, { limitedToOrgs: [t.orgId, other.id] })
    const onlyApp = await keyForUser(t.owner.userId, { limitedToApps: [t.appId] })
    const unlimited = await keyForUser(t.owner.userId)
    const res = await rest('DELETE', '/organization', {
      key: unlimited.plain,
      body: { orgId: t.orgId },
      headers: { 'content-type': 'application/json' },
    })
    expect(res.status).toBe(200)
    const ids = [onlyThis.id, both.id, onlyApp.id, unlimited.id]
    const keys = await database.db.apiKey.findMany({ where: { id: { in: ids } }, orderBy: { id: 'asc' } })
    expect(keys.map((k) => k.id)).toEqual([both.id, unlimited.id])
    expect(JSON.parse(keys[0]!.limited_to_orgs)).toEqual([other.id])
    // the pruned key still works for what it had left, never more
    expect((await rest('GET', '/organization', { key: both.plain })).body.map((o: any) => o.id)).toEqual([other.id])
    expect((await rest('GET', '/organization', { key: onlyThis.plain })).status).toBe(401)
  })
})
