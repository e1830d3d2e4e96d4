import { describe, expect, it } from 'vitest'
import { createTenant, getApp, rest, trpc, uid } from './harness.ts'
import { keyForUser } from './org-helpers.ts'

describe('/organization/members happy paths', () => {
  it('GET lists members and pending invites as {uid, email, image_url, role}', async () => {
    const t = await createTenant()
    const writer = await t.member('write')
    const invited = await t.member('invite_admin')
    const res = await rest('GET', '/organization/members', { key: t.keys.read, query: { orgId: t.orgId } })
    expect(res.status).toBe(200)
    expect(res.body).toEqual([
      { uid: t.owner.userId, email: t.owner.email, image_url: '', role: 'super_admin' },
      { uid: writer.userId, email: writer.email, image_url: '', role: 'write' },
      { uid: invited.userId, email: invited.email, image_url: '', role: 'invite_admin' },
    ])
    const page = await rest('GET', '/organization/members', { key: t.keys.read, query: { orgId: t.orgId, limit: 1, page: 2 } })
    expect(page.body.map((m: any) => m.uid)).toEqual([invited.userId])
  })

  it('invites an unknown email (the user is created), who accepts with their own key and then has the role', async () => {
    const t = await createTenant()
    const email = `New.${uid()}@Example.com`
    const res = await rest('POST', '/organization/members', { key: t.keys.all, body: { orgId: t.orgId, email, invite_type: 'write' } })
    expect(res).toMatchObject({ status: 200, body: { status: 'ok' } })
    const { database } = await getApp()
    const user = await database.db.user.findUniqueOrThrow({ where: { email: email.toLowerCase() } })
    expect(await database.db.apiKey.count({ where: { user_id: user.id } })).toBe(0)
    const list = await rest('GET', '/organization/members', { key: t.keys.read, query: { orgId: t.orgId } })
    expect(list.body).toContainEqual({ uid: user.id, email: email.toLowerCase(), image_url: '', role: 'invite_write' })

    const { plain } = await keyForUser(user.id)
    expect(await rest('GET', '/app', { key: plain })).toMatchObject({ status: 200, body: [] })
    const accept = await rest('POST', '/organization/members/accept', { key: plain, body: { orgId: t.orgId } })
    expect(accept).toMatchObject({ status: 200, body: { status: 'ok' } })
    expect((await rest('GET', '/app', { key: plain })).body.map((a: any) => a.app_id)).toEqual([t.appId])
    expect((await rest('POST', '/channel', { key: plain, body: { app_id: t.appId, channel: 'beta' } })).status).toBe(200)
    const after = await rest('GET', '/organization/members', { key: plain, query: { orgId: t.orgId } })
    expect(after.body).toContainEqual({ uid: user.id, email: email.toLowerCase(), image_url: '', role: 'write' })
  })

  it('invites an existing user of another organization', async () => {
    const a = await createTenant()
    const b = await createTenant()
    const res = await rest('POST', '/organization/members', {
      key: a.keys.all,
      body: { orgId: a.orgId, email: b.owner.email, invite_type: 'read' },
    })
    expect(res.status).toBe(200)
    const caller = await trpc(b.owner.key)
    await caller.member.accept({ orgId: a.orgId })
    expect((await rest('GET', '/organization', { key: b.owner.key })).body.map((o: any) => o.id).sort()).toEqual([a.orgId, b.orgId].sort())
  })

  it('PUT changes a role, of a member or of a pending invite (which stays pending)', async () => {
    const t = await createTenant()
    const m = await t.member('read')
    const inv = await t.member('invite_read')
    expect(
      await rest('PUT', '/organization/members', { key: t.keys.all, body: { orgId: t.orgId, email: m.email, role: 'admin' } }),
    ).toMatchObject({ status: 200, body: { status: 'ok' } })
    expect(
      await rest('PUT', '/organization/members', {
        key: t.keys.all,
        body: { orgId: t.orgId, email: inv.email.toUpperCase(), role: 'write' },
      }),
    ).toMatchObject({ status: 200 })
    const list = (await rest('GET', '/organization/members', { key: t.keys.read, query: { orgId: t.orgId } })).body
    expect(list.find((x: any) => x.uid === m.userId).role).toBe('admin')
    expect(list.find((x: any) => x.uid === inv.userId).role).toBe('invite_write')
    // the new admin can now act as one
    expect((await rest('PUT', '/organization', { key: m.key, body: { orgId: t.orgId, name: 'by new admin' } })).status).toBe(200)
  })

  it('DELETE removes a member or an invite ({status:"OK"}); a super_admin may go while another remains', async () => {
    const t = await createTenant()
    const w = await t.member('write')
    const inv = await t.member('invite_read')
    const sa = await t.member('super_admin')
    expect(await rest('DELETE', '/organization/members', { key: t.keys.all, query: { orgId: t.orgId, email: w.email } })).toMatchObject({
      status: 200,
      body: { status: 'OK' },
    })
    expect((await rest('GET', '/app', { key: w.key })).body).toEqual([])
    expect(
      await rest('DELETE', '/organization/members', {
        key: t.keys.all,
        body: { orgId: t.orgId, email: inv.email },
        headers: { 'content-type': 'application/json' },
      }),
    ).toMatchObject({ status: 200, body: { status: 'OK' } })
    // the owner leaves: another super_admin remains
    expect(await rest('DELETE', '/organization/members', { key: sa.key, query: { orgId: t.orgId, email: t.owner.email } })).toMatchObject({
      status: 200,
      body: { status: 'OK' },
    })
    const list = (await rest('GET', '/organization/members', { key: sa.key, query: { orgId: t.orgId } })).body
    expect(list).toEqual([{ uid: sa.userId, email: sa.email, image_url: '', role: 'super_admin' }])
  })
})
