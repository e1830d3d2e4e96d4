import { describe, expect, it } from 'vitest'
import { createTenant, getApp, rest } from './harness.ts'
import { keyForUser } from './org-helpers.ts'

const path = '/organization/members'

describe('/organization/members security', () => {
  it('every key mode against every endpoint: GET for all modes, changes for mode all only', async () => {
    for (const mode of ['read', 'upload', 'write', 'all'] as const) {
      const t = await createTenant()
      const m = await t.member('write')
      const inv = await t.member('invite_read')
      const { database } = await getApp()
      // the invitee's key of the same mode, for accept
      const invKey = await keyForUser(inv.userId, { mode })
      const cases = [
        { method: 'GET' as const, url: path, key: t.keys[mode], query: { orgId: t.orgId } },
        {
          method: 'POST' as const,
          url: path,
          key: t.keys[mode],
          body: { orgId: t.orgId, email: `x-${mode}-${t.orgId}@example.com`, invite_type: 'read' },
        },
        { method: 'PUT' as const, url: path, key: t.keys[mode], body: { orgId: t.orgId, email: m.email, role: 'upload' } },
        { method: 'POST' as const, url: `${path}/accept`, key: invKey.plain, body: { orgId: t.orgId } },
        { method: 'DELETE' as const, url: path, key: t.keys[mode], query: { orgId: t.orgId, email: m.email } },
      ]
      for (const c of cases) {
        const res = await rest(c.method, c.url, { key: c.key, query: c.query, body: c.body })
        const label = `${mode} ${c.method} ${c.url}`
        if (c.method === 'GET' || mode === 'all') expect(res.status, label).toBe(200)
        else expect(res, label).toMatchObject({ status: 403, body: { error: 'insufficient_key_mode' } })
      }
      const rows = await database.db.orgMember.findMany({ where: { org_id: t.orgId }, select: { user_id: true, role: true } })
      const roleOf = (userId: string) => rows.find((r) => r.user_id === userId)?.role
      if (mode === 'all') {
        expect([roleOf(m.userId), roleOf(inv.userId), rows.length]).toEqual([undefined, 'read', 3]) // removed, accepted, +1 invite
      } else {
        expect([roleOf(m.userId), roleOf(inv.userId), rows.length]).toEqual(['write', 'invite_read', 3]) // nothing changed
      }
    }
  })

  it('401 without a key and with an expired key', async () => {
    const t = await createTenant()
    const expired = await t.key({ expiresAt: new Date(Date.now() - 1) })
    expect(await rest('GET', path, { query: { orgId: t.orgId } })).toMatchObject({ status: 401, body: { error: 'no_key_provided' } })
    expect(await rest('GET', path, { key: expired, query: { orgId: t.orgId } })).toMatchObject({
      status: 401,
      body: { error: 'invalid_apikey' },
    })
    expect(await rest('POST', path, { key: expired, body: { orgId: t.orgId, email: 'e@example.com', invite_type: 'read' } })).toMatchObject(
      { status: 401, body: { error: 'invalid_apikey' } },
    )
    expect(await rest('DELETE', path, { key: expired, query: { orgId: t.orgId, email: t.owner.email } })).toMatchObject({ status: 401 })
  })

  it('members below admin cannot invite, change roles or remove', async () => {
    const t = await createTenant()
    const victim = await t.member('read')
    for (const role of ['read', 'upload', 'write'] as const) {
      const m = await t.member(role)
      expect((await rest('GET', path, { key: m.key, query: { orgId: t.orgId } })).status).toBe(200)
      expect(
        await rest('POST', path, { key: m.key, body: { orgId: t.orgId, email: `p-${role}@example.com`, invite_type: 'read' } }),
      ).toMatchObject({ status: 403, body: { error: 'insufficient_role' } })
      expect(await rest('PUT', path, { key: m.key, body: { orgId: t.orgId, email: m.email, role: 'admin' } })).toMatchObject({
        status: 403,
        body: { error: 'insufficient_role' },
      })
      expect(await rest('DELETE', path, { key: m.key, query: { orgId: t.orgId, email: victim.email } })).toMatchObject({
        status: 403,
        body: { error: 'insufficient_role' },
      })
    }
  })

  it('privilege escalation is refused: an admin cannot invite, promote to, demote or remove a super_admin', async () => {
    const t = await createTenant()
    const admin = await t.member('admin')
    const other = await t.member('write')
    expect(
      await rest('POST', path, { key: admin.key, body: { orgId: t.orgId, email: 'boss@example.com', invite_type: 'super_admin' } }),
    ).toMatchObject({ status: 403, body: { error: 'insufficient_role' } })
    expect(await rest('PUT', path, { key: admin.key, body: { orgId: t.orgId, email: admin.email, role: 'super_admin' } })).toMatchObject({
      status: 403,
      body: { error: 'insufficient_role' },
    })
    expect(await rest('PUT', path, { key: admin.key, body: { orgId: t.orgId, email: other.email, role: 'super_admin' } })).toMatchObject({
      status: 403,
      body: { error: 'insufficient_role' },
    })
    expect(await rest('PUT', path, { key: admin.key, body: { orgId: t.orgId, email: t.owner.email, role: 'read' } })).toMatchObject({
      status: 403,
      body: { error: 'insufficient_role' },
    })
    expect(await rest('DELETE', path, { key: admin.key, query: { orgId: t.orgId, email: t.owner.email } })).toMatchObject({
      status: 403,
      body: { error: 'insufficient_role' },
    })
    // what an admin may do: roles up to admin, on members up to admin
    expect((await rest('PUT', path, { key: admin.key, body: { orgId: t.orgId, email: other.email, role: 'admin' } })).status).toBe(200)
    expect(
      (await rest('POST', path, { key: admin.key, body: { orgId: t.orgId, email: `helper-${t.orgId}@example.com`, invite_type: 'admin' } }))
        .status,
    ).toBe(200)
    const { database } = await getApp()
    const roles = await database.db.orgMember.findMany({ where: { org_id: t.orgId }, select: { user_id: true, role: true } })
    expect(roles.find((r) => r.user_id === t.owner.userId)!.role).toBe('super_admin')
    expect(roles.find((r) => r.user_id === admin.userId)!.role).toBe('admin')
    expect(roles.filter((r) => r.role.includes('super_admin'))).toHaveLength(1)
  })

  it('a pending invite has no rights until accepted, and one cannot accept for someone else', async () => {
    const t = await createTenant()
    const inv = await t.member('invite_admin')
    expect(await rest('GET', path, { key: inv.key, query: { orgId: t.orgId } })).toMatchObject({
      status: 404,
      body: { error: 'org_not_found' },
    })
    expect(
      await rest('POST', path, { key: inv.key, body: { orgId: t.orgId, email: 'friend@example.com', invite_type: 'read' } }),
    ).toMatchObject({ status: 404, body: { error: 'org_not_found' } })
    expect(await rest('PUT', path, { key: inv.key, body: { orgId: t.orgId, email: inv.email, role: 'admin' } })).toMatchObject({
      status: 404,
      body: { error: 'org_not_found' },
    })
    // an outsider's accept touches only their own (absent) invitation
    const outsider = await createTenant()
    expect(await rest('POST', `${path}/accept`, { key: outsider.keys.all, body: { orgId: t.orgId } })).toMatchObject({
      status: 404,
      body: { error: 'invite_not_found' },
    })
    const { database } = await getApp()
    expect((await database.db.orgMember.findFirstOrThrow({ where: { user_id: inv.userId } })).role).toBe('invite_admin')
  })

  it("another tenant's members are invisible: 404 exactly like a missing organization", async () => {
    const a = await createTenant()
    const b = await createTenant()
    const cases = [
      { method: 'GET' as const, query: { orgId: a.orgId } },
      { method: 'POST' as const, body: { orgId: a.orgId, email: b.owner.email, invite_type: 'super_admin' } },
      { method: 'PUT' as const, body: { orgId: a.orgId, email: a.owner.email, role: 'read' } },
      { method: 'DELETE' as const, query: { orgId: a.orgId, email: a.owner.email } },
    ]
    for (const c of cases) {
      const foreign = await rest(c.method, path, { key: b.keys.all, query: c.query, body: c.body })
      const missing = await rest(c.method, path, {
        key: b.keys.all,
        query: c.query && { ...c.query, orgId: 'missing' },
        body: c.body && { ...c.body, orgId: 'missing' },
      })
      expect(foreign.status, c.method).toBe(404)
      expect(foreign.body).toEqual(missing.body)
    }
    const { database } = await getApp()
    expect(await database.db.orgMember.count({ where: { org_id: a.orgId } })).toBe(1)
  })

  it('key limits: an org-limited key sees only its org; an app-limited key may read members but not change them', async () => {
    const a = await createTenant()
    const b = await createTenant()
    const { database } = await getApp()
    await database.db.orgMember.create({ data: { org_id: b.orgId, user_id: a.owner.userId, role: 'super_admin' } })
    const orgKey = await a.key({ limitedToOrgs: [a.orgId] })
    expect((await rest('GET', path, { key: orgKey, query: { orgId: a.orgId } })).status).toBe(200)
    expect(await rest('GET', path, { key: orgKey, query: { orgId: b.orgId } })).toMatchObject({
      status: 404,
      body: { error: 'org_not_found' },
    })
    expect(await rest('POST', path, { key: orgKey, body: { orgId: b.orgId, email: 'x@example.com', invite_type: 'read' } })).toMatchObject({
      status: 404,
      body: { error: 'org_not_found' },
    })
    const appKey = await a.key({ limitedToApps: [a.appId] })
    expect((await rest('GET', path, { key: appKey, query: { orgId: a.orgId } })).status).toBe(200)
    expect(await rest('GET', path, { key: appKey, query: { orgId: b.orgId } })).toMatchObject({
      status: 404,
      body: { error: 'org_not_found' },
    })
    expect(await rest('POST', path, { key: appKey, body: { orgId: a.orgId, email: 'x@example.com', invite_type: 'read' } })).toMatchObject({
      status: 403,
      body: { error: 'insufficient_permissions' },
    })
    expect(await rest('DELETE', path, { key: appKey, query: { orgId: a.orgId, email: a.owner.email } })).toMatchObject({
      status: 403,
      body: { error: 'insufficient_permissions' },
    })
    // an invitation to an org outside the key's limits cannot be accepted with that key
    const c = await createTenant()
    await database.db.orgMember.create({ data: { org_id: c.orgId, user_id: a.owner.userId, role: 'invite_read' } })
    expect(await rest('POST', `${path}/accept`, { key: orgKey, body: { orgId: c.orgId } })).toMatchObject({
      status: 404,
      body: { error: 'invite_not_found' },
    })
    expect((await rest('POST', `${path}/accept`, { key: a.keys.all, body: { orgId: c.orgId } })).status).toBe(200)
  })
})
