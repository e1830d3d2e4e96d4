import { describe, expect, it } from 'vitest'
import { createTenant, getApp, rest } from './harness.ts'

describe('/organization/members errors', () => {
  it('409 member_already_exists when inviting a member or a pending invitee', async () => {
    const t = await createTenant()
    const m = await t.member('write')
    const inv = await t.member('invite_read')
    for (const email of [m.email, inv.email, t.owner.email]) {
      const res = await rest('POST', '/organization/members', { key: t.keys.all, body: { orgId: t.orgId, email, invite_type: 'read' } })
      expect(res).toMatchObject({ status: 409, body: { status: 'KO', error: 'member_already_exists' } })
    }
    const { database } = await getApp()
    expect((await database.db.orgMember.findFirstOrThrow({ where: { user_id: m.userId, org_id: t.orgId } })).role).toBe('write')
  })

  it('404 member_not_found for an email that is not a member', async () => {
    const t = await createTenant()
    const other = await createTenant()
    for (const email of ['nobody@example.com', other.owner.email]) {
      expect(await rest('DELETE', '/organization/members', { key: t.keys.all, query: { orgId: t.orgId, email } })).toMatchObject({
        status: 404,
        body: { error: 'member_not_found' },
      })
      expect(await rest('PUT', '/organization/members', { key: t.keys.all, body: { orgId: t.orgId, email, role: 'read' } })).toMatchObject({
        status: 404,
        body: { error: 'member_not_found' },
      })
    }
  })

  it('409 last_super_admin: the last super_admin can be neither removed nor demoted', async () => {
    const t = await createTenant()
    expect(
      await rest('DELETE', '/organization/members', { key: t.keys.all, query: { orgId: t.orgId, email: t.owner.email } }),
    ).toMatchObject({ status: 409, body: { status: 'KO', error: 'last_super_admin' } })
    expect(
      await rest('PUT', '/organization/members', { key: t.keys.all, body: { orgId: t.orgId, email: t.owner.email, role: 'admin' } }),
    ).toMatchObject({ status: 409, body: { error: 'last_super_admin' } })
    // a pending super_admin invite does not count as another super_admin
    await t.member('invite_super_admin')
    expect(
      await rest('DELETE', '/organization/members', { key: t.keys.all, query: { orgId: t.orgId, email: t.owner.email } }),
    ).toMatchObject({ status: 409, body: { error: 'last_super_admin' } })
    const { database } = await getApp()
    expect(await database.db.orgMember.count({ where: { org_id: t.orgId, role: 'super_admin' } })).toBe(1)
  })

  it('two super_admins removing each other at once leave one of them', async () => {
    const t = await createTenant()
    const sa = await t.member('super_admin')
    const [r1, r2] = await Promise.all([
      rest('DELETE', '/organization/members', { key: t.keys.all, query: { orgId: t.orgId, email: sa.email } }),
      rest('DELETE', '/organization/members', { key: sa.key, query: { orgId: t.orgId, email: t.owner.email } }),
    ])
    const statuses = [r1.status, r2.status].sort()
    // the loser is refused: either as the last super_admin or because it is no longer a member
    expect(statuses[0]).toBe(200)
    expect([403, 404, 409]).toContain(statuses[1])
    const { database } = await getApp()
    expect(await database.db.orgMember.count({ where: { org_id: t.orgId, role: 'super_admin' } })).toBe(1)
  })

  it('400 on bad input: unknown invite_type or role, malformed email, missing fields', async () => {
    const t = await createTenant()
    const bodies = [
      { orgId: t.orgId, email: 'a@example.com', invite_type: 'owner' },
      { orgId: t.orgId, email: 'a@example.com', invite_type: 'invite_read' },
      { orgId: t.orgId, email: 'not an email', invite_type: 'read' },
      { orgId: t.orgId, invite_type: 'read' },
      { email: 'a@example.com', invite_type: 'read' },
    ]
    for (const body of bodies) {
      expect((await rest('POST', '/organization/members', { key: t.keys.all, body })).status, JSON.stringify(body)).toBe(400)
    }
    expect(
      await rest('PUT', '/organization/members', { key: t.keys.all, body: { orgId: t.orgId, email: t.owner.email, role: 'god' } }),
    ).toMatchObject({ status: 400, body: { error: 'invalid_input' } })
    expect(await rest('DELETE', '/organization/members', { key: t.keys.all, query: { orgId: t.orgId } })).toMatchObject({
      status: 400,
      body: { error: 'invalid_input' },
    })
    expect(await rest('GET', '/organization/members', { key: t.keys.all })).toMatchObject({ status: 400, body: { error: 'invalid_input' } })
    const { database } = await getApp()
    expect(await database.db.user.count({ where: { email: 'a@example.com', members: { some: { org_id: t.orgId } } } })).toBe(0)
  })

  it('404 invite_not_found when accepting without a pending invitation', async () => {
    const t = await createTenant()
    const m = await t.member('write')
    for (const orgId of [t.orgId, 'no-such-org']) {
      expect(await rest('POST', '/organization/members/accept', { key: m.key, body: { orgId } })).toMatchObject({
        status: 404,
        body: { error: 'invite_not_found' },
      })
    }
  })
})
