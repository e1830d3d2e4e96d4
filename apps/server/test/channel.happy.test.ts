import { describe, expect, it } from 'vitest'
import { createTenant, getApp, rest, trpc } from './harness.ts'

async function addBundle(appId: string, name: string, orgId: string) {
  const { database } = await getApp()
  return database.db.bundle.create({
    data: { app_id: appId, name, owner_org: orgId, external_url: `https://cdn.example.com/${name}.zip`, checksum: 'abc' },
  })
}

describe('/channel happy paths', () => {
  it('creates a channel with the documented defaults and reads it back', async () => {
    const t = await createTenant()
    const res = await rest('POST', '/channel', { key: t.keys.write, body: { app_id: t.appId, channel: 'production' } })
    expect(res).toMatchObject({ status: 200, body: { status: 'ok' } })
    const one = await rest('GET', '/channel', { key: t.keys.read, query: { app_id: t.appId, channel: 'production' } })
    expect(one.status).toBe(200)
    expect(one.body).toMatchObject({
      name: 'production',
      app_id: t.appId,
      version: null,
      created_by: t.owner.userId,
      public: false,
      disableAutoUpdateUnderNative: true,
      disableAutoUpdate: 'major',
      ios: true,
      android: true,
      allow_device_self_set: false,
      allow_emulator: true,
      allow_dev: true,
      allow_prod: true,
      allow_device: true,
    })
    expect(typeof one.body.id).toBe('number')
    expect(new Date(one.body.created_at).toISOString()).toBe(one.body.created_at)
  })

  it('upserts: a second POST updates the same row and keeps the version when left out', async () => {
    const t = await createTenant()
    const b = await addBundle(t.appId, '1.0.0', t.orgId)
    await rest('POST', '/channel', { key: t.keys.write, body: { app_id: t.appId, channel: 'beta', version: '1.0.0' } })
    await rest('POST', '/channel', {
      key: t.keys.write,
      body: { app_id: t.appId, channel: 'beta', disableAutoUpdate: 'minor', allow_emulator: false },
    })
    const list = await rest('GET', '/channel', { key: t.keys.read, query: { app_id: t.appId } })
    expect(list.body).toHaveLength(1)
    expect(list.body[0]).toMatchObject({
      name: 'beta',
      version: { id: b.id, name: '1.0.0' },
      disableAutoUpdate: 'minor',
      allow_emulator: false,
    })
  })

  it('lists channels oldest first, 50 a page, with page and limit', async () => {
    const t = await createTenant()
    for (let i = 0; i < 53; i++) await rest('POST', '/channel', { key: t.keys.write, body: { app_id: t.appId, channel: `c${i}` } })
    const p0 = await rest('GET', '/channel', { key: t.keys.read, query: { app_id: t.appId } })
    const p1 = await rest('GET', '/channel', { key: t.keys.read, query: { app_id: t.appId, page: 1 } })
    expect(p0.body).toHaveLength(50)
    expect(p0.body[0].name).toBe('c0')
    expect(p1.body.map((c: any) => c.name)).toEqual(['c50', 'c51', 'c52'])
    const small = await rest('GET', '/channel', { key: t.keys.read, query: { app_id: t.appId, page: 2, limit: 5 } })
    expect(small.body.map((c: any) => c.name)).toEqual(['c10', 'c11', 'c12', 'c13', 'c14'])
  })

  it('public:true demotes the other default channel of the same platform only', async () => {
    const t = await createTenant()
    const post = (body: object) => rest('POST', '/channel', { key: t.keys.write, body: { app_id: t.appId, ...body } })
    // electron defaults to true: these serve one platform each
    await post({ channel: 'ios-only', public: true, android: false, electron: false })
    await post({ channel: 'android-only', public: true, ios: false, electron: false })
    await post({ channel: 'both', public: false })
    const get = async () =>
      Object.fromEntries(
        (await rest('GET', '/channel', { key: t.keys.read, query: { app_id: t.appId } })).body.map((c: any) => [c.name, c.public]),
      )
    expect(await get()).toEqual({ 'ios-only': true, 'android-only': true, both: false })
    await post({ channel: 'ios2', public: true, android: false, electron: false })
    expect(await get()).toEqual({ 'ios-only': false, 'android-only': true, both: false, ios2: true })
    await post({ channel: 'desktop', public: true, ios: false, android: false })
    expect(await get()).toEqual({ 'ios-only': false, 'android-only': true, both: false, ios2: true, desktop: true })
    await post({ channel: 'both', public: true })
    expect(await get()).toEqual({ 'ios-only': false, 'android-only': false, both: true, ios2: false, desktop: false })
  })

  it('concurrent upserts of one channel make one row', async () => {
    const t = await createTenant()
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        rest('POST', '/channel', { key: t.keys.write, body: { app_id: t.appId, channel: 'race', allow_dev: i % 2 === 0 } }),
      ),
    )
    expect(results.map((r) => r.status)).toEqual(Array(20).fill(200))
    const list = await rest('GET', '/channel', { key: t.keys.read, query: { app_id: t.appId } })
    expect(list.body).toHaveLength(1)
  })

  it('concurrent public:true on several channels leaves exactly one default', async () => {
    const t = await createTenant()
    await Promise.all(
      ['a', 'b', 'c', 'd', 'e'].map((channel) =>
        rest('POST', '/channel', { key: t.keys.write, body: { app_id: t.appId, channel, public: true } }),
      ),
    )
    const list = await rest('GET', '/channel', { key: t.keys.read, query: { app_id: t.appId } })
    expect(list.body.filter((c: any) => c.public)).toHaveLength(1)
  })

  it('DELETE takes its fields from a JSON body or from the query, and removes overrides', async () => {
    const t = await createTenant()
    const { database } = await getApp()
    for (const channel of ['one', 'two']) await rest('POST', '/channel', { key: t.keys.write, body: { app_id: t.appId, channel } })
    const ch = await database.db.channel.findFirstOrThrow({ where: { app_id: t.appId, name: 'one' } })
    await database.db.deviceOverride.create({ data: { app_id: t.appId, device_id: 'dev-1', channel_id: ch.id } })
    const byBody = await rest('DELETE', '/channel', { key: t.keys.write, body: { app_id: t.appId, channel: 'one' } })
    expect(byBody).toMatchObject({ status: 200, body: { status: 'ok' } })
    expect(await database.db.deviceOverride.count({ where: { app_id: t.appId } })).toBe(0)
    const byQuery = await rest('DELETE', '/channel', { key: t.keys.write, query: { app_id: t.appId, channel: 'two' } })
    expect(byQuery).toMatchObject({ status: 200, body: { status: 'ok' } })
    const list = await rest('GET', '/channel', { key: t.keys.read, query: { app_id: t.appId } })
    expect(list.body).toEqual([])
  })

  it('works the same through tRPC', async () => {
    const t = await createTenant()
    const caller = await trpc(t.keys.write)
    await addBundle(t.appId, '2.0.0', t.orgId)
    expect(await caller.channel.upsert({ app_id: t.appId, channel: 'prod', version: '2.0.0', public: true })).toEqual({ status: 'ok' })
    const one = await caller.channel.get({ app_id: t.appId, channel: 'prod' })
    expect(one).toMatchObject({ name: 'prod', public: true, version: { name: '2.0.0' } })
    expect(await caller.channel.delete({ app_id: t.appId, channel: 'prod' })).toEqual({ status: 'ok' })
    expect(await caller.channel.get({ app_id: t.appId })).toEqual([])
  })

  it('accepts the key as Bearer, capgkey or x-api-key', async () => {
    const t = await createTenant()
    for (const headers of [{ authorization: `Bearer ${t.keys.read}` }, { capgkey: t.keys.read }, { 'x-api-key': t.keys.read }]) {
      const res = await rest('GET', '/channel', { headers, query: { app_id: t.appId } })
      expect(res.status).toBe(200)
    }
  })
})
