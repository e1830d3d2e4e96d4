import { describe, expect, it } from 'vitest'
import { createTenant, rest, trpc } from './harness.ts'
import { createBundle, db, deleteBundle, rows, seen, served } from './statistics-helpers.ts'

describe('/statistics happy paths', () => {
  it('app: exact daily MAU, storage and bandwidth, with zeros, month rollover and a bundle delete', async () => {
    const t = await createTenant()
    // storage before the range counts toward it
    await createBundle(t.appId, '2026-01-10', 1_000_000)
    // March: a, b on the 30th; a again + c on the 31st
    await seen(t.appId, '2026-03-30', 'a', 'b', 'a')
    await served(t.appId, '2026-03-30', 4_000)
    await seen(t.appId, '2026-03-31', 'a', 'c')
    await served(t.appId, '2026-03-31', 1_500)
    await served(t.appId, '2026-03-31', 500)
    const big = await createBundle(t.appId, '2026-03-31', 2_500_000)
    // April: a counts again (new month), storage drops with a delete
    await seen(t.appId, '2026-04-01', 'a')
    await deleteBundle(t.appId, big, '2026-04-02')
    await seen(t.appId, '2026-04-03', 'b', 'd')

    const res = await rest('GET', `/statistics/app/${t.appId}`, { key: t.keys.read, query: { from: '2026-03-29', to: '2026-04-04' } })
    expect(res.status).toBe(200)
    expect(String(res.headers['content-type'])).toContain('application/json')
    expect(rows(res.body)).toEqual([
      ['2026-03-29', 0, 1_000_000, 0],
      ['2026-03-30', 2, 1_000_000, 4_000],
      ['2026-03-31', 3, 3_500_000, 2_000],
      ['2026-04-01', 1, 3_500_000, 0],
      ['2026-04-02', 1, 1_000_000, 0],
      ['2026-04-03', 3, 1_000_000, 0],
      ['2026-04-04', 3, 1_000_000, 0],
    ])
    // MAU mid-month counts the devices seen since the 1st even when `from` is later
    const mid = await rest('GET', `/statistics/app/${t.appId}`, { key: t.keys.read, query: { from: '2026-03-31', to: '2026-03-31' } })
    expect(rows(mid.body)).toEqual([['2026-03-31', 3, 3_500_000, 2_000]])
    // tRPC answers the same data
    const caller = await trpc(t.keys.read)
    expect(await caller.statistics.app({ app_id: t.appId, from: '2026-03-29', to: '2026-04-04' })).toEqual(res.body)
  })

  it('app: a range with no data is one zero entry per day', async () => {
    const t = await createTenant()
    const res = await rest('GET', `/statistics/app/${t.appId}`, { key: t.keys.read, query: { from: '2024-02-27', to: '2024-03-01' } })
    expect(rows(res.body)).toEqual([
      ['2024-02-27', 0, 0, 0],
      ['2024-02-28', 0, 0, 0],
      ['2024-02-29', 0, 0, 0],
      ['2024-03-01', 0, 0, 0],
    ])
  })

  it('accepts ISO date-times (their UTC day) and a one-day range', async () => {
    const t = await createTenant()
    await seen(t.appId, '2026-05-05', 'x')
    const res = await rest('GET', `/statistics/app/${t.appId}`, {
      key: t.keys.read,
      query: { from: '2026-05-05T00:00:00.000Z', to: '2026-05-05T23:59:59Z' },
    })
    expect(rows(res.body)).toEqual([['2026-05-05', 1, 0, 0]])
    const offset = await rest('GET', `/statistics/app/${t.appId}`, {
      key: t.keys.read,
      query: { from: '2026-05-06T01:00:00+02:00', to: '2026-05-05' },
    })
    expect(rows(offset.body)).toEqual([['2026-05-05', 1, 0, 0]])
  })

  it('org: sums its apps per day; user: sums every organization the key may see', async () => {
    const t = await createTenant()
    const second = await t.addApp()
    await seen(t.appId, '2026-06-01', 'a', 'b')
    await seen(second, '2026-06-01', 'a') // another app: another device for MAU
    await served(t.appId, '2026-06-02', 100)
    await served(second, '2026-06-02', 50)
    await createBundle(second, '2026-05-20', 7_000)

    const org = await rest('GET', `/statistics/org/${t.orgId}`, { key: t.keys.read, query: { from: '2026-06-01', to: '2026-06-02' } })
    expect(org.status).toBe(200)
    expect(rows(org.body)).toEqual([
      ['2026-06-01', 3, 7_000, 0],
      ['2026-06-02', 3, 7_000, 150],
    ])

    // a second organization of the same user
    const d = await db()
    const other = await d.organization.create({
      data: {
        name: 'Second org',
        management_email: t.owner.email,
        created_by: t.owner.userId,
        members: { create: { user_id: t.owner.userId, role: 'read' } },
      },
    })
    const app3 = `com.second${Date.now()}.app`
    await d.app.create({ data: { app_id: app3, name: 'Third', owner_org: other.id } })
    await seen(app3, '2026-06-02', 'z')
    await served(app3, '2026-06-01', 1)

    const user = await rest('GET', '/statistics/user', { key: t.keys.read, query: { from: '2026-06-01', to: '2026-06-02' } })
    expect(user.status).toBe(200)
    expect(rows(user.body)).toEqual([
      ['2026-06-01', 3, 7_000, 1],
      ['2026-06-02', 4, 7_000, 150],
    ])
    const caller = await trpc(t.keys.read)
    expect(await caller.statistics.user({ from: '2026-06-01', to: '2026-06-02' })).toEqual(user.body)
    expect(await caller.statistics.org({ org_id: t.orgId, from: '2026-06-01', to: '2026-06-02' })).toEqual(org.body)
  })

  it('a year of an organization with many apps reads the small daily table', async () => {
    const t = await createTenant()
    const apps = [t.appId, ...(await Promise.all(Array.from({ length: 9 }, () => t.addApp())))]
    const d = await db()
    // 10 apps × 366 days of aggregates
    const data = apps.flatMap((app_id) =>
      Array.from({ length: 366 }, (_, i) => ({
        app_id,
        date: new Date(Date.UTC(2024, 0, 1 + i)).toISOString().slice(0, 10),
        mau_new: 1,
        bandwidth: 10n,
        storage_delta: 0n,
      })),
    )
    await d.dailyStat.createMany({ data })
    const started = Date.now()
    const res = await rest('GET', `/statistics/org/${t.orgId}`, { key: t.keys.read, query: { from: '2024-01-01', to: '2025-01-01' } })
    expect(res.status).toBe(200)
    expect(res.body).toHaveLength(367)
    expect(res.body[0]).toEqual({ date: '2024-01-01', mau: 10, storage: 0, bandwidth: 100 })
    expect(res.body[30]).toEqual({ date: '2024-01-31', mau: 310, storage: 0, bandwidth: 100 })
    expect(res.body[31]).toEqual({ date: '2024-02-01', mau: 10, storage: 0, bandwidth: 100 })
    expect(res.body[366]).toEqual({ date: '2025-01-01', mau: 0, storage: 0, bandwidth: 0 })
    expect(Date.now() - started).toBeLessThan(5_000)
  })
})
