// Secrets: keys are stored as SHA-256 hashes only, compared in constant time, and never written
// to the log, whatever the requests (good, bad, failing) and at the most verbose log level.
import { hashKey } from '@capgo-api/api'
import { describe, expect, it, vi } from 'vitest'
import { loggerOptions } from '../src/app.ts'
import { buildTestApp, createTenant, getApp, isolatedDatabase, rest, restOn, snapshotDb, trpc, uid } from './harness.ts'
import { logInto } from './log-lines.ts'

// spy on the comparison (the real one still runs)
vi.mock('node:crypto', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:crypto')>()
  return { ...real, default: real, timingSafeEqual: vi.fn(real.timingSafeEqual) }
})

describe('secrets', () => {
  it('no key used in a realistic run appears in the log, at level trace', async () => {
    const lines: string[] = []
    const stream = logInto(lines)
    const { database } = await getApp()
    // the server's logger options, with request headers logged too: redaction must hide the keys
    const logger = {
      ...loggerOptions('trace', stream),
      serializers: {
        req: (r: { method: string; url: string; headers: unknown }) => ({ method: r.method, url: r.url, headers: r.headers }),
      },
    }
    const app = await buildTestApp(database, { logger })
    const t = await createTenant()
    const expired = await t.key({ expiresAt: new Date(Date.now() - 1000) })
    const member = await t.member('read')
    const used = [...Object.values(t.keys), expired, member.key, `garbage_${uid()}`]
    const calls: [string, string, object][] = []
    for (const key of used) {
      for (const header of ['authorization', 'capgkey', 'x-api-key']) {
        const value = header === 'authorization' ? `Bearer ${key}` : key
        calls.push(['GET', '/channel', { headers: { [header]: value }, query: { app_id: t.appId } }])
      }
      calls.push(['POST', '/channel', { key, body: { app_id: t.appId, channel: `c${uid()}`, public: true } }])
      calls.push(['POST', '/channel', { key, body: { app_id: 'not an id', channel: 1 } }])
      calls.push(['POST', '/channel', { key, body: '{bad json', headers: { 'content-type': 'application/json' } }])
      calls.push(['DELETE', '/channel', { key, query: { app_id: t.appId, channel: 'missing' } }])
      calls.push(['GET', '/app', { key }])
      calls.push(['GET', '/nope', { key }])
      calls.push(['GET', '/ok', { key }])
    }
    for (const [method, url, opts] of calls) {
      const res = await restOn(app, method as 'GET', url, opts)
      expect(res.status).toBeLessThan(500)
    }
    // tRPC over HTTP too
    for (const key of used)
      await app.inject({ method: 'GET', url: `/trpc/app.list?input=${encodeURIComponent('{}')}`, headers: { authorization: key } })

    const log = lines.join('')
    expect(lines.length).toBeGreaterThan(calls.length) // it did log every request
    for (const key of used) expect(log.includes(key), `a key appears in the log`).toBe(false)
    expect(log).not.toMatch(/Bearer /)
    expect(log).toContain('[redacted]') // the headers were logged, redacted
  })

  it('keys are stored as SHA-256 hashes: the plaintext is nowhere in the database', async () => {
    const { database } = await isolatedDatabase()
    const t = await createTenant({ database })
    const plains = [...Object.values(t.keys), await t.key({ mode: 'write', limitedToApps: [t.appId] })]
    for (const p of plains) expect(await database.db.apiKey.count({ where: { key_hash: hashKey(p) } })).toBe(1)
    // every row of every table, as text: no plaintext key anywhere
    const dump: string[] = []
    for (const name of Object.keys(await snapshotDb(database))) {
      const rows: unknown[] = await database.db.$queryRawUnsafe(`SELECT * FROM "${name}"`)
      dump.push(JSON.stringify(rows, (_k, v) => (typeof v === 'bigint' ? String(v) : v)))
    }
    for (const p of plains) expect(dump.join('\n').includes(p)).toBe(false)
  })

  it('keys created through the API are shown once and stored hashed', async () => {
    const doc = (await rest('GET', '/openapi.json')).body
    const t = await createTenant()
    const { database } = await getApp()
    const plain = doc.paths?.['/apikey']?.post
      ? (await rest('POST', '/apikey', { key: t.keys.all, body: { mode: 'read', name: 'shown once' } })).body.apikey.key
      : await t.key({ mode: 'read' })
    expect(typeof plain).toBe('string')
    const row = await database.db.apiKey.findUnique({ where: { key_hash: hashKey(plain) } })
    expect(row).not.toBeNull()
    expect(JSON.stringify(row)).not.toContain(plain)
    if (doc.paths?.['/apikey']?.get) {
      const list = await rest('GET', '/apikey', { key: t.keys.all })
      expect(list.status).toBe(200)
      expect(JSON.stringify(list.body)).not.toContain(plain)
    }
  })

  it('a key is checked by a constant-time comparison of its hash', async () => {
    const crypto = await import('node:crypto')
    const spy = vi.mocked(crypto.timingSafeEqual)
    const t = await createTenant()
    spy.mockClear()
    const res = await (await trpc(t.keys.read)).app.list({})
    expect(Array.isArray(res)).toBe(true)
    expect(spy).toHaveBeenCalled()
    const [a, b] = spy.mock.calls[0]!
    expect((a as Buffer).length).toBe(32)
    expect((b as Buffer).length).toBe(32)
  })
})
