import { describe, expect, it } from 'vitest'
import { createTenant, rest, trpc, trpcError } from './harness.ts'

const get = (url: string, key: string, query: Record<string, string>) => rest('GET', url, { key, query })

describe('/statistics errors', () => {
  it('400 invalid_date on malformed or impossible dates, JSON or graph alike', async () => {
    const t = await createTenant()
    for (const bad of ['yesterday', '2026-02-30', '2026-13-01', '2026-1-5', '20260105', '2026-01-05T25:00:00Z', '']) {
      for (const graph of [undefined, 'mau']) {
        const query = { from: bad, to: '2026-03-01', ...(graph ? { graph } : {}) }
        const res = await get(`/statistics/app/${t.appId}`, t.keys.read, query)
        expect(res, `from=${bad}`).toMatchObject({ status: 400, body: { status: 'KO', error: 'invalid_date' } })
        expect(String(res.headers['content-type'])).toContain('application/json')
      }
    }
    const e = await trpcError(async () => (await trpc(t.keys.read)).statistics.user({ from: '2026-01-01', to: 'soon' }))
    expect(e).toMatchObject({ code: 'BAD_REQUEST', error: 'invalid_date', status: 400 })
  })

  it('400 invalid_input when from or to is missing', async () => {
    const t = await createTenant()
    const res = await get('/statistics/user', t.keys.read, { from: '2026-01-01' })
    expect(res).toMatchObject({ status: 400, body: { status: 'KO', error: 'invalid_input' } })
    expect(res.body.issues.map((i: { path: string }) => i.path)).toContain('to')
  })

  it('400 invalid_date_range when from > to or the days are more than 366 apart; 366 apart is allowed', async () => {
    const t = await createTenant()
    for (const url of [`/statistics/app/${t.appId}`, `/statistics/org/${t.orgId}`, '/statistics/user']) {
      expect(await get(url, t.keys.read, { from: '2026-03-02', to: '2026-03-01' }), url).toMatchObject({
        status: 400,
        body: { error: 'invalid_date_range' },
      })
      expect(await get(url, t.keys.read, { from: '2024-01-01', to: '2025-01-02' }), url).toMatchObject({
        status: 400,
        body: { error: 'invalid_date_range' },
      })
      expect(await get(url, t.keys.read, { from: '2024-01-01', to: '2025-01-02', graph: 'storage' }), url).toMatchObject({
        status: 400,
        body: { error: 'invalid_date_range' },
      })
      const edge = await get(url, t.keys.read, { from: '2024-01-01', to: '2025-01-01' }) // 366 days apart, 367 entries
      expect(edge.status, url).toBe(200)
      expect(edge.body).toHaveLength(367)
    }
  })

  it('400 on an unknown graph or a malformed app_id; 404 for a missing app or org', async () => {
    const t = await createTenant()
    const q = { from: '2026-01-01', to: '2026-01-31' }
    expect(await get(`/statistics/app/${t.appId}`, t.keys.read, { ...q, graph: 'pie' })).toMatchObject({
      status: 400,
      body: { error: 'invalid_input' },
    })
    expect(await get('/statistics/app/not_an_app', t.keys.read, q)).toMatchObject({ status: 400, body: { error: 'invalid_app_id' } })
    expect(await get('/statistics/app/com.missing.app', t.keys.read, q)).toMatchObject({ status: 404, body: { error: 'app_not_found' } })
    expect(await get('/statistics/org/no-such-org', t.keys.read, { ...q, graph: 'mau' })).toMatchObject({
      status: 404,
      body: { error: 'org_not_found' },
    })
  })

  it('other methods on the statistics paths are not served', async () => {
    const t = await createTenant()
    const res = await rest('POST', '/statistics/user', { key: t.keys.all, body: { from: '2026-01-01', to: '2026-01-02' } })
    expect(res.status).toBeGreaterThanOrEqual(400)
    expect(res.status).toBeLessThan(500)
    expect(res.body).toMatchObject({ status: 'KO' })
  })
})
