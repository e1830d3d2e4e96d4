import { describe, expect, it } from 'vitest'
import { createTenant, getApp, rest, trpc, trpcError } from './harness.ts'

describe('/apikey errors', () => {
  it('404 apikey_not_found for an unknown id on GET, PUT and DELETE', async () => {
    const t = await createTenant()
    for (const method of ['GET', 'PUT', 'DELETE'] as const) {
      const res = await rest(method, '/apikey/999999999', { key: t.keys.all, body: method === 'PUT' ? { name: 'x' } : undefined })
      expect(res, method).toMatchObject({ status: 404, body: { status: 'KO', error: 'apikey_not_found' } })
    }
  })

  it('400 on bad input, and nothing is created', async () => {
    const t = await createTenant()
    const { database } = await getApp()
    const before = await database.db.apiKey.count({ where: { user_id: t.owner.userId } })
    const bodies = [
      {},
      { mode: 'admin' },
      { mode: 'read', name: 5 },
      { mode: 'read', limited_to_orgs: 'x'.repeat(300) },
      { mode: 'read', expires_at: 'tomorrow' },
      { mode: 'read', limited_to_apps: [5] },
    ]
    for (const body of bodies) {
      const res = await rest('POST', '/apikey', { key: t.keys.all, body })
      expect(res.status, JSON.stringify(body)).toBe(400)
      expect(res.body).toMatchObject({ status: 'KO', error: 'invalid_input' })
    }
    expect(await rest('POST', '/apikey', { key: t.keys.all, body: { mode: 'read', limited_to_apps: ['not an app id'] } })).toMatchObject({
      status: 400,
      body: { error: 'invalid_app_id' },
    })
    expect(
      await rest('POST', '/apikey', { key: t.keys.all, body: { mode: 'read', expires_at: new Date(Date.now() - 60_000).toISOString() } }),
    ).toMatchObject({ status: 400, body: { error: 'invalid_expires_at' } })
    for (const id of ['abc', '0', '-1', '1.5']) {
      expect((await rest('GET', `/apikey/${id}`, { key: t.keys.all })).status, id).toBe(400)
    }
    expect(await database.db.apiKey.count({ where: { user_id: t.owner.userId } })).toBe(before)
    const e = await trpcError(async () => (await trpc(t.keys.all)).apikey.create({ mode: 'root' as never }))
    expect(e).toMatchObject({ code: 'BAD_REQUEST', error: 'invalid_input' })
  })

  it('404 for limits naming an organization or app that does not exist', async () => {
    const t = await createTenant()
    expect(await rest('POST', '/apikey', { key: t.keys.all, body: { mode: 'read', org_id: 'no-such-org' } })).toMatchObject({
      status: 404,
      body: { error: 'org_not_found' },
    })
    expect(await rest('POST', '/apikey', { key: t.keys.all, body: { mode: 'read', limited_to_orgs: [t.orgId, 'nope'] } })).toMatchObject({
      status: 404,
      body: { error: 'org_not_found' },
    })
    expect(await rest('POST', '/apikey', { key: t.keys.all, body: { mode: 'read', limited_to_apps: ['com.no.such'] } })).toMatchObject({
      status: 404,
      body: { error: 'app_not_found' },
    })
    const k = (await rest('POST', '/apikey', { key: t.keys.all, body: { mode: 'read' } })).body.apikey
    expect(await rest('PUT', `/apikey/${k.id}`, { key: t.keys.all, body: { limited_to_apps: ['com.no.such'] } })).toMatchObject({
      status: 404,
      body: { error: 'app_not_found' },
    })
    expect(await rest('PUT', `/apikey/${k.id}`, { key: t.keys.all, body: { expires_at: new Date(0).toISOString() } })).toMatchObject({
      status: 400,
      body: { error: 'invalid_expires_at' },
    })
  })

  it('POST without a JSON content type and without query fields is refused', async () => {
    const t = await createTenant()
    const res = await rest('POST', '/apikey', { key: t.keys.all, body: 'mode=read', headers: { 'content-type': 'text/plain' } })
    expect(res).toMatchObject({ status: 415, body: { status: 'KO', error: 'unsupported_media_type' } })
  })
})
