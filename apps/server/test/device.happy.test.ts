import { describe, expect, it } from 'vitest'
import { deviceListParams, deviceListSql } from '../../../packages/api/src/domains/device/devices.ts'
import { checkIn, deviceInfo, getDevice, registerBundle, setChannel, setOverride, uuidOf } from './device-helpers.ts'
import { createTenant, getApp, rest, type Tenant, trpc } from './harness.ts'

/** Arranges `n` devices with updated_at descending by index, three devices per millisecond (ties). */
async function seedDevices(t: Tenant, n: number) {
  const { database } = await getApp()
  const base = Date.UTC(2026, 0, 1)
  const rows = Array.from({ length: n }, (_, i) => ({
    app_id: t.appId,
    device_id: `d${String(i).padStart(5, '0')}`,
    platform: i % 2 ? 'android' : 'ios',
    version_build: '1.0.0',
    updated_at: new Date(base - Math.floor(i / 3)),
    created_at: new Date(base - 10_000_000),
  }))
  for (let i = 0; i < rows.length; i += 500) await database.db.device.createMany({ data: rows.slice(i, i + 500) })
  return rows
}

async function walk(t: Tenant, limit: number) {
  const seen: string[] = []
  let cursor: string | undefined
  let pages = 0
  for (;;) {
    const res = await rest('GET', '/device', { key: t.keys.read, query: { app_id: t.appId, limit, cursor } })
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    pages++
    seen.push(...res.body.data.map((d: any) => d.device_id))
    if (!res.body.hasMore) {
      expect(res.body.nextCursor).toBeUndefined()
      return { seen, pages }
    }
    expect(res.body.data).toHaveLength(limit)
    const last = res.body.data[limit - 1]
    expect(res.body.nextCursor).toBe(`${last.updated_at}|${last.device_id}`)
    cursor = res.body.nextCursor
  }
}

describe('/device happy paths', () => {
  it('pages by cursor: updated_at desc then device_id asc, every device once, ties split across pages', async () => {
    const t = await createTenant()
    const rows = await seedDevices(t, 40)
    const { seen, pages } = await walk(t, 7)
    expect(pages).toBe(6)
    expect(seen).toEqual(rows.map((r) => r.device_id)) // seeded already in the contract's order
    const first = await rest('GET', '/device', { key: t.keys.read, query: { app_id: t.appId } })
    expect(first.body.data).toHaveLength(40)
    expect(first.body).toMatchObject({ hasMore: false })
  })

  it('limit defaults to 50 and accepts up to 1000', async () => {
    const t = await createTenant()
    await seedDevices(t, 60)
    const def = await rest('GET', '/device', { key: t.keys.read, query: { app_id: t.appId } })
    expect(def.body.data).toHaveLength(50)
    expect(def.body.hasMore).toBe(true)
    const big = await rest('GET', '/device', { key: t.keys.read, query: { app_id: t.appId, limit: 1000 } })
    expect(big.body.data).toHaveLength(60)
    expect(big.body.hasMore).toBe(false)
  })

  it('an empty app answers an empty page', async () => {
    const t = await createTenant()
    const res = await rest('GET', '/device', { key: t.keys.read, query: { app_id: t.appId } })
    expect(res).toMatchObject({ status: 200, body: { data: [], hasMore: false } })
  })

  it('a deep page costs the same as the first: the query seeks the index, no sort, no scan', async () => {
    const t = await createTenant()
    await seedDevices(t, 3000)
    const { database } = await getApp()
    const { db, provider } = database
    const { seen } = await walk(t, 500)
    expect(seen).toHaveLength(3000)
    // the cursor of a page deep in the list (row 2000 of 3000)
    const cursor = { updatedAt: new Date(Date.UTC(2026, 0, 1) - 666), deviceId: 'd01999' }
    const deep = await rest('GET', '/device', {
      key: t.keys.read,
      query: { app_id: t.appId, limit: 5, cursor: `${cursor.updatedAt.toISOString()}|${cursor.deviceId}` },
    })
    expect(deep.body.data.map((d: any) => d.device_id)).toEqual(['d02000', 'd02001', 'd02002', 'd02003', 'd02004'])
    const limit = 51
    if (provider === 'sqlite') {
      for (const withCursor of [false, true]) {
        const plan = await db.$queryRawUnsafe<{ detail: string }[]>(
          `EXPLAIN QUERY PLAN ${deviceListSql(provider, withCursor)}`,
          ...deviceListParams(t.appId, limit, withCursor ? cursor : undefined),
        )
        const details = plan.map((p) => p.detail)
        expect(
          details.some((d) => /^SEARCH Device USING (COVERING )?INDEX Device_app_id_updated_at_device_id_idx/.test(d)),
          details.join('; '),
        ).toBe(true)
        if (withCursor) expect(details.join(' ')).toMatch(/updated_at<\?/) // the cursor is a range bound of the seek
        expect(
          details.some((d) => /TEMP B-TREE|^SCAN/.test(d)),
          details.join('; '),
        ).toBe(false)
      }
    } else {
      await db.$executeRawUnsafe('ANALYZE "Device"')
      const rowsRead: number[] = []
      for (const withCursor of [false, true]) {
        const [row] = await db.$queryRawUnsafe<{ 'QUERY PLAN': any }[]>(
          `EXPLAIN (ANALYZE, FORMAT JSON) ${deviceListSql(provider, withCursor)}`,
          ...deviceListParams(t.appId, limit, withCursor ? cursor : undefined),
        )
        const plan = row!['QUERY PLAN'][0].Plan
        const nodes: any[] = []
        const visit = (n: any) => {
          nodes.push(n)
          for (const c of n.Plans ?? []) visit(c)
        }
        visit(plan)
        const text = JSON.stringify(nodes.map((n) => n['Node Type']))
        expect(
          nodes.some((n) => n['Node Type'] === 'Sort' || n['Node Type'] === 'Seq Scan'),
          text,
        ).toBe(false)
        const scan = nodes.find((n) => /Index( Only)? Scan/.test(n['Node Type']))
        expect(scan?.['Index Name'], text).toBe('Device_app_id_updated_at_device_id_idx')
        rowsRead.push(scan['Actual Rows'] + (scan['Rows Removed by Filter'] ?? 0))
      }
      // the deep page reads as many index entries as the first (plus the cursor's own timestamp ties)
      expect(rowsRead[0]).toBe(limit)
      expect(rowsRead[1]).toBeLessThanOrEqual(limit + 3)
    }
  })

  it('POST sets a channel override on a device that never checked in; GET shows the channel', async () => {
    const t = await createTenant()
    await setChannel(t, 'beta')
    const future = uuidOf(`${t.appId}/future-device`)
    await setOverride(t, future.toUpperCase(), { channel: 'beta' })
    expect((await getDevice(t, future)).status).toBe(404) // no check-in yet
    const info = deviceInfo(t, { device_id: future })
    await checkIn(info)
    const one = await getDevice(t, future.toUpperCase())
    expect(one).toMatchObject({ status: 200, body: { device_id: future, channel: 'beta' } })
    const list = await rest('GET', '/device', { key: t.keys.read, query: { app_id: t.appId } })
    expect(list.body.data[0]).toMatchObject({ device_id: future, channel: 'beta' })
  })

  it('POST by bundle name, then by channel, keeps both; DELETE removes both but keeps the device', async () => {
    const t = await createTenant()
    const { database } = await getApp()
    await registerBundle(t, '1.0.1')
    await setChannel(t, 'beta')
    const info = deviceInfo(t)
    await checkIn(info)
    await setOverride(t, info.device_id, { version_id: '1.0.1' })
    await setOverride(t, info.device_id, { channel: 'beta' })
    const stored = await database.db.deviceOverride.findUniqueOrThrow({
      where: { app_id_device_id: { app_id: t.appId, device_id: info.device_id } },
      include: { version: true, channel: true },
    })
    expect([stored.version?.name, stored.channel?.name]).toEqual(['1.0.1', 'beta'])
    const del = await rest('DELETE', '/device', { key: t.keys.write, body: { app_id: t.appId, device_id: info.device_id } })
    expect(del).toMatchObject({ status: 200, body: { status: 'ok' } })
    expect(await database.db.deviceOverride.count({ where: { app_id: t.appId } })).toBe(0)
    expect((await getDevice(t, info.device_id)).status).toBe(200)
    // a device without overrides: DELETE is still ok
    expect((await rest('DELETE', '/device', { key: t.keys.write, query: { app_id: t.appId, device_id: info.device_id } })).status).toBe(200)
  })

  it('DELETE of an override-only device removes it', async () => {
    const t = await createTenant()
    await setChannel(t, 'beta')
    await setOverride(t, 'ghost', { channel: 'beta' })
    expect((await rest('DELETE', '/device', { key: t.keys.write, query: { app_id: t.appId, device_id: 'ghost' } })).status).toBe(200)
    expect((await rest('DELETE', '/device', { key: t.keys.write, query: { app_id: t.appId, device_id: 'ghost' } })).body).toMatchObject({
      error: 'device_not_found',
    })
  })

  it('works the same through tRPC', async () => {
    const t = await createTenant()
    await setChannel(t, 'beta')
    const trpcDev = uuidOf(`${t.appId}/trpc-dev`)
    await checkIn(deviceInfo(t, { device_id: trpcDev }))
    const caller = await trpc(t.keys.write)
    expect(await caller.device.setOverride({ app_id: t.appId, device_id: trpcDev, channel: 'beta' })).toEqual({ status: 'ok' })
    expect(await caller.device.get({ app_id: t.appId, device_id: trpcDev })).toMatchObject({ device_id: trpcDev, channel: 'beta' })
    const page = await caller.device.get({ app_id: t.appId, limit: 1 })
    expect(page).toMatchObject({ hasMore: false, data: [{ device_id: trpcDev }] })
    expect(await caller.device.deleteOverride({ app_id: t.appId, device_id: trpcDev })).toEqual({ status: 'ok' })
  })
})
