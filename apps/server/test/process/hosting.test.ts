// Bundle hosting in the built server, configured by its environment: STORAGE_URL (a relative
// folder, or s3:// with AWS_* credentials), PUBLIC_URL, BUNDLE_MAX_BYTES, and the signing key it
// makes on first start and keeps in the database (URLs survive a restart).
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { makeZip, sha256 } from '../hosting-helpers.ts'
import { filesUnder, S3_CREDENTIALS, startS3rver } from '../storage-helpers.ts'
import { freePort, startServer } from './server.ts'

const KEY = 'hosting-test-key-123'

async function call(base: string, method: string, url: string, body?: unknown) {
  const res = await fetch(`${base}${url}`, {
    method,
    headers: { authorization: KEY, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  })
  return { status: res.status, body: await res.json() }
}

/** app, channel, POST /bundle → PUT → finalize → /updates: the URL the device gets. */
async function ship(base: string, appId: string, zip: Buffer) {
  expect((await call(base, 'POST', '/app', { app_id: appId, name: 'Hosted' })).status).toBe(200)
  const created = await call(base, 'POST', '/bundle', { app_id: appId, version: '1.1.0' })
  expect(created.status, JSON.stringify(created.body)).toBe(200)
  const put = await fetch(created.body.upload.url, { method: 'PUT', body: new Uint8Array(zip) })
  expect(put.status).toBe(200)
  const done = await call(base, 'POST', '/bundle/finalize', { app_id: appId, version: '1.1.0' })
  expect(done.body.bundle).toMatchObject({ status: 'ready', storage_checksum: sha256(zip) })
  expect((await call(base, 'POST', '/channel', { app_id: appId, channel: 'prod', version: '1.1.0', public: true })).status).toBe(200)
  const info = {
    app_id: appId,
    device_id: 'a0d3c2b1-0000-4000-8000-000000000077',
    platform: 'android',
    version_name: 'builtin',
    version_build: '1.0.0',
    plugin_version: '8.51.23',
  }
  const update = await fetch(`${base}/updates`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(info),
  })
  const answer = (await update.json()) as { url: string; checksum: string }
  expect(answer.checksum).toBe(sha256(zip))
  return { created: created.body, answer }
}

describe('hosting in the built server', () => {
  it('disk: a relative STORAGE_URL, PUBLIC_URL in every link, URLs valid after a restart', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'capgo-hosting-proc-'))
    const port = await freePort()
    const publicUrl = `http://localhost:${port}`
    const env = {
      DATABASE_URL: 'file:./capgo.db',
      STORAGE_URL: 'file:./bundles',
      PUBLIC_URL: `${publicUrl}/`,
      PORT: String(port),
      BUNDLE_MAX_BYTES: '100000',
      CAPGO_BOOTSTRAP_API_KEY: KEY,
    }
    let server = await startServer({ env, cwd: dir })
    const zip = await makeZip({ 'index.html': '<html></html>' })
    const { created, answer } = await ship(server.base, 'com.example.hosted', zip)
    expect(created.upload.url.startsWith(`${publicUrl}/bundle/upload/com.example.hosted/`)).toBe(true)
    expect(answer.url.startsWith(`${publicUrl}/bundle/download/com.example.hosted/`)).toBe(true)
    // the zip, and its one file by SHA-256 (partial updates)
    expect(filesUnder(path.join(dir, 'bundles'))).toEqual([
      `apps/com.example.hosted/bundles/${created.bundle.id}.zip`,
      `apps/com.example.hosted/files/${sha256(Buffer.from('<html></html>'))}`,
    ])
    // BUNDLE_MAX_BYTES applies to uploads
    const big = await call(server.base, 'POST', '/bundle', { app_id: 'com.example.hosted', version: '1.2.0' })
    const refused = await fetch(big.body.upload.url, { method: 'PUT', body: new Uint8Array(100_001) })
    expect(refused.status).toBe(413)
    // the signing key is in the database: a restarted server accepts the URL it handed out
    expect(await server.stop('SIGTERM')).toBe(0)
    server = await startServer({ env, cwd: dir })
    const dl = await fetch(answer.url)
    expect(dl.status).toBe(200)
    expect(sha256(Buffer.from(await dl.arrayBuffer()))).toBe(sha256(zip))
    expect(await server.stop('SIGTERM')).toBe(0)
    fs.rmSync(dir, { recursive: true, force: true })
  }, 120_000)

  it('s3: presigned upload and download URLs, the bytes never pass through the server', async () => {
    const s3 = await startS3rver()
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'capgo-hosting-s3-'))
    const server = await startServer({
      env: {
        DATABASE_URL: `file:${path.join(dir, 'capgo.db')}`,
        STORAGE_URL: s3.url.replace('s3://bundles', 's3://bundles/capgo'),
        AWS_ACCESS_KEY_ID: S3_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: S3_CREDENTIALS.secretAccessKey,
        CAPGO_BOOTSTRAP_API_KEY: KEY,
      },
    })
    const zip = await makeZip({ 'www/index.html': '<html></html>' })
    const { created, answer } = await ship(server.base, 'com.example.s3', zip)
    expect(created.upload.url.startsWith(`${s3.endpoint}/bundles/capgo/apps/com.example.s3/uploads/`)).toBe(true)
    expect(answer.url.startsWith(`${s3.endpoint}/bundles/capgo/apps/com.example.s3/bundles/`)).toBe(true)
    const dl = await fetch(answer.url)
    expect(sha256(Buffer.from(await dl.arrayBuffer()))).toBe(sha256(zip))
    // deleting the app removes its objects from the bucket
    expect((await call(server.base, 'DELETE', '/app/com.example.s3')).status).toBe(200)
    expect(filesUnder(s3.dir).filter((f) => f.includes('com.example.s3'))).toEqual([])
    expect(await server.stop('SIGTERM')).toBe(0)
    fs.rmSync(dir, { recursive: true, force: true })
  }, 120_000)

  it('downloads are limited per IP and file: a partial update of more files than RATE_LIMIT_MAX goes through, one file over and over does not, and an IP locked out for bad keys still downloads', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'capgo-hosting-limits-'))
    const server = await startServer({
      env: {
        DATABASE_URL: `file:${path.join(dir, 'capgo.db')}`,
        STORAGE_URL: `file:${path.join(dir, 'bundles')}`,
        CAPGO_BOOTSTRAP_API_KEY: KEY,
        RATE_LIMIT_MAX: '20',
        RATE_LIMIT_AUTH_FAIL_MAX: '2',
      },
    })
    const appId = 'com.example.nat'
    const files = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`assets/${i}.js`, `console.log(${i})`]))
    const zip = await makeZip({ 'index.html': '<html></html>', ...files })
    const { answer } = await ship(server.base, appId, zip)
    expect((await call(server.base, 'PUT', `/app/${appId}`, { manifest: true })).status).toBe(200)
    const withManifest = (await (
      await fetch(`${server.base}/updates`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          app_id: appId,
          device_id: 'a0d3c2b1-0000-4000-8000-000000000078',
          platform: 'android',
          version_name: 'builtin',
          version_build: '1.0.0',
          plugin_version: '8.51.23',
        }),
      })
    ).json()) as { manifest: { file_name: string; download_url: string }[] }
    expect(withManifest.manifest).toHaveLength(31)
    // this address fails authentication until it is locked out: keyless requests are refused…
    for (const junk of ['junk-1', 'junk-2'])
      expect((await fetch(`${server.base}/app`, { headers: { authorization: junk } })).status).toBe(401)
    expect((await fetch(`${server.base}/openapi.json`)).status).toBe(429)
    // …but its devices still fetch every file of the update, more files than RATE_LIMIT_MAX
    const statuses = await Promise.all(withManifest.manifest.map(async (e) => (await fetch(e.download_url)).status))
    expect(statuses.filter((s) => s !== 200)).toEqual([])
    // one file fetched over and over is still limited, with Retry-After
    for (let i = 0; i < 20; i++) expect((await fetch(answer.url)).status).toBe(200)
    const over = await fetch(answer.url)
    expect(over.status).toBe(429)
    expect(await over.json()).toEqual({ status: 'KO', error: 'too_many_requests', message: expect.any(String) })
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
    expect(await server.stop('SIGTERM')).toBe(0)
    fs.rmSync(dir, { recursive: true, force: true })
  }, 120_000)

  it.each([
    ['STORAGE_URL', 'ftp://x'],
    ['PUBLIC_URL', 'not a url'],
    ['BUNDLE_MAX_BYTES', '0'],
    ['SIGNING_SECRET', 'short'],
  ])(
    'refuses an invalid %s: exit 1, one line naming it',
    async (name, value) => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'capgo-env-'))
      const server = await startServer({ env: { DATABASE_URL: `file:${path.join(dir, 'capgo.db')}`, [name]: value }, waitForOk: false })
      expect(await server.exited).toBe(1)
      expect(server.stderr()).toMatch(new RegExp(`^invalid environment: ${name}: [^\\n]+\\n$`))
      fs.rmSync(dir, { recursive: true, force: true })
    },
    60_000,
  )
})
