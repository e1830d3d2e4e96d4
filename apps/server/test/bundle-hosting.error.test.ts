// Bad input to hosted bundles, on both stores: each gets its error, and nothing is left behind
// (no stored object, the bundle still pending).
import http from 'node:http'
import { sweepPendingBundles } from '@capgo-api/api'
import { describe, expect, it } from 'vitest'
import { createTenant, type Tenant } from './harness.ts'
import { type Hosting, makeZip, putBytes, STORE_KINDS, sha256, signDownload, startHosting } from './hosting-helpers.ts'

const MAX = 200_000

describe.each(STORE_KINDS)('hosted bundle errors on the %s store', (kind) => {
  let h: Hosting
  const setup = async () => {
    h ??= await startHosting(kind, { bundleMaxBytes: MAX })
    return { h, t: await createTenant({ database: h.database }) }
  }

  const start = async (t: Tenant, version: string, extra: Record<string, unknown> = {}) => {
    const res = await h.call('POST', '/bundle', { key: t.keys.upload, body: { app_id: t.appId, version, ...extra } })
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    return res.body as { bundle: { id: number }; upload: { url: string } }
  }
  const finalize = (t: Tenant, version: string) =>
    h.call('POST', '/bundle/finalize', { key: t.keys.upload, body: { app_id: t.appId, version } })
  const stored = (t: Tenant) => h.services.storage.list(`apps/${t.appId}/`)
  const statusOf = async (t: Tenant, version: string) =>
    (await h.call('GET', '/bundle', { key: t.keys.read, query: { app_id: t.appId } })).body.find(
      (b: { name: string }) => b.name === version,
    )?.status

  /** Uploads `bytes`, finalizes, and checks the error and that nothing stayed. */
  const refused = async (t: Tenant, version: string, bytes: Buffer, code: string, status = 400, extra: Record<string, unknown> = {}) => {
    const { upload } = await start(t, version, extra)
    expect((await putBytes(upload.url, bytes)).status).toBe(200)
    const res = await finalize(t, version)
    expect(res.status, JSON.stringify(res.body)).toBe(status)
    expect(res.body).toMatchObject({ status: 'KO', error: code })
    expect(await stored(t)).toEqual([])
    expect(await statusOf(t, version)).toBe('pending')
  }

  it('not a zip, a zip without index.html, two top-level folders: 400 invalid_bundle', async () => {
    const { t } = await setup()
    await refused(t, '1.0.0', Buffer.from('this is not a zip file at all'), 'invalid_bundle')
    await refused(t, '1.0.1', await makeZip({ 'main.js': 'x', 'assets/a.png': 'y' }), 'invalid_bundle')
    await refused(t, '1.0.2', await makeZip({ 'a/index.html': 'x', 'b/index.html': 'y' }), 'invalid_bundle')
    await refused(t, '1.0.3', await makeZip({ 'a/b/index.html': 'x' }), 'invalid_bundle')
    // a truncated zip (its central directory cut off)
    const zip = await makeZip({ 'index.html': 'x'.repeat(1000) })
    await refused(t, '1.0.4', zip.subarray(0, zip.length - 30), 'invalid_bundle')
  })

  it('a declared checksum or size that differs: checksum_mismatch / size_mismatch', async () => {
    const { t } = await setup()
    const zip = await makeZip({ 'index.html': 'x' })
    await refused(t, '1.0.0', zip, 'checksum_mismatch', 400, { checksum: sha256(Buffer.from('other')) })
    await refused(t, '1.0.1', zip, 'size_mismatch', 400, { size: zip.length + 1 })
    // the retry: POST again, upload the right bytes, finalize
    const { upload } = await start(t, '1.0.1', { size: zip.length, checksum: sha256(zip).toUpperCase() })
    expect((await putBytes(upload.url, zip)).status).toBe(200)
    expect((await finalize(t, '1.0.1')).body.bundle).toMatchObject({ status: 'ready', checksum: sha256(zip) })
  })

  it('finalize with nothing uploaded: 400 upload_missing; an unknown version: 404', async () => {
    const { t } = await setup()
    await start(t, '1.0.0')
    expect((await finalize(t, '1.0.0')).body).toMatchObject({ status: 'KO', error: 'upload_missing' })
    expect((await finalize(t, '9.9.9')).body.error).toBe('version_not_found')
    const enc = await h.call('POST', '/bundle', { key: t.keys.upload, body: { app_id: t.appId, version: '1.0.1', session_key: 'iv:k' } })
    expect(enc).toMatchObject({ status: 400, body: { error: 'missing_checksum' } })
  })

  it(`over BUNDLE_MAX_BYTES: 413 payload_too_large${kind === 'disk' ? ' from the PUT itself' : ' at finalize'}, nothing kept`, async () => {
    const { t } = await setup()
    const big = Buffer.alloc(MAX + 1, 7)
    if (kind === 's3') return refused(t, '1.0.0', big, 'payload_too_large', 413)
    const { upload } = await start(t, '1.0.0')
    const declared = await putBytes(upload.url, big) // content-length says it: refused before reading
    expect(declared.status).toBe(413)
    expect(declared.body).toMatchObject({ status: 'KO', error: 'payload_too_large' })
    expect((await finalize(t, '1.0.0')).body.error).toBe('upload_missing')
    // chunked, no length: cut as soon as the limit is crossed
    const again = await start(t, '1.0.0')
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request(again.upload.url, { method: 'PUT', headers: { 'transfer-encoding': 'chunked' } }, (res) => {
        let body = ''
        res.on('data', (c) => {
          body += c
        })
        res.on('end', () => resolve({ status: res.statusCode!, body }))
      })
      req.on('error', (e) => (answered ? undefined : reject(e)))
      let answered = false
      req.on('response', () => {
        answered = true
      })
      // up to 4 × the limit, 16 KiB at a time, stopping once the server answered
      let sent = 0
      const chunk = Buffer.alloc(16 * 1024, 1)
      const pump = () => {
        while (!answered && sent < 4 * MAX) {
          sent += chunk.length
          if (!req.write(chunk)) return void req.once('drain', pump)
        }
        req.end()
      }
      pump()
    })
    expect(answer.status).toBe(413)
    expect(JSON.parse(answer.body).error).toBe('payload_too_large')
    expect(await stored(t)).toEqual([])
    expect(await statusOf(t, '1.0.0')).toBe('pending')
  })

  it('pending bundles older than 24 h are swept with their bytes', async () => {
    const { t } = await setup()
    const zip = await makeZip({ 'index.html': 'x' })
    const old = await start(t, '1.0.0')
    expect((await putBytes(old.upload.url, zip)).status).toBe(200)
    const fresh = await start(t, '1.0.1')
    expect((await putBytes(fresh.upload.url, zip)).status).toBe(200)
    await h.database.db.bundle.update({ where: { id: old.bundle.id }, data: { created_at: new Date(Date.now() - 25 * 3600_000) } })
    expect(await sweepPendingBundles(h.services)).toBeGreaterThanOrEqual(1)
    expect(await statusOf(t, '1.0.0')).toBeUndefined()
    expect(await statusOf(t, '1.0.1')).toBe('pending')
    expect(await stored(t)).toEqual([`apps/${t.appId}/uploads/${fresh.bundle.id}.zip`])
    // the swept name may be used again
    await start(t, '1.0.0')
  })
})

describe('upload and download URLs of the disk store', () => {
  let h: Hosting
  const ready = async () => {
    h ??= await startHosting('disk')
    const t = await createTenant({ database: h.database })
    const zip = await makeZip({ 'index.html': 'hello', 'big.bin': Buffer.alloc(100_000, 3) })
    const { body } = await h.call('POST', '/bundle', { key: t.keys.upload, body: { app_id: t.appId, version: '1.1.0' } })
    await putBytes(body.upload.url, zip)
    await h.call('POST', '/bundle/finalize', { key: t.keys.upload, body: { app_id: t.appId, version: '1.1.0' } })
    await h.call('POST', '/channel', { key: t.keys.write, body: { app_id: t.appId, channel: 'prod', version: '1.1.0', public: true } })
    const device = 'a0d3c2b1-0000-4000-8000-0000000000bb'
    const update = await h.call('POST', '/updates', {
      body: {
        app_id: t.appId,
        device_id: device,
        platform: 'ios',
        version_name: 'builtin',
        version_build: '1.0.0',
        plugin_version: '8.40.0',
      },
    })
    expect(update.body.version).toBe('1.1.0')
    return { t, zip, url: update.body.url as string, id: body.bundle.id as number, device }
  }

  it('an upload URL is single-use, and a tampered or expired one is refused', async () => {
    h ??= await startHosting('disk')
    const t = await createTenant({ database: h.database })
    const zip = await makeZip({ 'index.html': 'x' })
    const { body } = await h.call('POST', '/bundle', { key: t.keys.upload, body: { app_id: t.appId, version: '1.0.0' } })
    const upload = body.upload as { url: string }
    const u = new URL(upload.url)
    const tampered = new URL(u)
    tampered.searchParams.set('sig', `${u.searchParams.get('sig')!.slice(0, -2)}AA`)
    expect((await putBytes(tampered.toString(), zip)).body).toMatchObject({ status: 'KO', error: 'invalid_signature' })
    const later = new URL(u)
    later.searchParams.set('expires', String(Number(u.searchParams.get('expires')) + 3600))
    expect((await putBytes(later.toString(), zip)).status).toBe(403)
    const other = new URL(u)
    other.pathname = other.pathname.replace(/\d+$/, '999999')
    expect((await putBytes(other.toString(), zip)).status).toBe(403)
    expect(await h.services.storage.list(`apps/${t.appId}/`)).toEqual([])
    expect((await putBytes(upload.url, zip)).status).toBe(200)
    const reused = await putBytes(upload.url, zip)
    expect(reused.status).toBe(409)
    expect(reused.body.error).toBe('upload_url_used')
    // after finalize the URL stays used
    expect((await h.call('POST', '/bundle/finalize', { key: t.keys.upload, body: { app_id: t.appId, version: '1.0.0' } })).status).toBe(200)
    expect((await putBytes(upload.url, zip)).body.error).toBe('upload_url_used')
  })

  it('HEAD answers the headers; Range answers 206 with that part; a range past the end is 416', async () => {
    const { zip, url } = await ready()
    const head = await fetch(url, { method: 'HEAD' })
    expect(head.status).toBe(200)
    expect(head.headers.get('content-length')).toBe(String(zip.length))
    expect(head.headers.get('etag')).toBe(`"${sha256(zip)}"`)
    expect(head.headers.get('accept-ranges')).toBe('bytes')
    const part = await fetch(url, { headers: { range: 'bytes=10-109' } })
    expect(part.status).toBe(206)
    expect(part.headers.get('content-range')).toBe(`bytes 10-109/${zip.length}`)
    expect(Buffer.from(await part.arrayBuffer()).equals(zip.subarray(10, 110))).toBe(true)
    const tail = await fetch(url, { headers: { range: 'bytes=-50' } })
    expect(Buffer.from(await tail.arrayBuffer()).equals(zip.subarray(zip.length - 50))).toBe(true)
    const beyond = await fetch(url, { headers: { range: `bytes=${zip.length}-` } })
    expect(beyond.status).toBe(416)
    expect(beyond.headers.get('content-range')).toBe(`bytes */${zip.length}`)
    expect(await beyond.json()).toMatchObject({ status: 'KO', error: 'range_not_satisfiable' })
  })

  it('a tampered, expired or other-device URL is 403 invalid_signature', async () => {
    const { t, url, id, device } = await ready()
    const u = new URL(url)
    const bad = (mutate: (x: URL) => void) => {
      const x = new URL(u)
      mutate(x)
      return fetch(x)
    }
    for (const res of [
      await bad((x) => x.searchParams.set('sig', 'A'.repeat(43))),
      await bad((x) => x.searchParams.set('device_id', 'a0d3c2b1-0000-4000-8000-0000000000cc')),
      await bad((x) => x.searchParams.set('expires', String(Number(u.searchParams.get('expires')) + 1))),
      await bad((x) => x.searchParams.delete('sig')),
      await bad((x) => {
        x.pathname = x.pathname.replace(`${id}.zip`, `${id + 1}.zip`)
      }),
      await fetch(signDownload(h.base, t.appId, id, device, Math.floor(Date.now() / 1000) - 1)), // well signed, expired
    ]) {
      expect(res.status).toBe(403)
      expect(await res.json()).toMatchObject({ status: 'KO', error: 'invalid_signature' })
    }
    // well signed and valid: served
    expect((await fetch(signDownload(h.base, t.appId, id, device, Math.floor(Date.now() / 1000) + 60))).status).toBe(200)
  })

  it('a deleted bundle is no longer served', async () => {
    const { t, url } = await ready()
    await h.call('POST', '/channel', { key: t.keys.write, body: { app_id: t.appId, channel: 'prod', version: 'builtin' } })
    expect((await h.call('DELETE', '/bundle', { key: t.keys.write, query: { app_id: t.appId, version: '1.1.0' } })).status).toBe(200)
    const res = await fetch(url)
    expect(res.status).toBe(404)
    expect((await res.json()).error).toBe('version_not_found')
  })
})

describe('upload timeouts (disk store)', () => {
  const IDLE_MS = 3000
  let h: Hosting

  /** PUTs chunks with `gaps` ms between them (then stalls forever when `stall`), answering the response. */
  const slowPut = (url: string, gaps: number[], stall: boolean) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request(url, { method: 'PUT', headers: { 'transfer-encoding': 'chunked' } }, (res) => {
        let body = ''
        res.on('data', (c) => {
          body += c
        })
        res.on('end', () => resolve({ status: res.statusCode!, body }))
      })
      req.on('error', reject)
      let i = 0
      const next = () => {
        req.write(Buffer.alloc(1024, i))
        if (i < gaps.length) setTimeout(next, gaps[i++])
        else if (!stall) req.end()
      }
      next()
    })

  it('an upload that stalls is cut with 408 and leaves nothing; a slow steady one may take longer than the idle time', async () => {
    h ??= await startHosting('disk', {}, { bodyTimeoutMs: IDLE_MS })
    const t = await createTenant({ database: h.database })
    const { body } = await h.call('POST', '/bundle', { key: t.keys.upload, body: { app_id: t.appId, version: '1.0.0' } })
    const stalled = await slowPut(body.upload.url, [], true)
    expect(stalled.status).toBe(408)
    expect(JSON.parse(stalled.body).error).toBe('request_timeout')
    expect(await h.services.storage.list(`apps/${t.appId}/`)).toEqual([])
    // a new URL; 20 chunks 250 ms apart: 5 s in all, never idle for 3 s
    const again = await h.call('POST', '/bundle', { key: t.keys.upload, body: { app_id: t.appId, version: '1.0.0' } })
    const steady = await slowPut(again.body.upload.url, Array(20).fill(250), false)
    expect(steady.status).toBe(200)
    expect(await h.services.storage.list(`apps/${t.appId}/`)).toEqual([`apps/${t.appId}/uploads/${again.body.bundle.id}.zip`])
  }, 60_000)
})
