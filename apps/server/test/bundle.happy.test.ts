import { describe, expect, it } from 'vitest'
import { bundleUrl, registerBundle, setChannel, setOverride } from './device-helpers.ts'
import { createTenant, getApp, rest, type Tenant, trpc } from './harness.ts'

const names = async (t: Tenant, path = '/bundle', query: Record<string, unknown> = {}) =>
  (await rest('GET', path, { key: t.keys.read, query: { app_id: t.appId, ...query } as never })).body.map((b: any) => b.name)

const storage = async (t: Tenant) => {
  const { database } = await getApp()
  const rows = await database.db.dailyStat.findMany({ where: { app_id: t.appId } })
  return rows.reduce((s, r) => s + Number(r.storage_delta), 0)
}

describe('/bundle happy paths', () => {
  it('POST registers an external bundle and answers it', async () => {
    const t = await createTenant()
    const res = await rest('POST', '/bundle', {
      key: t.keys.upload,
      body: {
        app_id: t.appId,
        version: '1.2.3',
        external_url: 'https://cdn.example.com/a.zip',
        checksum: 'abc123',
        size: 4096,
        session_key: 'iv:k',
        minUpdateVersion: '1.0.0',
      },
    })
    expect(res.status).toBe(200)
    expect(res.body.status).toBe('ok')
    expect(res.body.bundle).toMatchObject({
      app_id: t.appId,
      name: '1.2.3',
      checksum: 'abc123',
      deleted: false,
      external_url: 'https://cdn.example.com/a.zip',
      minUpdateVersion: '1.0.0',
      native_packages: null,
      owner_org: t.orgId,
      r2_path: null,
      session_key: 'iv:k',
      storage_provider: 'external',
      size: 4096,
      user_id: t.owner.userId,
      bucket_id: null,
    })
    expect(typeof res.body.bundle.id).toBe('number')
    expect(new Date(res.body.bundle.created_at).toISOString()).toBe(res.body.bundle.created_at)
    expect(await storage(t)).toBe(4096)
  })

  it('GET lists bundles that are not deleted, newest first, with page and limit', async () => {
    const t = await createTenant()
    expect(await names(t)).toEqual([])
    for (const v of ['1.0.0', '1.0.1', '1.0.2', '1.1.0']) await registerBundle(t, v)
    expect(await names(t)).toEqual(['1.1.0', '1.0.2', '1.0.1', '1.0.0'])
    expect(await names(t, '/bundle', { page: 1, limit: 3 })).toEqual(['1.0.0'])
    await rest('DELETE', '/bundle', { key: t.keys.write, query: { app_id: t.appId, version: '1.0.1' } })
    expect(await names(t)).toEqual(['1.1.0', '1.0.2', '1.0.0'])
  })

  it('DELETE of one bundle soft-deletes it and frees its storage', async () => {
    const t = await createTenant()
    await registerBundle(t, '1.0.0', { size: 1000 })
    await registerBundle(t, '1.0.1', { size: 500 })
    const res = await rest('DELETE', '/bundle', { key: t.keys.write, body: { app_id: t.appId, version: '1.0.0' } })
    expect(res).toMatchObject({ status: 200, body: { status: 'ok' } })
    const { database } = await getApp()
    const row = await database.db.bundle.findFirstOrThrow({ where: { app_id: t.appId, name: '1.0.0' } })
    expect(row.deleted).toBe(true)
    expect(await storage(t)).toBe(500)
  })

  it('DELETE without version removes every bundle nothing uses and keeps those in use', async () => {
    const t = await createTenant()
    for (const [v, size] of [
      ['1.0.0', 1],
      ['1.0.1', 10],
      ['1.0.2', 100],
      ['1.0.3', 1000],
    ] as const)
      await registerBundle(t, v, { size })
    await setChannel(t, 'production', { version: '1.0.1' })
    await setOverride(t, 'pinned', { version_id: '1.0.2' })
    const res = await rest('DELETE', '/bundle', { key: t.keys.write, query: { app_id: t.appId } })
    expect(res).toMatchObject({ status: 200, body: { status: 'ok' } })
    expect(await names(t)).toEqual(['1.0.2', '1.0.1'])
    expect(await storage(t)).toBe(110)
    // a second run has nothing left to delete
    expect((await rest('DELETE', '/bundle', { key: t.keys.write, query: { app_id: t.appId } })).status).toBe(200)
    expect(await storage(t)).toBe(110)
  })

  it('/versions is an alias: GET lists, DELETE {app_id} deletes all unused', async () => {
    const t = await createTenant()
    await registerBundle(t, '2.0.0')
    await registerBundle(t, '2.0.1')
    await setChannel(t, 'production', { version: '2.0.1' })
    const list = await rest('GET', '/versions', { key: t.keys.read, query: { app_id: t.appId } })
    expect(list.status).toBe(200)
    expect(list.body.map((b: any) => b.name)).toEqual(['2.0.1', '2.0.0'])
    expect(list.body[0]).toMatchObject({ external_url: bundleUrl('2.0.1'), deleted: false })
    expect((await rest('DELETE', '/versions', { key: t.keys.write, body: { app_id: t.appId } })).status).toBe(200)
    expect(await names(t, '/versions')).toEqual(['2.0.1'])
  })

  it('works the same through tRPC', async () => {
    const t = await createTenant()
    const caller = await trpc(t.keys.write)
    const created = await caller.bundle.create({
      app_id: t.appId,
      version: '3.0.0',
      external_url: 'https://x.example.com/3.zip',
      checksum: 'c',
    })
    expect(created).toMatchObject({ status: 'ok', bundle: { name: '3.0.0', size: 0 } })
    expect((await caller.bundle.get({ app_id: t.appId })).map((b) => b.name)).toEqual(['3.0.0'])
    expect(await caller.bundle.delete({ app_id: t.appId, version: '3.0.0' })).toEqual({ status: 'ok' })
    expect(await caller.versions.get({ app_id: t.appId })).toEqual([])
  })
})
