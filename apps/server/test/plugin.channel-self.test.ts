// /channel_self as the 8.x plugin uses it (CapgoUpdater.java setChannel / getChannel / listChannels /
// unsetChannel): the device keeps its chosen channel and sends it back as defaultChannel, so the
// server validates and answers, and stores nothing (SPEC section 3).
import fs from 'node:fs'
import { describe, expect, it } from 'vitest'
import { checkIn, deviceInfo, type Info, registerBundle, setChannel, setOverride } from './device-helpers.ts'
import { appRows, createTenant, getApp, isolatedDatabase, rest, trpc, trpcError } from './harness.ts'
import { uuidOf } from './uuid.ts'

/** An app with a public production channel (1.1.0), a self-settable beta (1.2.0-beta.1), a locked qa, an android-only beta. */
async function arrange() {
  const t = await createTenant()
  await registerBundle(t, '1.1.0')
  await registerBundle(t, '1.2.0-beta.1')
  await setChannel(t, 'production', { version: '1.1.0', public: true })
  await setChannel(t, 'beta', { version: '1.2.0-beta.1', allow_device_self_set: true })
  await setChannel(t, 'qa', { version: '1.2.0-beta.1' })
  await setChannel(t, 'beta-android', { version: '1.2.0-beta.1', allow_device_self_set: true, ios: false })
  return t
}

const post = (info: Info, channel?: string) =>
  rest('POST', '/channel_self', { body: { ...info, ...(channel !== undefined ? { channel } : {}) } })
const put = (info: Info) => rest('PUT', '/channel_self', { body: info })

describe('POST /channel_self validates the choice and stores nothing', () => {
  it('ok for a self-settable channel, unset for the public one, HTTP 200 errors otherwise', async () => {
    const t = await arrange()
    const info = deviceInfo(t)
    const { database } = await getApp()
    await checkIn(info)
    const before = await appRows(database, t.appId)
    expect(await post(info, 'beta')).toMatchObject({ status: 200, body: { status: 'ok' } })
    expect((await post(info, 'beta')).body).toEqual({ status: 'ok' })
    expect((await post(info, 'production')).body).toEqual({ status: 'ok', unset: true })
    for (const [channel, error] of [
      ['qa', 'channel_self_set_not_allowed'],
      ['beta-android', 'channel_self_set_not_allowed'], // does not serve ios
      ['nope', 'channel_not_found'],
      ['', 'missing_channel'],
      [undefined, 'missing_channel'],
    ] as const) {
      const res = await post(info, channel)
      expect(res.status, String(channel)).toBe(200)
      expect(res.body, String(channel)).toEqual({ error, message: expect.any(String) })
    }
    expect(await appRows(database, t.appId)).toEqual(before)
    expect((await post({ ...info, app_id: 'com.nobody.here' }, 'beta')).body).toMatchObject({ error: 'app_not_found' })
  })

  it('the device keeps its choice: /updates serves it from defaultChannel, and leaving is sending no defaultChannel', async () => {
    const t = await arrange()
    const info = deviceInfo(t)
    expect((await checkIn(info)).body).toMatchObject({ version: '1.1.0' })
    expect((await post(info, 'beta')).body).toEqual({ status: 'ok' })
    // what the plugin does next: it persists "beta" and sends it as defaultChannel
    const chosen = { ...info, defaultChannel: 'beta' }
    expect((await checkIn(chosen)).body).toMatchObject({ version: '1.2.0-beta.1' })
    expect((await put(chosen)).body).toEqual({ channel: 'beta', status: 'default' })
    // unsetChannel sends nothing and reverts to the config's defaultChannel (none here)
    expect((await checkIn(info)).body).toMatchObject({ version: '1.1.0' })
    expect((await put(info)).body).toEqual({ channel: 'production', status: 'default' })
    const { database } = await getApp()
    expect(await database.db.deviceOverride.count({ where: { app_id: t.appId } })).toBe(0)
  })
})

describe('PUT /channel_self answers the device channel', () => {
  it("an operator's override wins; a usable defaultChannel next; else the public channel; else HTTP 400 channel_not_found", async () => {
    const t = await arrange()
    const info = deviceInfo(t)
    expect((await put({ ...info, defaultChannel: 'beta' })).body).toEqual({ channel: 'beta', status: 'default' })
    // not usable: locked, or not serving the platform, or unknown → the public channel
    for (const defaultChannel of ['qa', 'beta-android', 'nope', ''])
      expect((await put({ ...info, defaultChannel })).body, defaultChannel).toEqual({ channel: 'production', status: 'default' })
    await setOverride(t, info.device_id, { channel: 'qa' })
    expect((await put({ ...info, defaultChannel: 'beta' })).body).toEqual({ channel: 'qa', status: 'override', allowSet: false })

    const bare = await createTenant()
    const res = await put({ ...deviceInfo(bare), defaultChannel: 'x' })
    expect(res).toMatchObject({ status: 400, body: { status: 'KO', error: 'channel_not_found' } })
    expect((await put({ ...info, app_id: 'com.nobody.here' })).body).toMatchObject({ error: 'app_not_found' })
  })

  it('the same through tRPC', async () => {
    const t = await arrange()
    const caller = await trpc()
    const info = deviceInfo(t)
    expect(await caller.plugin.channelSelfGet({ ...info, defaultChannel: 'beta' } as never)).toEqual({ channel: 'beta', status: 'default' })
    expect(await caller.plugin.channelSelfSet({ ...info, channel: 'production' } as never)).toEqual({ status: 'ok', unset: true })
    const bare = await createTenant()
    expect(await trpcError(() => caller.plugin.channelSelfGet(deviceInfo(bare) as never))).toMatchObject({
      code: 'BAD_REQUEST',
      status: 400,
      error: 'channel_not_found',
    })
  })
})

describe('GET and DELETE /channel_self', () => {
  it('GET: a bare array of the channels serving the platform that are public or self-settable', async () => {
    const t = await arrange()
    const list = async (info: Info) => {
      const res = await rest('GET', '/channel_self', { query: { ...info } as never })
      expect(res.status).toBe(200)
      return res.body as { id: number; name: string; public: boolean; allow_self_set: boolean }[]
    }
    const ios = await list(deviceInfo(t))
    expect(ios.map((c) => c.name)).toEqual(['production', 'beta'])
    expect(ios[0]).toEqual({ id: expect.any(Number), name: 'production', public: true, allow_self_set: false })
    expect(ios[1]).toMatchObject({ name: 'beta', public: false, allow_self_set: true })
    expect((await list(deviceInfo(t, { platform: 'android' }))).map((c) => c.name)).toEqual(['production', 'beta', 'beta-android'])
    // and the device's build: a channel that would refuse it is no choice (as Capgo)
    await setChannel(t, 'beta', { allow_emulator: false })
    await setChannel(t, 'production', { allow_dev: false })
    expect((await list(deviceInfo(t, { is_emulator: true }))).map((c) => c.name)).toEqual(['production'])
    expect((await list(deviceInfo(t, { is_prod: false }))).map((c) => c.name)).toEqual(['beta'])
    const unknown = await rest('GET', '/channel_self', { query: { ...deviceInfo(t), app_id: 'com.nobody.here' } as never })
    expect(unknown).toMatchObject({ status: 200, body: { error: 'app_not_found' } })
  })

  it('DELETE: 200 {status:"ok"}, info object as query or body; an operator override stays', async () => {
    const t = await arrange()
    const info = deviceInfo(t)
    await setOverride(t, info.device_id, { channel: 'qa' })
    expect(await rest('DELETE', '/channel_self', { query: { ...info } as never })).toMatchObject({ status: 200, body: { status: 'ok' } })
    expect(await rest('DELETE', '/channel_self', { body: info })).toMatchObject({ status: 200, body: { status: 'ok' } })
    expect((await put(info)).body).toMatchObject({ channel: 'qa', status: 'override' })
  })
})

describe('the data migration', () => {
  it('self-set overrides (channels that allow self-set) lose their channel part; operator pins and bundle overrides stay', async () => {
    // the data statements of prisma/*/migrations/20261201110000_plugin13_device_metadata, on a database of their own
    const { database } = await isolatedDatabase()
    const { db } = database
    const t = await createTenant({ database })
    const channel = (name: string, allow_device_self_set: boolean) =>
      db.channel.create({ data: { app_id: t.appId, name, created_by: t.owner.userId, allow_device_self_set } })
    const [beta, qa] = [await channel('beta', true), await channel('qa', false)]
    const org = (await db.app.findUniqueOrThrow({ where: { app_id: t.appId } })).owner_org
    const bundle = await db.bundle.create({ data: { app_id: t.appId, name: '1.1.0', owner_org: org } })
    const [a, b, c] = [uuidOf('a'), uuidOf('b'), uuidOf('c')]
    await db.deviceOverride.createMany({
      data: [
        { app_id: t.appId, device_id: a, channel_id: beta.id },
        { app_id: t.appId, device_id: b, channel_id: beta.id, version_id: bundle.id },
        { app_id: t.appId, device_id: c, channel_id: qa.id },
      ],
    })
    const folder = database.provider === 'sqlite' ? 'sqlite' : 'postgres'
    const sql = fs.readFileSync(
      new URL(`../../../prisma/${folder}/migrations/20261201110000_plugin13_device_metadata/migration.sql`, import.meta.url),
      'utf8',
    )
    const statements = sql
      .slice(sql.indexOf('-- Data:'))
      .split('\n')
      .filter((l) => !l.startsWith('--'))
      .join('\n')
      .split(';')
      .map((x) => x.trim())
      .filter(Boolean)
    expect(statements).toHaveLength(2)
    for (const statement of statements) await db.$executeRawUnsafe(statement)
    const byDevice = new Map((await db.deviceOverride.findMany({ where: { app_id: t.appId } })).map((r) => [r.device_id, r]))
    expect(byDevice.has(a)).toBe(false)
    expect(byDevice.get(b)).toMatchObject({ channel_id: null, version_id: bundle.id })
    expect(byDevice.get(c)).toMatchObject({ channel_id: qa.id, version_id: null })
  })
})
