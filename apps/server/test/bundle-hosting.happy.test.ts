// Bundles hosted here, end to end on both stores, through real HTTP: POST /bundle → PUT the zip →
// POST /bundle/finalize → a channel → POST /updates → the device downloads what it was told.
import { storage } from '@capgo-api/api'
import { describe, expect, it, vi } from 'vitest'
import { createTenant, type Tenant } from './harness.ts'
import { type Hosting, makeZip, putBytes, STORE_KINDS, sha256, startHosting, uploadBundle } from './hosting-helpers.ts'

const today = () => new Date().toISOString().slice(0, 10)

describe.each(STORE_KINDS)('hosted bundles on the %s store', (kind) => {
  let h: Hosting
  const setup = async () => {
    h ??= await startHosting(kind)
    return { h, t: await createTenant({ database: h.database }) }
  }

  const stats = async (t: Tenant) => {
    const res = await h.call('GET', `/statistics/app/${t.appId}`, { key: t.keys.read, query: { from: today(), to: today() } })
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    return res.body[0] as { storage: number; bandwidth: number }
  }

  const upload = (t: Tenant, version: string, zip: Buffer, extra: Record<string, unknown> = {}) => uploadBundle(h, t, version, zip, extra)

  it('POST without external_url answers a pending bundle and a signed upload URL', async () => {
    const { t } = await setup()
    const before = Date.now()
    const res = await h.call('POST', '/bundle', { key: t.keys.upload, body: { app_id: t.appId, version: '1.0.0' } })
    expect(res.status).toBe(200)
    expect(res.body.bundle).toMatchObject({
      name: '1.0.0',
      status: 'pending',
      storage_provider: kind,
      external_url: null,
      checksum: null,
      storage_checksum: null,
      r2_path: null,
      deleted: false,
    })
    expect(res.body.upload.method).toBe('PUT')
    const expires = Date.parse(res.body.upload.expires_at)
    expect(expires).toBeGreaterThanOrEqual(before + 3600_000 - 2000)
    expect(expires).toBeLessThanOrEqual(Date.now() + 3600_000 + 1000)
    if (kind === 'disk') expect(res.body.upload.url.startsWith(`${h.base}/bundle/upload/${t.appId}/`)).toBe(true)
    else expect(res.body.upload.url).toMatch(/X-Amz-Signature=/)
    // listed, pending, counting nothing toward storage
    const list = await h.call('GET', '/bundle', { key: t.keys.read, query: { app_id: t.appId } })
    expect(list.body.map((b: { name: string; status: string }) => [b.name, b.status])).toEqual([['1.0.0', 'pending']])
    expect((await stats(t)).storage).toBe(0)
  })

  it('a pending bundle cannot go on a channel or a device override, and is never served', async () => {
    const { t } = await setup()
    await h.call('POST', '/bundle', { key: t.keys.upload, body: { app_id: t.appId, version: '1.0.0' } })
    const channel = await h.call('POST', '/channel', { key: t.keys.write, body: { app_id: t.appId, channel: 'prod', version: '1.0.0' } })
    expect(channel.status).toBe(409)
    expect(channel.body).toMatchObject({ status: 'KO', error: 'bundle_not_ready' })
    const override = await h.call('POST', '/device', {
      key: t.keys.write,
      body: { app_id: t.appId, device_id: 'a0d3c2b1-0000-4000-8000-000000000001', version_id: '1.0.0' },
    })
    expect(override.status).toBe(409)
    expect(override.body.error).toBe('bundle_not_ready')
  })

  it('upload, finalize, serve: the device downloads the bytes whose SHA-256 it was given', async () => {
    const { t } = await setup()
    const zip = await makeZip({ 'index.html': '<html>hello</html>', 'js/app.js': 'console.log(1)'.repeat(500) })
    const bundle = await upload(t, '1.2.0', zip, { size: zip.length })
    expect(bundle).toMatchObject({
      status: 'ready',
      size: zip.length,
      storage_checksum: sha256(zip),
      checksum: sha256(zip),
      storage_provider: kind,
      r2_path: `apps/${t.appId}/bundles/${bundle.id}.zip`,
    })
    expect((await stats(t)).storage).toBe(zip.length)
    // finalize again: the same answer, nothing counted twice
    const again = await h.call('POST', '/bundle/finalize', { key: t.keys.upload, body: { app_id: t.appId, version: '1.2.0' } })
    expect(again.body.bundle).toMatchObject({ status: 'ready', size: zip.length })
    expect((await stats(t)).storage).toBe(zip.length)

    expect(
      (await h.call('POST', '/channel', { key: t.keys.write, body: { app_id: t.appId, channel: 'prod', version: '1.2.0', public: true } }))
        .status,
    ).toBe(200)
    const device = 'a0d3c2b1-0000-4000-8000-0000000000aa'
    const info = {
      app_id: t.appId,
      device_id: device,
      platform: 'android',
      version_name: 'builtin',
      version_build: '1.0.0',
      plugin_version: '8.40.0',
    }
    const update = await h.call('POST', '/updates', { body: info })
    expect(update.status).toBe(200)
    expect(update.body).toMatchObject({ version: '1.2.0', checksum: sha256(zip), session_key: '' })
    if (kind === 'disk') expect(update.body.url.startsWith(`${h.base}/bundle/download/${t.appId}/${bundle.id}.zip?`)).toBe(true)
    else expect(update.body.url).toMatch(/X-Amz-Signature=/)

    // the device downloads it and checks its SHA-256, as the plugin does (CapgoUpdater.downloadBackground)
    const dl = await fetch(update.body.url)
    expect(dl.status).toBe(200)
    const bytes = Buffer.from(await dl.arrayBuffer())
    expect(sha256(bytes)).toBe(update.body.checksum)
    if (kind === 'disk') {
      expect(dl.headers.get('content-length')).toBe(String(zip.length))
      expect(dl.headers.get('etag')).toBe(`"${sha256(zip)}"`)
      expect(dl.headers.get('accept-ranges')).toBe('bytes')
      // bytes this server sent count toward the day's bandwidth
      await vi.waitFor(async () => expect((await stats(t)).bandwidth).toBe(zip.length), { timeout: 10_000, interval: 50 })
    }
    const stat = await h.call('POST', '/stats', { body: { ...info, action: 'download_complete', version_name: '1.2.0' } })
    expect(stat.status).toBe(200)
    // S3 downloads are counted from download_complete; disk ones were counted as sent (not twice)
    await h.services.bandwidth.settled()
    expect((await stats(t)).bandwidth).toBe(zip.length)
  })

  it('an index.html inside one top-level folder is a bundle too; an encrypted bundle keeps its checksum', async () => {
    const { t } = await setup()
    const nested = await makeZip({ 'dist/index.html': '<html></html>', 'dist/a.js': 'a' })
    expect(await upload(t, '2.0.0', nested)).toMatchObject({ status: 'ready', size: nested.length })
    const encrypted = Buffer.from('not a zip: AES-encrypted bytes '.repeat(40))
    const bundle = await upload(t, '2.0.1', encrypted, { session_key: 'iv:key', checksum: 'signed-checksum-from-the-cli' })
    expect(bundle).toMatchObject({
      status: 'ready',
      checksum: 'signed-checksum-from-the-cli',
      storage_checksum: sha256(encrypted),
      session_key: 'iv:key',
      size: encrypted.length,
    })
  })

  it('POST again for a pending version hands out a new upload URL', async () => {
    const { t } = await setup()
    const first = await h.call('POST', '/bundle', { key: t.keys.upload, body: { app_id: t.appId, version: '3.0.0' } })
    const second = await h.call('POST', '/bundle', { key: t.keys.upload, body: { app_id: t.appId, version: '3.0.0' } })
    expect(second.status).toBe(200)
    expect(second.body.bundle.id).toBe(first.body.bundle.id)
    const zip = await makeZip({ 'index.html': 'x' })
    if (kind === 'disk') {
      expect(second.body.upload.url).not.toBe(first.body.upload.url)
      expect((await putBytes(first.body.upload.url, zip)).body.error).toBe('upload_url_used')
    }
    expect((await putBytes(second.body.upload.url, zip)).status).toBe(200)
    const done = await h.call('POST', '/bundle/finalize', { key: t.keys.upload, body: { app_id: t.appId, version: '3.0.0' } })
    expect(done.body.bundle.status).toBe('ready')
    // once ready, the name is taken
    const third = await h.call('POST', '/bundle', { key: t.keys.upload, body: { app_id: t.appId, version: '3.0.0' } })
    expect(third.status).toBe(409)
    expect(third.body.error).toBe('version_already_exists')
  })

  it('deleting a bundle removes its bytes and its storage; deleting the app removes every object', async () => {
    const { t } = await setup()
    const zip = await makeZip({ 'index.html': 'v1' })
    const a = await upload(t, '1.0.0', zip)
    const b = await upload(t, '1.0.1', zip)
    await h.call('POST', '/bundle', { key: t.keys.upload, body: { app_id: t.appId, version: '1.0.2' } }) // pending
    // with the zips, their one file stored by SHA-256 (partial updates), shared by both
    const file = storage.fileKey(t.appId, sha256(Buffer.from('v1')))
    expect(await h.services.storage.list(`apps/${t.appId}/`)).toEqual([a.r2_path, b.r2_path, file].sort())
    expect((await stats(t)).storage).toBe(2 * zip.length)
    const del = await h.call('DELETE', '/bundle', { key: t.keys.write, query: { app_id: t.appId, version: '1.0.0' } })
    expect(del.status).toBe(200)
    expect(await h.services.storage.list(`apps/${t.appId}/`)).toEqual([b.r2_path, file].sort())
    expect((await stats(t)).storage).toBe(zip.length)
    // the pending one goes without changing storage (it never counted)
    await h.call('DELETE', '/bundle', { key: t.keys.write, query: { app_id: t.appId, version: '1.0.2' } })
    expect((await stats(t)).storage).toBe(zip.length)
    const gone = await h.call('DELETE', `/app/${t.appId}`, { key: t.keys.all })
    expect(gone.status).toBe(200)
    expect(await h.services.storage.list(`apps/${t.appId}/`)).toEqual([])
  })
})
