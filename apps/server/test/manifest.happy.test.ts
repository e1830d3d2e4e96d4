// Partial (manifest) updates end to end, on both stores, through real HTTP: hosted bundles are
// uploaded and finalized (their files stored by SHA-256), POST /updates lists the files of an app
// with `manifest: true`, and a device modelled on the 8.x plugin (manifest-helpers.ts) fetches only
// the files it lacks. Also POST /updates/manifest_size, the file URLs, and deletion.
import { randomUUID } from 'node:crypto'
import { storage } from '@capgo-api/api'
import { describe, expect, it, vi } from 'vitest'
import { createTenant, type Tenant } from './harness.ts'
import { type Hosting, STORE_KINDS, startHosting, uploadBundle } from './hosting-helpers.ts'
import { ManifestDevice, type ManifestEntry, sha256, webBundle, zipOf } from './manifest-helpers.ts'

const today = () => new Date().toISOString().slice(0, 10)

describe.each(STORE_KINDS)('partial updates on the %s store', (kind) => {
  let h: Hosting
  const setup = async (opts: { manifest?: boolean } = {}) => {
    h ??= await startHosting(kind)
    const t = await createTenant({ database: h.database })
    if (opts.manifest !== false) {
      const put = await h.call('PUT', `/app/${t.appId}`, { key: t.keys.write, body: { manifest: true } })
      expect(put.status, JSON.stringify(put.body)).toBe(200)
    }
    return t
  }

  const upload = async (t: Tenant, version: string, zip: Buffer, extra: Record<string, unknown> = {}) =>
    (await uploadBundle(h, t, version, zip, extra)) as { id: number; name: string; size: number }

  const onChannel = async (t: Tenant, version: string) => {
    const res = await h.call('POST', '/channel', { key: t.keys.write, body: { app_id: t.appId, channel: 'prod', version, public: true } })
    expect(res.status, JSON.stringify(res.body)).toBe(200)
  }

  const check = async (t: Tenant, deviceId = randomUUID(), versionName = 'builtin') => {
    const res = await h.call('POST', '/updates', {
      body: {
        app_id: t.appId,
        device_id: deviceId,
        platform: 'android',
        version_name: versionName,
        version_build: '1.0.0',
        plugin_version: '8.51.23',
        is_emulator: false,
        is_prod: true,
      },
    })
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    return res.body as { version: string; url: string; checksum: string; session_key: string; manifest?: ManifestEntry[] }
  }

  const stored = async (t: Tenant, hash: string) => !!(await h.services.storage.head(storage.fileKey(t.appId, hash)))

  it('PUT /app manifest turns it on; /updates then lists every file (root folder stripped), each URL serving its bytes', async () => {
    const t = await setup({ manifest: false })
    const got = await h.call('GET', `/app/${t.appId}`, { key: t.keys.read })
    expect(got.body.manifest).toBe(false)
    const files = {
      'index.html': '<html>v1</html>',
      'js/app.js': 'console.log(1)'.repeat(300),
      'img/logo.png': Buffer.from([1, 2, 3, 0, 255]),
    }
    const zip = await zipOf(files, 'www/')
    await upload(t, '1.0.1', zip)
    await onChannel(t, '1.0.1')
    const off = await check(t)
    expect(off.version).toBe('1.0.1')
    expect(off).not.toHaveProperty('manifest')

    const put = await h.call('PUT', `/app/${t.appId}`, { key: t.keys.write, body: { manifest: true } })
    expect(put.body.manifest).toBe(true)
    expect((await h.call('GET', `/app/${t.appId}`, { key: t.keys.read })).body.manifest).toBe(true)

    const on = await check(t)
    // the zip stays available (the plugin reads `url` and `checksum` either way)
    expect(on).toMatchObject({ version: '1.0.1', checksum: sha256(zip) })
    expect(on.url).toBeTruthy()
    const manifest = on.manifest!
    expect(manifest.map((e) => [e.file_name, e.file_hash]).sort()).toEqual(
      Object.entries(files)
        .map(([n, b]) => [n, sha256(Buffer.from(b))])
        .sort(),
    )
    for (const e of manifest) {
      const res = await fetch(e.download_url)
      expect(res.status).toBe(200)
      expect(sha256(Buffer.from(await res.arrayBuffer()))).toBe(e.file_hash)
    }
  })

  it('a device holding most files fetches only the changed one (1 of 200, 1 of 50 on s3rver) and ends up with the new bundle', async () => {
    const t = await setup()
    const count = kind === 'disk' ? 200 : 50 // s3rver is slow with hundreds of objects; the logic is the same
    const v1 = webBundle('v1', count)
    const v2 = { ...v1, 'assets/js/1.js': Buffer.from(`console.log("v2");${'x'.repeat(4000)}`) }
    const zip1 = await zipOf(v1)
    const zip2 = await zipOf(v2)
    await upload(t, '1.0.0', zip1)
    await upload(t, '1.1.0', zip2)
    await onChannel(t, '1.1.0')

    // the device runs 1.0.0 as its builtin bundle (files/public)
    const device = new ManifestDevice(v1)
    const answer = await check(t)
    expect(answer.manifest).toHaveLength(count)
    expect(device.missing(answer.manifest!).map((e) => e.file_name)).toEqual(['assets/js/1.js'])
    const files = await device.download(answer.manifest!)
    expect(device.fetched).toHaveLength(1)
    expect(device.bytesDownloaded).toBe(v2['assets/js/1.js'].length)
    expect(device.bytesDownloaded / zip2.length).toBeLessThanOrEqual(0.05)
    // the bundle it assembled is the new zip's content, file for file
    expect([...files.keys()].sort()).toEqual(Object.keys(v2).sort())
    for (const [name, body] of files) expect(body.equals(v2[name as keyof typeof v2]!)).toBe(true)

    // a fresh device (nothing of the app) fetches every file
    const fresh = new ManifestDevice()
    await fresh.download((await check(t)).manifest!)
    expect(fresh.fetched).toHaveLength(count)
  }, 60_000)

  it('POST /updates/manifest_size: sizes of the files a device lacks, as the plugin asks them', async () => {
    const t = await setup()
    const files = { 'index.html': '<html>size</html>', 'a.js': 'a'.repeat(1234), 'b.css': 'b'.repeat(567) }
    await upload(t, '1.2.0', await zipOf(files))
    await onChannel(t, '1.2.0')
    const { manifest } = await check(t)
    const a = manifest!.find((e) => e.file_name === 'a.js')!
    const b = manifest!.find((e) => e.file_name === 'b.css')!
    const unknown = { file_name: 'c.js', file_hash: 'f'.repeat(64), download_url: 'https://example.com/c' }
    // CapgoUpdater.getBundleDownloadSize: the info object, version, and the missing entries
    const sizeOf = (ask: { version?: string; manifest: unknown[] }) =>
      h.call('POST', '/updates/manifest_size', {
        body: {
          app_id: t.appId,
          device_id: randomUUID(),
          platform: 'ios',
          version_name: 'builtin',
          version_build: '1.0.0',
          plugin_version: '8.51.23',
          ...ask,
        },
      })
    const res = await sizeOf({ version: '1.2.0', manifest: [a, b, a, unknown, { file_name: 'no-hash.js' }] })
    expect(res.status).toBe(200)
    expect(res.body).toEqual({
      totalSize: 1234 + 567,
      knownFiles: 2,
      unknownFiles: 1,
      files: [
        { ...a, size: 1234 },
        { ...b, size: 567 },
        { ...unknown, error: 'size_unknown' },
      ],
    })
    const empty = await sizeOf({ manifest: [] })
    expect(empty.body).toEqual({ totalSize: 0, knownFiles: 0, unknownFiles: 0, files: [] })
  })

  it('files shared by bundles are stored once; deleting a bundle removes only the files no other bundle uses', async () => {
    const t = await setup()
    const shared = 'shared'.repeat(500)
    const v1 = { 'index.html': '<html>1</html>', 'shared.js': shared, 'only1.js': 'one'.repeat(100) }
    const v2 = { 'index.html': '<html>2</html>', 'lib/shared.js': shared, 'only2.js': 'two'.repeat(100) }
    await upload(t, '1.0.0', await zipOf(v1))
    await upload(t, '1.0.1', await zipOf(v2))
    const hash = (s: string) => sha256(Buffer.from(s))
    for (const f of [shared, v1['only1.js'], v2['only2.js'], v1['index.html'], v2['index.html']])
      expect(await stored(t, hash(f))).toBe(true)

    const del = await h.call('DELETE', '/bundle', { key: t.keys.write, body: { app_id: t.appId, version: '1.0.0' } })
    expect(del.status, JSON.stringify(del.body)).toBe(200)
    expect(await stored(t, hash(v1['only1.js']))).toBe(false)
    expect(await stored(t, hash(v1['index.html']))).toBe(false)
    expect(await stored(t, hash(shared))).toBe(true)
    // the remaining bundle is still served whole, file by file
    await onChannel(t, '1.0.1')
    const files = await new ManifestDevice().download((await check(t)).manifest!)
    expect(files.get('lib/shared.js')?.toString()).toBe(shared)

    const channelOff = await h.call('DELETE', '/channel', { key: t.keys.write, body: { app_id: t.appId, channel: 'prod' } })
    expect(channelOff.status).toBe(200)
    expect((await h.call('DELETE', '/bundle', { key: t.keys.write, body: { app_id: t.appId, version: '1.0.1' } })).status).toBe(200)
    for (const f of [shared, v2['only2.js'], v2['index.html']]) expect(await stored(t, hash(f))).toBe(false)
  })

  it('deleting the app removes its files with everything else', async () => {
    const t = await setup()
    const files = { 'index.html': '<html>gone</html>', 'x.js': 'x'.repeat(999) }
    await upload(t, '1.0.0', await zipOf(files))
    expect(await stored(t, sha256(Buffer.from(files['x.js'])))).toBe(true)
    const del = await h.call('DELETE', `/app/${t.appId}`, { key: t.keys.all })
    expect(del.status, JSON.stringify(del.body)).toBe(200)
    expect(await stored(t, sha256(Buffer.from(files['x.js'])))).toBe(false)
    expect(await stored(t, sha256(Buffer.from(files['index.html'])))).toBe(false)
  })

  it('no manifest for an encrypted bundle (served as a zip only)', async () => {
    const t = await setup()
    const bytes = Buffer.from('not a zip: encrypted bytes'.repeat(20))
    await upload(t, '1.3.0', bytes, { session_key: 'aa:bb', checksum: 'signed-checksum' })
    await onChannel(t, '1.3.0')
    const answer = await check(t)
    expect(answer).toMatchObject({ version: '1.3.0', checksum: 'signed-checksum', session_key: 'aa:bb' })
    expect(answer).not.toHaveProperty('manifest')
  })

  // (S3 file URLs are presigned GETs of the store, fetched in the tests above)
  if (kind === 'disk')
    it('file URLs: HEAD, Range (206, 416), a tampered or expired signature (403), bandwidth counted', async () => {
      const t = await setup()
      const body = 'r'.repeat(1000)
      await upload(t, '1.0.2', await zipOf({ 'index.html': '<html>r</html>', 'r.js': body }))
      await onChannel(t, '1.0.2')
      const entry = (await check(t)).manifest!.find((e) => e.file_name === 'r.js')!
      const head = await fetch(entry.download_url, { method: 'HEAD' })
      expect(head.status).toBe(200)
      expect(head.headers.get('content-length')).toBe('1000')
      expect(head.headers.get('etag')).toBe(`"${entry.file_hash}"`)
      expect(head.headers.get('accept-ranges')).toBe('bytes')
      // the plugin resumes a cut file from where its partial file ends (DownloadService.downloadAndVerify)
      const part = await fetch(entry.download_url, { headers: { range: 'bytes=990-' } })
      expect(part.status).toBe(206)
      expect(part.headers.get('content-range')).toBe('bytes 990-999/1000')
      expect(await part.text()).toBe('r'.repeat(10))
      const beyond = await fetch(entry.download_url, { headers: { range: 'bytes=1000-' } })
      expect(beyond.status).toBe(416)
      await beyond.text()

      const url = new URL(entry.download_url)
      for (const [k, v] of [
        ['s', `${url.searchParams.get('s')!.slice(0, -2)}AA`],
        ['d', randomUUID()],
        ['b', String(Number(url.searchParams.get('b')) + 1)],
        ['e', String(Math.floor(Date.now() / 1000) - 10)],
      ] as const) {
        const bad = new URL(url)
        bad.searchParams.set(k, v)
        const res = await fetch(bad)
        expect(res.status, k).toBe(403)
        expect(await res.json()).toMatchObject({ status: 'KO', error: 'invalid_signature' })
      }
      const other = new URL(url)
      other.pathname = other.pathname.replace(entry.file_hash, sha256(Buffer.from('index.html')))
      expect((await fetch(other)).status).toBe(403)

      // bytes sent count toward the day's bandwidth: the 10 of the range above, then the whole file
      expect(await (await fetch(entry.download_url)).text()).toBe(body)
      const bandwidth = async () =>
        (await h.call('GET', `/statistics/app/${t.appId}`, { key: t.keys.read, query: { from: today(), to: today() } })).body[0].bandwidth
      await vi.waitFor(async () => expect(await bandwidth()).toBe(1010), { timeout: 10_000, interval: 50 })
    })
})
