// Concurrency: parallel writers of one thing leave exactly one thing, and the invariants of
// SPEC section 2 (one row per channel name, one default channel per platform, one row per
// device, keys valid exactly until revoked) hold whatever the interleaving.

import { sqliteFile } from '@capgo-api/db'
import Database from 'better-sqlite3'
import pg from 'pg'
import { describe, expect, it } from 'vitest'
import { createTenant, getApp, keyId, rest, uid } from './harness.ts'
import { uuidOf } from './uuid.ts'

const { database } = await getApp()
const db = database.db
const doc = (await rest('GET', '/openapi.json')).body
const has = (method: string, path: string) => Boolean(doc.paths?.[path]?.[method.toLowerCase()])

const statusCounts = (rs: { status: number }[]) =>
  rs.reduce<Record<number, number>>((m, r) => {
    m[r.status] = (m[r.status] ?? 0) + 1
    return m
  }, {})

describe('concurrency', () => {
  it('a transaction that reads, then writes after another process wrote, commits', async () => {
    const a = await createTenant()
    const b = await createTenant()
    /** a write by another connection, as another server process or the CLI would make */
    const otherProcessWrites = async () => {
      if (database.provider === 'postgres') {
        const client = new pg.Client({ connectionString: database.url })
        await client.connect()
        await client.query('UPDATE "Organization" SET "name" = $1 WHERE "id" = $2', ['other', b.orgId]).finally(() => client.end())
        return 'written'
      }
      // SQLite has one writer: the other process waits for our transaction (here 50 ms, then gives up)
      const other = new Database(sqliteFile(database.url), { timeout: 50 })
      try {
        other.prepare('UPDATE "Organization" SET "name" = ? WHERE "id" = ?').run('other', b.orgId)
        return 'written'
      } catch (e) {
        return (e as { code?: string }).code
      } finally {
        other.close()
      }
    }
    let other: string | undefined
    await db.$transaction(async (tx) => {
      await tx.organization.findUniqueOrThrow({ where: { id: a.orgId } })
      other = await otherProcessWrites()
      await tx.organization.update({ where: { id: a.orgId }, data: { name: 'renamed' } })
    })
    expect((await db.organization.findUniqueOrThrow({ where: { id: a.orgId } })).name).toBe('renamed')
    // the deferred BEGIN let the other write in, and then failed ours with SQLITE_BUSY
    expect(other).toBe(database.provider === 'postgres' ? 'written' : 'SQLITE_BUSY')
  })

  it('100 parallel upserts of one channel leave one row, and every call succeeds', async () => {
    const t = await createTenant()
    const rs = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        rest('POST', '/channel', { key: t.keys.write, body: { app_id: t.appId, channel: 'race', allow_dev: i % 2 === 0 } }),
      ),
    )
    expect(statusCounts(rs)).toEqual({ 200: 100 })
    expect(await db.channel.count({ where: { app_id: t.appId, name: 'race' } })).toBe(1)
  })

  it('parallel `public: true` on several channels leaves exactly one default per platform', async () => {
    const t = await createTenant()
    // electron off: a channel serving electron too would overlap every other one (electron defaults to true)
    const both = Array.from({ length: 8 }, (_, i) => ({ channel: `both${i}`, ios: true, android: true, electron: false }))
    const single = [
      ...Array.from({ length: 4 }, (_, i) => ({ channel: `ios${i}`, ios: true, android: false, electron: false })),
      ...Array.from({ length: 4 }, (_, i) => ({ channel: `android${i}`, ios: false, android: true, electron: false })),
    ]
    for (const n of [...both, ...single])
      expect((await rest('POST', '/channel', { key: t.keys.write, body: { app_id: t.appId, ...n } })).status).toBe(200)
    const publics = () =>
      db.channel.findMany({ where: { app_id: t.appId, public: true }, select: { name: true, ios: true, android: true } })
    const race = async (set: { channel: string }[]) => {
      const rs = await Promise.all(
        set.map((n) => rest('POST', '/channel', { key: t.keys.write, body: { app_id: t.appId, channel: n.channel, public: true } })),
      )
      expect(statusCounts(rs)).toEqual({ 200: set.length })
    }
    for (let round = 0; round < 3; round++) {
      // channels serving both platforms: exactly one of them wins both platforms
      await race(both)
      const p = await publics()
      expect(p.length, JSON.stringify(p)).toBe(1)
      expect(p[0]).toMatchObject({ ios: true, android: true })
      // single-platform channels: exactly one default per platform
      await race(single)
      const q = await publics()
      expect(q.filter((c) => c.ios).length, JSON.stringify(q)).toBe(1)
      expect(q.filter((c) => c.android).length, JSON.stringify(q)).toBe(1)
      expect(q.length, JSON.stringify(q)).toBe(2)
      // all at once: whatever the order, never two defaults for one platform
      await race([...both, ...single])
      const r = await publics()
      expect(r.filter((c) => c.ios).length, JSON.stringify(r)).toBeLessThanOrEqual(1)
      expect(r.filter((c) => c.android).length, JSON.stringify(r)).toBeLessThanOrEqual(1)
      expect(r.length, JSON.stringify(r)).toBeGreaterThanOrEqual(1)
    }
  })

  it('writes racing the deletion of their app answer 200, 404 or 409, never 500', async () => {
    for (let round = 0; round < 5; round++) {
      const t = await createTenant()
      const rs = await Promise.all([
        ...Array.from({ length: 6 }, (_, j) =>
          rest('POST', '/channel', { key: t.keys.all, body: { app_id: t.appId, channel: `c${j}`, public: j % 2 === 0 } }),
        ),
        ...Array.from({ length: 3 }, () => rest('PUT', `/app/${t.appId}`, { key: t.keys.all, body: { name: 'renamed' } })),
        rest('DELETE', `/app/${t.appId}`, { key: t.keys.all }),
      ])
      for (const r of rs) {
        expect([200, 404, 409], JSON.stringify(r.body)).toContain(r.status)
        if (r.status !== 200) expect(r.body).toMatchObject({ status: 'KO', error: expect.stringMatching(/^(app_not_found|conflict)$/) })
      }
      expect(rs.at(-1)!.status).toBe(200)
      expect(await db.channel.count({ where: { app_id: t.appId } })).toBe(0)
    }
  })

  if (has('POST', '/updates')) {
    it('parallel check-ins of one device leave one device row', async () => {
      const t = await createTenant()
      const deviceId = uuidOf(`D-${uid()}-${uid()}`).toUpperCase()
      const info = {
        app_id: t.appId,
        device_id: deviceId,
        platform: 'android',
        version_name: '1.0.0',
        version_build: '1.0.0',
        plugin_version: '8.51.0',
        version_os: '14',
        is_emulator: false,
        is_prod: true,
      }
      const rs = await Promise.all(
        Array.from({ length: 50 }, (_, i) => rest('POST', '/updates', { body: { ...info, version_os: String(10 + (i % 5)) } })),
      )
      for (const r of rs) expect(r.status, JSON.stringify(r.body)).toBe(200)
      expect(await db.device.count({ where: { app_id: t.appId, device_id: deviceId.toLowerCase() } })).toBe(1)
    })
  }

  it('parallel key creation and revocation stay consistent: a key works exactly until it is revoked', async () => {
    const t = await createTenant()
    const viaRest = has('POST', '/apikey') && has('DELETE', '/apikey/{id}')
    // create 20 keys in parallel
    let keys: { plain: string; id: number }[]
    if (viaRest) {
      const rs = await Promise.all(
        Array.from({ length: 20 }, (_, i) => rest('POST', '/apikey', { key: t.keys.all, body: { mode: 'read', name: `k${i}` } })),
      )
      for (const r of rs) expect(r.status, JSON.stringify(r.body)).toBe(200)
      keys = rs.map((r) => ({ plain: r.body.apikey.key as string, id: Number(r.body.apikey.id) }))
    } else {
      const plains = await Promise.all(Array.from({ length: 20 }, () => t.key({ mode: 'read' })))
      keys = await Promise.all(plains.map(async (plain) => ({ plain, id: await keyId(plain) })))
    }
    expect(new Set(keys.map((k) => k.plain)).size).toBe(20)
    expect(new Set(keys.map((k) => k.id)).size).toBe(20)

    // revoke half while all of them are in use: every answer is 200 or 401, never anything else
    const revoked = keys.slice(0, 10)
    const kept = keys.slice(10)
    const revoke = async (k: { id: number }) => {
      if (viaRest) expect((await rest('DELETE', `/apikey/${k.id}`, { key: t.keys.all })).status).toBe(200)
      else await db.apiKey.delete({ where: { id: k.id } })
    }
    const during = await Promise.all([
      ...revoked.map(revoke),
      ...keys.flatMap((k) => Array.from({ length: 3 }, () => rest('GET', '/channel', { key: k.plain, query: { app_id: t.appId } }))),
    ])
    for (const r of during.filter(Boolean) as { status: number; body: any }[]) {
      expect([200, 401], JSON.stringify(r.body)).toContain(r.status)
      if (r.status === 401) expect(r.body.error).toBe('invalid_apikey')
    }
    // afterwards: revoked keys are refused, the others work
    for (const k of revoked) expect((await rest('GET', '/channel', { key: k.plain, query: { app_id: t.appId } })).status).toBe(401)
    for (const k of kept) expect((await rest('GET', '/channel', { key: k.plain, query: { app_id: t.appId } })).status).toBe(200)
    expect(await db.apiKey.count({ where: { id: { in: keys.map((k) => k.id) } } })).toBe(10)
  })
})
