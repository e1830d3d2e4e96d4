// Bundles hosted here, tested through real HTTP: a server listening on a free port whose
// PUBLIC_URL is its own address, on the disk store (a folder of the test file) or the S3 store
// (s3rver), plus real zips built with yazl.
import { createHash, createHmac } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createServices, type Services, type ServicesConfig } from '@capgo-api/api'
import { createDb, type DbHandle } from '@capgo-api/db'
import type { FastifyInstance } from 'fastify'
import { afterAll, expect } from 'vitest'
import yazl from 'yazl'
import { buildApp } from '../src/app.ts'
import { type Answer, answerOf } from './fetch-answer.ts'
import type { Tenant } from './harness.ts'
import { freePort } from './process/server.ts'
import { S3_CREDENTIALS, startS3rver } from './storage-helpers.ts'

export type StoreKind = 'disk' | 's3'
export const STORE_KINDS: StoreKind[] = ['disk', 's3']
export const SIGNING_SECRET = 'test-signing-secret-for-urls'

export interface Hosting {
  kind: StoreKind
  base: string
  services: Services
  app: FastifyInstance
  database: DbHandle
  /** HTTP against the server: JSON in, JSON (or text) out */
  call(method: string, url: string, opts?: { key?: string; body?: unknown; query?: Record<string, string> }): Promise<Answer>
}

/** A listening server on `kind`'s store (closed after the file). */
export async function startHosting(
  kind: StoreKind,
  config: ServicesConfig = {},
  appOptions: { bodyTimeoutMs?: number } = {},
): Promise<Hosting> {
  const database = await createDb(process.env.DATABASE_URL)
  const port = await freePort()
  const base = `http://127.0.0.1:${port}`
  let storageUrl: string
  let storageOptions: ServicesConfig['storageOptions']
  if (kind === 'disk') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'capgo-hosting-'))
    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))
    storageUrl = `file:${dir}`
  } else {
    storageUrl = (await startS3rver()).url
    storageOptions = { credentials: S3_CREDENTIALS }
  }
  const services = createServices(database, {
    accessCacheTtlMs: 0,
    storageUrl,
    storageOptions,
    publicUrl: base,
    signingSecret: SIGNING_SECRET,
    ...config,
  })
  const app = await buildApp({ services, rateLimit: false, ...appOptions })
  await app.listen({ port, host: '127.0.0.1' })
  afterAll(async () => {
    await app.close()
    await database.db.$disconnect()
  })
  const call: Hosting['call'] = async (method, url, opts = {}) => {
    const q = opts.query ? `?${new URLSearchParams(opts.query)}` : ''
    const res = await fetch(`${base}${url}${q}`, {
      method,
      headers: {
        ...(opts.key ? { authorization: opts.key } : {}),
        ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: opts.body !== undefined ? JSON.stringify(opts.body) : undefined,
    })
    return answerOf(res)
  }
  return { kind, base, services, app, database, call }
}

/** A zip of `files` (path → content), deflated, as the Capgo CLI makes them. */
export function makeZip(files: Record<string, string | Buffer>): Promise<Buffer> {
  const zip = new yazl.ZipFile()
  for (const [name, content] of Object.entries(files))
    zip.addBuffer(Buffer.isBuffer(content) ? content : Buffer.from(content), name, { mtime: new Date(0) })
  zip.end()
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = []
    zip.outputStream.on('data', (c: Buffer) => parts.push(c))
    zip.outputStream.on('end', () => resolve(Buffer.concat(parts)))
    zip.outputStream.on('error', reject)
  })
}

export const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex')

/** A download URL as the server makes one, signed with the tests' secret (to make expired ones). */
export function signDownload(base: string, appId: string, bundleId: number, deviceId: string, expires: number) {
  const sig = createHmac('sha256', SIGNING_SECRET).update(['download', appId, bundleId, expires, deviceId].join('\n')).digest('base64url')
  return `${base}/bundle/download/${appId}/${bundleId}.zip?device_id=${deviceId}&expires=${expires}&sig=${sig}`
}

/** PUT bytes to an upload URL, as `curl -T` does. */
export async function putBytes(url: string, bytes: Buffer) {
  const { status, body } = await answerOf(await fetch(url, { method: 'PUT', body: new Uint8Array(bytes) }))
  return { status, body }
}

/** A hosted bundle made as the CLI makes one: POST /bundle, PUT the zip, POST /bundle/finalize; answers the finalized bundle. */
export async function uploadBundle(h: Hosting, t: Tenant, version: string, zip: Buffer, extra: Record<string, unknown> = {}) {
  const created = await h.call('POST', '/bundle', { key: t.keys.upload, body: { app_id: t.appId, version, ...extra } })
  expect(created.status, JSON.stringify(created.body)).toBe(200)
  expect((await putBytes(created.body.upload.url, zip)).status).toBe(200)
  const done = await h.call('POST', '/bundle/finalize', { key: t.keys.upload, body: { app_id: t.appId, version } })
  expect(done.status, JSON.stringify(done.body)).toBe(200)
  return done.body.bundle
}
