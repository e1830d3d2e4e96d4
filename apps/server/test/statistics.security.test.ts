import { describe, expect, it } from 'vitest'
import { createTenant, rest, trpc, trpcError } from './harness.ts'
import { rows, seen, served } from './statistics-helpers.ts'

const q = { from: '2026-07-01', to: '2026-07-02' }

describe('/statistics security', () => {
  it('401 without a key or with an unknown key, for data and charts', async () => {
    const t = await createTenant()
    for (const url of [`/statistics/app/${t.appId}`, `/statistics/org/${t.orgId}`, '/statistics/user']) {
      for (const graph of [undefined, 'bandwidth']) {
        const query = { ...q, ...(graph ? { graph } : {}) }
        expect(await rest('GET', url, { query }), url).toMatchObject({ status: 401, body: { status: 'KO', error: 'no_key_provided' } })
        expect(await rest('GET', url, { key: 'nope', query }), url).toMatchObject({ status: 401, body: { error: 'invalid_apikey' } })
      }
    }
    const e = await trpcError(async () => (await trpc()).statistics.user(q))
    expect(e).toMatchObject({ code: 'UNAUTHORIZED', error: 'no_key_provided' })
  })

  it('a member with role read may read; a pending invite sees nothing', async () => {
    const t = await createTenant()
    const reader = await t.member('read')
    expect((await rest('GET', `/statistics/app/${t.appId}`, { key: reader.key, query: q })).status).toBe(200)
    expect((await rest('GET', `/statistics/org/${t.orgId}`, { key: reader.key, query: q })).status).toBe(200)
    const invited = await t.member('invite_admin')
    expect(await rest('GET', `/statistics/app/${t.appId}`, { key: invited.key, query: q })).toMatchObject({
      status: 404,
      body: { error: 'app_not_found' },
    })
    expect(await rest('GET', `/statistics/org/${t.orgId}`, { key: invited.key, query: { ...q, graph: 'mau' } })).toMatchObject({
      status: 404,
      body: { error: 'org_not_found' },
    })
    await seen(t.appId, '2026-07-01', 'd1')
    const user = await rest('GET', '/statistics/user', { key: invited.key, query: q })
    expect(rows(user.body)).toEqual([
      ['2026-07-01', 0, 0, 0],
      ['2026-07-02', 0, 0, 0],
    ])
  })

  it('another tenant gets exactly the answer of a missing app or org', async () => {
    const a = await createTenant()
    const b = await createTenant()
    await seen(a.appId, '2026-07-01', 'secret')
    const foreignApp = await rest('GET', `/statistics/app/${a.appId}`, { key: b.keys.all, query: q })
    const missingApp = await rest('GET', '/statistics/app/com.does.not.exist', { key: b.keys.all, query: q })
    expect(foreignApp.status).toBe(404)
    expect(foreignApp.body).toEqual(missingApp.body)
    const foreignOrg = await rest('GET', `/statistics/org/${a.orgId}`, { key: b.keys.all, query: { ...q, graph: 'mau' } })
    const missingOrg = await rest('GET', '/statistics/org/does-not-exist', { key: b.keys.all, query: { ...q, graph: 'mau' } })
    expect(foreignOrg.status).toBe(404)
    expect(foreignOrg.body).toEqual(missingOrg.body)
    // b's user statistics never include a's devices
    expect(rows((await rest('GET', '/statistics/user', { key: b.keys.read, query: q })).body)).toEqual([
      ['2026-07-01', 0, 0, 0],
      ['2026-07-02', 0, 0, 0],
    ])
  })

  it('a key limited to one app sees only that app, in app, org and user statistics', async () => {
    const t = await createTenant()
    const other = await t.addApp()
    await seen(t.appId, '2026-07-01', 'a')
    await seen(other, '2026-07-01', 'b', 'c')
    await served(other, '2026-07-02', 999)
    const key = await t.key({ mode: 'read', limitedToApps: [t.appId] })
    expect(await rest('GET', `/statistics/app/${other}`, { key, query: q })).toMatchObject({
      status: 404,
      body: { error: 'app_not_found' },
    })
    const expected = [
      ['2026-07-01', 1, 0, 0],
      ['2026-07-02', 1, 0, 0],
    ]
    expect(rows((await rest('GET', `/statistics/org/${t.orgId}`, { key, query: q })).body)).toEqual(expected)
    expect(rows((await rest('GET', '/statistics/user', { key, query: q })).body)).toEqual(expected)
    // the unlimited key sees both apps
    expect(rows((await rest('GET', `/statistics/org/${t.orgId}`, { key: t.keys.read, query: q })).body)).toEqual([
      ['2026-07-01', 3, 0, 0],
      ['2026-07-02', 3, 0, 999],
    ])
    // an organization holding none of the key's apps is invisible to it
    const elsewhere = await createTenant()
    const foreignAppKey = await t.key({ limitedToApps: [elsewhere.appId] })
    expect(await rest('GET', `/statistics/org/${t.orgId}`, { key: foreignAppKey, query: q })).toMatchObject({
      status: 404,
      body: { error: 'org_not_found' },
    })
  })

  it('a key limited to other organizations sees none of this one', async () => {
    const t = await createTenant()
    await seen(t.appId, '2026-07-01', 'a')
    const key = await t.key({ limitedToOrgs: ['another-org'] })
    expect(await rest('GET', `/statistics/org/${t.orgId}`, { key, query: q })).toMatchObject({
      status: 404,
      body: { error: 'org_not_found' },
    })
    expect(await rest('GET', `/statistics/app/${t.appId}`, { key, query: q })).toMatchObject({
      status: 404,
      body: { error: 'app_not_found' },
    })
    expect(rows((await rest('GET', '/statistics/user', { key, query: q })).body)).toEqual([
      ['2026-07-01', 0, 0, 0],
      ['2026-07-02', 0, 0, 0],
    ])
  })
})
