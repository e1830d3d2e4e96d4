import { describe, expect, it } from 'vitest'
import { createTenant, getApp, rest, trpc, trpcError } from './harness.ts'

describe('/organization errors', () => {
  it('404 org_not_found for an unknown orgId on GET, update and DELETE', async () => {
    const t = await createTenant()
    const missing = 'no-such-org'
    expect(await rest('GET', '/organization', { key: t.keys.read, query: { orgId: missing } })).toMatchObject({
      status: 404,
      body: { status: 'KO', error: 'org_not_found' },
    })
    expect(await rest('PUT', '/organization', { key: t.keys.all, body: { orgId: missing, name: 'x' } })).toMatchObject({
      status: 404,
      body: { error: 'org_not_found' },
    })
    expect(await rest('POST', '/organization', { key: t.keys.all, body: { orgId: missing, name: 'x' } })).toMatchObject({
      status: 404,
      body: { error: 'org_not_found' },
    })
    expect(await rest('DELETE', '/organization', { key: t.keys.all, query: { orgId: missing } })).toMatchObject({
      status: 404,
      body: { error: 'org_not_found' },
    })
  })

  it('400 when creating without a name, or with bad fields; nothing is created', async () => {
    const t = await createTenant()
    const { database } = await getApp()
    const before = await database.db.organization.count({ where: { created_by: t.owner.userId } })
    for (const body of [
      {},
      { name: '' },
      { name: 5 },
      { name: 'x'.repeat(300) },
      { orgId: t.orgId, management_email: 'not-an-email' },
      { orgId: t.orgId, logo: 7 },
    ]) {
      const res = await rest('POST', '/organization', { key: t.keys.all, body })
      expect(res.status, JSON.stringify(body)).toBe(400)
      expect(res.body).toMatchObject({ status: 'KO', error: 'invalid_input' })
      expect(res.body.issues.length).toBeGreaterThan(0)
    }
    const put = await rest('PUT', '/organization', { key: t.keys.all, body: {} })
    expect(put).toMatchObject({ status: 400, body: { error: 'invalid_input', issues: [{ path: 'name' }] } })
    expect(await database.db.organization.count({ where: { created_by: t.owner.userId } })).toBe(before)
    const e = await trpcError(async () => (await trpc(t.keys.all)).organization.set({}))
    expect(e).toMatchObject({ code: 'BAD_REQUEST', error: 'invalid_input' })
  })

  it('DELETE without orgId is 400', async () => {
    const t = await createTenant()
    expect(await rest('DELETE', '/organization', { key: t.keys.all })).toMatchObject({
      status: 400,
      body: { status: 'KO', error: 'invalid_input' },
    })
  })

  it('rejects a body that is not JSON', async () => {
    const t = await createTenant()
    const res = await rest('POST', '/organization', { key: t.keys.all, body: '{"name":', headers: { 'content-type': 'application/json' } })
    expect(res).toMatchObject({ status: 400, body: { status: 'KO', error: 'invalid_json' } })
  })
})
