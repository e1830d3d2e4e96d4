// The storage interface on both stores: the disk store and the S3 store against s3rver.
import { createHash, randomBytes } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { Readable } from 'node:stream'
import { text } from 'node:stream/consumers'
import { storage } from '@capgo-api/api'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { S3_CREDENTIALS, startS3rver } from './storage-helpers.ts'

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex')
const bytesOf = async (s: NodeJS.ReadableStream) => {
  const parts: Buffer[] = []
  for await (const c of s) parts.push(Buffer.from(c as Buffer))
  return Buffer.concat(parts)
}

const diskDir = fs.mkdtempSync(path.join(os.tmpdir(), 'capgo-store-'))
afterAll(() => fs.rmSync(diskDir, { recursive: true, force: true }))

const kinds = {
  disk: async () => storage.createStore(`file:${diskDir}`),
  s3: async () => storage.createStore((await startS3rver()).url, { credentials: S3_CREDENTIALS }),
}

describe.each(Object.keys(kinds) as (keyof typeof kinds)[])('%s store', (kind) => {
  let store: storage.Store
  beforeAll(async () => {
    store = await kinds[kind]()
  })

  it('puts a stream and reads it back whole, by range, and its size', async () => {
    const body = randomBytes(300_000)
    const put = await store.put('apps/com.a.b/x/1.zip', Readable.from([body.subarray(0, 100_000), body.subarray(100_000)]))
    expect(put).toEqual({ size: body.length, sha256: sha(body) })
    expect(await store.head('apps/com.a.b/x/1.zip')).toEqual({ size: body.length })
    expect((await bytesOf(await store.get('apps/com.a.b/x/1.zip'))).equals(body)).toBe(true)
    const part = await bytesOf(await store.get('apps/com.a.b/x/1.zip', { start: 10, end: 4009 }))
    expect(part.equals(body.subarray(10, 4010))).toBe(true)
  })

  it('a missing object: head null, get ObjectNotFoundError, delete fine', async () => {
    expect(await store.head('apps/com.a.b/none.zip')).toBeNull()
    await expect(store.get('apps/com.a.b/none.zip')).rejects.toBeInstanceOf(storage.ObjectNotFoundError)
    await store.delete('apps/com.a.b/none.zip')
    await expect(store.move('apps/com.a.b/none.zip', 'apps/com.a.b/other.zip')).rejects.toBeInstanceOf(storage.ObjectNotFoundError)
  })

  it('refuses a body over maxBytes and keeps nothing', async () => {
    const chunks = Array.from({ length: 20 }, () => randomBytes(64 * 1024))
    await expect(store.put('apps/com.a.c/big.zip', Readable.from(chunks), { maxBytes: 200_000 })).rejects.toBeInstanceOf(
      storage.ObjectTooLargeError,
    )
    expect(await store.head('apps/com.a.c/big.zip')).toBeNull()
    await expect(store.put('apps/com.a.c/big.zip', Buffer.alloc(10), { maxBytes: 9 })).rejects.toBeInstanceOf(storage.ObjectTooLargeError)
    expect(await store.head('apps/com.a.c/big.zip')).toBeNull()
    if (kind === 'disk') expect(fs.readdirSync(path.join(diskDir, '.tmp'))).toEqual([])
  })

  it('replaces, moves, deletes one key and a prefix', async () => {
    await store.put('apps/com.a.d/u/1.zip', Buffer.from('one'))
    await store.put('apps/com.a.d/u/1.zip', Buffer.from('two'))
    await store.move('apps/com.a.d/u/1.zip', 'apps/com.a.d/b/1.zip')
    expect(await store.head('apps/com.a.d/u/1.zip')).toBeNull()
    expect(await text(await store.get('apps/com.a.d/b/1.zip'))).toBe('two')
    await store.put('apps/com.a.d/b/2.zip', Buffer.from('2'))
    await store.put('apps/com.a.dd/b/3.zip', Buffer.from('3'))
    await store.delete('apps/com.a.d/b/2.zip')
    expect(await store.head('apps/com.a.d/b/2.zip')).toBeNull()
    expect(await store.list('apps/com.a.d/')).toEqual(['apps/com.a.d/b/1.zip'])
    expect(await store.list('apps/none/')).toEqual([])
    await store.deletePrefix('apps/com.a.d/')
    expect(await store.list('apps/com.a.d/')).toEqual([])
    expect(await store.head('apps/com.a.d/b/1.zip')).toBeNull()
    expect(await store.head('apps/com.a.dd/b/3.zip')).toEqual({ size: 1 }) // a prefix is a folder, not a string prefix
  })

  it('refuses keys that could leave the store', async () => {
    await expect(store.put('../x.zip', Buffer.from('x'))).rejects.toThrow(/invalid storage key/)
    await expect(store.put('apps//x.zip', Buffer.from('x'))).rejects.toThrow(/invalid storage key/)
    await expect(store.deletePrefix('apps')).rejects.toThrow(/ends with/)
  })

  it(kind === 's3' ? 'presigns PUT and GET URLs the store honours' : 'has no presigned URLs (bytes go through the server)', async () => {
    const put = await store.presignPut('apps/com.a.e/u/1.zip', 3600)
    const get = await store.presignGet('apps/com.a.e/u/1.zip', 3600)
    if (kind === 'disk') {
      expect([put, get]).toEqual([null, null])
      return
    }
    const body = randomBytes(50_000)
    const res = await fetch(put!, { method: 'PUT', body: new Uint8Array(body) })
    expect(res.status).toBe(200)
    expect(await store.head('apps/com.a.e/u/1.zip')).toEqual({ size: body.length })
    const back = await fetch(get!)
    expect(Buffer.from(await back.arrayBuffer()).equals(body)).toBe(true)
  })
})

describe('createStore', () => {
  it('reads file: and s3:// URLs, and names what is wrong', () => {
    expect(storage.createStore(`file:${diskDir}`).provider).toBe('disk')
    expect(storage.createStore('s3://b/some/prefix?endpoint=http%3A%2F%2F127.0.0.1%3A1&forcePathStyle=true').provider).toBe('s3')
    expect(() => storage.createStore('file:relative/dir')).toThrow(/absolute/)
    expect(() => storage.createStore('ftp://x')).toThrow(/file: path or an s3/)
  })

  it('STORAGE_PUBLIC_URL serves downloads under the public base', async () => {
    const s = storage.createStore('s3://b/pre?endpoint=http%3A%2F%2F127.0.0.1%3A1', { publicUrl: 'https://cdn.example.com/' })
    expect(await s.presignGet('apps/com.a.b/bundles/1.zip', 60)).toBe('https://cdn.example.com/pre/apps/com.a.b/bundles/1.zip')
  })
})
