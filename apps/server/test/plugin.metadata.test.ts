// What devices report about themselves and what bundles carry for them (SPEC section 3 and the
// /bundle, /app, /device lines): key_id (stored, key_id_mismatch), expose_metadata with the
// bundle's link and comment, and the device's defaultChannel shown by GET /device.
import { describe, expect, it } from 'vitest'
import { bundleUrl, checkIn, deviceInfo, getDevice, registerBundle, setChannel, setOverride } from './device-helpers.ts'
import { createTenant, rest, trpc } from './harness.ts'

const KEY_A = 'MIIBCgKCAQEAxmP6e5Gm'
const KEY_B = 'MIIBCgKCAQEA9zQw1rTx'

describe('key_id', () => {
  it('a bundle encrypted for one key meets a device holding another: 200 key_id_mismatch (blocked)', async () => {
    const t = await createTenant()
    await registerBundle(t, '1.1.0', { key_id: KEY_A, session_key: 'iv:key' })
    await setChannel(t, 'production', { version: '1.1.0', public: true })
    const info = deviceInfo(t, { key_id: KEY_B })
    const res = await checkIn(info)
    expect(res).toMatchObject({
      status: 200,
      body: { error: 'key_id_mismatch', kind: 'blocked', version: '1.1.0', message: expect.any(String) },
    })
    // the same key, or no key reported (the plugin sends key_id only when it holds one): served
    expect((await checkIn({ ...info, key_id: KEY_A })).body).toMatchObject({ version: '1.1.0', session_key: 'iv:key' })
    expect((await checkIn(deviceInfo(t))).body).toMatchObject({ version: '1.1.0' })
    // plugins up to 8.40.7 sent a 4-character key_id: not compared (as Capgo)
    expect((await checkIn({ ...info, plugin_version: '8.40.7' })).body).toMatchObject({ version: '1.1.0' })
    // a device-level bundle override does not make a device able to decrypt
    await registerBundle(t, '1.2.0', { key_id: KEY_A })
    await setOverride(t, info.device_id, { version_id: '1.2.0' })
    expect((await checkIn(info)).body).toMatchObject({ error: 'key_id_mismatch', version: '1.2.0' })
  })

  it('is stored on the bundle (POST/GET /bundle) and on the device (GET /device), cleared when the device stops sending it', async () => {
    const t = await createTenant()
    const created = await rest('POST', '/bundle', {
      key: t.keys.upload,
      body: { app_id: t.appId, version: '1.1.0', external_url: bundleUrl('1.1.0'), checksum: 'c', key_id: KEY_A },
    })
    expect(created.body.bundle).toMatchObject({ key_id: KEY_A, link: null, comment: null })
    const list = await rest('GET', '/bundle', { key: t.keys.read, query: { app_id: t.appId } })
    expect(list.body[0]).toMatchObject({ name: '1.1.0', key_id: KEY_A })
    const info = deviceInfo(t, { key_id: KEY_B })
    await checkIn(info)
    expect((await getDevice(t, info.device_id)).body).toMatchObject({ key_id: KEY_B })
    const { key_id: _, ...withoutKey } = info
    await checkIn(withoutKey)
    expect((await getDevice(t, info.device_id)).body).toMatchObject({ key_id: null })
  })
})

describe('expose_metadata, link and comment', () => {
  it('/updates carries the bundle link and comment only when the app exposes metadata, and leaves out empty ones', async () => {
    const t = await createTenant()
    await registerBundle(t, '1.1.0', { link: 'https://example.com/notes/1.1.0', comment: 'Fixes login' })
    await registerBundle(t, '1.2.0', { comment: 'Only a comment' })
    await setChannel(t, 'production', { version: '1.1.0', public: true })
    const bundles = await rest('GET', '/bundle', { key: t.keys.read, query: { app_id: t.appId } })
    expect(bundles.body.find((b: { name: string }) => b.name === '1.1.0')).toMatchObject({
      link: 'https://example.com/notes/1.1.0',
      comment: 'Fixes login',
    })
    const app = await rest('GET', `/app/${t.appId}`, { key: t.keys.read })
    expect(app.body.expose_metadata).toBe(false)
    const info = deviceInfo(t)
    const hidden = await checkIn(info)
    expect(Object.keys(hidden.body).sort()).toEqual(['checksum', 'session_key', 'url', 'version'])

    const put = await rest('PUT', `/app/${t.appId}`, { key: t.keys.write, body: { expose_metadata: true } })
    expect(put).toMatchObject({ status: 200, body: { expose_metadata: true } })
    expect((await rest('GET', `/app/${t.appId}`, { key: t.keys.read })).body.expose_metadata).toBe(true)
    expect((await checkIn(info)).body).toEqual({
      version: '1.1.0',
      url: bundleUrl('1.1.0'),
      checksum: 'sum-1.1.0',
      session_key: '',
      link: 'https://example.com/notes/1.1.0',
      comment: 'Fixes login',
    })
    await setChannel(t, 'production', { version: '1.2.0' })
    const onlyComment = await checkIn(info)
    expect(onlyComment.body).toMatchObject({ version: '1.2.0', comment: 'Only a comment' })
    expect(onlyComment.body).not.toHaveProperty('link')
  })

  it('PUT /app expose_metadata through tRPC; a non-boolean is refused', async () => {
    const t = await createTenant()
    const caller = await trpc(t.keys.write)
    expect(await caller.app.update({ app_id: t.appId, expose_metadata: true } as never)).toMatchObject({ expose_metadata: true })
    const bad = await rest('PUT', `/app/${t.appId}`, { key: t.keys.write, body: { expose_metadata: 'yes' } })
    expect(bad).toMatchObject({ status: 400, body: { status: 'KO', error: 'invalid_input' } })
  })
})

describe("the device's defaultChannel", () => {
  it('is stored by /updates and shown by GET /device as default_channel; "" or none clears it', async () => {
    const t = await createTenant()
    await registerBundle(t, '1.1.0')
    await registerBundle(t, '1.2.0-beta.1')
    await setChannel(t, 'production', { version: '1.1.0', public: true })
    await setChannel(t, 'beta', { version: '1.2.0-beta.1', allow_device_self_set: true })
    const info = deviceInfo(t, { defaultChannel: 'beta' })
    expect((await checkIn(info)).body).toMatchObject({ version: '1.2.0-beta.1' })
    expect((await getDevice(t, info.device_id)).body).toMatchObject({ default_channel: 'beta' })
    const list = await rest('GET', '/device', { key: t.keys.read, query: { app_id: t.appId } })
    expect(list.body.data[0]).toMatchObject({ device_id: info.device_id, default_channel: 'beta' })
    expect((await checkIn({ ...info, defaultChannel: '' })).body).toMatchObject({ version: '1.1.0' })
    expect((await getDevice(t, info.device_id)).body).toMatchObject({ default_channel: null })
  })
})
