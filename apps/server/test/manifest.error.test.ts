// Partial updates: bad input and bundles that are served as a zip only.
import { randomUUID } from 'node:crypto'
import { storage } from '@capgo-api/api'
import { describe, expect, it } from 'vitest'
import { deviceInfo } from './device-helpers.ts'
import { createTenant, rest } from './harness.ts'
import { type Hosting, putBytes, startHosting } from './hosting-helpers.ts'
import { sha256, zipOf } from './manifest-helpers.ts'

describe('POST /updates/manifest_size: errors', () => {
  it('an invalid body is 400 invalid_json_body in the envelope; an unknown app is 404 app_not_found', async () => {
    const t = await createTenant()
    const good = { ...deviceInfo(t), version: '1.0.0', manifest: [{ file_name: 'a.js', file_hash: 'a'.repeat(64), download_url: 'x' }] }
    for (const body of [
      { ...good, device_id: undefined },
      { ...good, app_id: 'nodots' },
      { ...good, manifest: 'a.js' },
      { ...good, manifest: [{ file_hash: 42 }] },
      { ...good, manifest: Array.from({ length: 20_001 }, () => ({ file_hash: 'a' })) },
    ]) {
      const res = await rest('POST', '/updates/manifest_size', { body })
      expect(res.status, JSON.stringify(body).slice(0, 200)).toBe(400)
      expect(res.body.status).toBe('KO')
      expect(res.body.error).toBe('invalid_json_body')
    }
    const unknown = await rest('POST', '/updates/manifest_size', { body: { ...good, app_id: 'com.nobody.here' } })
    expect(unknown).toMatchObject({ status: 404, body: { status: 'KO', error: 'app_not_found' } })
    // a known app that holds none of the hashes: every size unknown
    const none = await rest('POST', '/updates/manifest_size', { body: good })
    expect(none).toMatchObject({ status: 200, body: { totalSize: 0, knownFiles: 0, unknownFiles: 1, files: [{ error: 'size_unknown' }] } })
  })

  it('PUT /app: manifest must be a boolean', async () => {
    const t = await createTenant()
    const res = await rest('PUT', `/app/${t.appId}`, { key: t.keys.write, body: { manifest: 'yes' } })
    expect(res).toMatchObject({ status: 400, body: { status: 'KO' } })
    expect((await rest('GET', `/app/${t.appId}`, { key: t.keys.read })).body.manifest).toBe(false)
  })
})

describe('bundles served as a zip only', () => {
  let h: Hosting

  const release = async (files: Record<string, string>) => {
    h ??= await startHosting('disk')
    const t = await createTenant({ database: h.database })
    await h.call('PUT', `/app/${t.appId}`, { key: t.keys.write, body: { manifest: true } })
    const created = await h.call('POST', '/bundle', { key: t.keys.upload, body: { app_id: t.appId, version: '1.0.1' } })
    expect((await putBytes(created.body.upload.url, await zipOf(files))).status).toBe(200)
    const done = await h.call('POST', '/bundle/finalize', { key: t.keys.upload, body: { app_id: t.appId, version: '1.0.1' } })
    expect(done.status, JSON.stringify(done.body)).toBe(200)
    await h.call('POST', '/channel', { key: t.keys.write, body: { app_id: t.appId, channel: 'prod', version: '1.0.1', public: true } })
    const info = { ...deviceInfo(t), device_id: randomUUID(), version_name: 'builtin', version_build: '1.0.0' }
    const answer = await h.call('POST', '/updates', { body: info })
    expect(answer.body.version).toBe('1.0.1')
    return { t, answer: answer.body }
  }

  it('a .br file (the plugin would brotli-decode it into another name): no manifest, nothing stored by file', async () => {
    const { t, answer } = await release({ 'index.html': '<html></html>', 'app.js.br': 'compressed' })
    expect(answer).not.toHaveProperty('manifest')
    expect(answer.url).toBeTruthy()
    expect(await h.services.storage.head(storage.fileKey(t.appId, sha256(Buffer.from('<html></html>'))))).toBeNull()
  })

  it('files beside the root folder (macOS metadata) are left out, as the plugin drops them', async () => {
    const { answer } = await release({ 'www/index.html': '<html>x</html>', 'www/a.js': 'a', '__MACOSX/www/._a.js': 'meta' })
    expect(answer.manifest.map((e: { file_name: string }) => e.file_name).sort()).toEqual(['a.js', 'index.html'])
  })
})
