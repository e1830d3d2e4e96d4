// Faults: the real server (src/main.ts) killed with SIGKILL during a write load restarts with a
// sound database and every acknowledged write; a PostgreSQL that goes away (a TCP proxy we cut)
// turns into 503s within a bounded time, and the same server recovers by itself when it is back.
import { spawn, type ChildProcess } from 'node:child_process'
import net from 'node:net'
import path from 'node:path'
import { createDb } from '@capgo-api/db'
import { afterAll, describe, expect, it } from 'vitest'
import { buildTestApp, createTenant, isolatedDatabase, restOn, uid } from './harness.ts'

const SERVER_DIR = path.resolve(import.meta.dirname, '..')
const runUrl = process.env.DATABASE_URL ?? ''
const onPostgres = /^postgres(ql)?:\/\//.test(runUrl)
const children = new Set<ChildProcess>()
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL')
})

async function freePort(): Promise<number> {
  const srv = net.createServer()
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r))
  const port = (srv.address() as net.AddressInfo).port
  await new Promise((r) => srv.close(r))
  return port
}

/** Starts src/main.ts (node + tsx loader, no intermediate process) and waits for /ok. */
async function startServer(env: Record<string, string>) {
  const port = await freePort()
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: SERVER_DIR,
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', RATE_LIMIT_MAX: '0' },
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  children.add(child)
  let stderr = ''
  child.stderr!.on('data', (d) => (stderr += String(d)))
  const base = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 45_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited (${child.exitCode}): ${stderr}`)
    try {
      const res = await fetch(`${base}/ok`, { signal: AbortSignal.timeout(1000) })
      if (res.status === 200) break
    } catch {}
    if (Date.now() > deadline) throw new Error(`server did not start: ${stderr}`)
    await new Promise((r) => setTimeout(r, 150))
  }
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)))
  return { child, base, exited, stderr: () => stderr }
}

/** PRAGMA integrity_check on a fresh connection, closed afterwards. */
async function integrityCheck(url: string) {
  const { db } = await createDb(url)
  try {
    const rows: { integrity_check: string }[] = await db.$queryRawUnsafe('PRAGMA integrity_check')
    return rows.map((r) => r.integrity_check).join('; ')
  } finally {
    await db.$disconnect()
  }
}

async function call(base: string, method: string, url: string, key: string, body?: unknown) {
  const res = await fetch(`${base}${url}`, {
    method,
    headers: { authorization: key, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(10_000),
  })
  return { status: res.status, body: await res.json().catch(() => null) }
}

describe('faults', () => {
  it(`SIGKILL during a write load: restart, ${onPostgres ? 'PostgreSQL' : 'SQLite integrity_check ok'}, every acknowledged write kept`, async () => {
    const { url, database } = await isolatedDatabase()
    const key = `crash_${uid()}${uid()}`
    const env = { DATABASE_URL: url, CAPGO_BOOTSTRAP_API_KEY: key }
    const first = await startServer(env)
    const appId = `com.crash${uid()}.app`
    expect((await call(first.base, 'POST', '/app', key, { app_id: appId, name: 'Crash' })).status).toBe(200)

    // 6 writers, each creating channels one after another; an answered 200 is an acknowledged write
    const acked: string[] = []
    let stop = false
    let n = 0
    const writer = async () => {
      while (!stop) {
        const name = `c${n++}`
        try {
          const r = await call(first.base, 'POST', '/channel', key, { app_id: appId, channel: name, public: n % 3 === 0 })
          if (r.status === 200) acked.push(name)
          else if (!stop) throw new Error(`write answered ${r.status}: ${JSON.stringify(r.body)}`)
        } catch (e) {
          if (!stop) throw e
        }
      }
    }
    const writers = Array.from({ length: 6 }, writer)
    const started = Date.now()
    while (acked.length < 60 && Date.now() - started < 20_000) await new Promise((r) => setTimeout(r, 20))
    first.child.kill('SIGKILL') // mid-load: writers have requests in flight
    stop = true
    await Promise.allSettled(writers)
    expect(await first.exited).toBeNull() // killed by a signal, no exit code
    expect(acked.length).toBeGreaterThanOrEqual(60)

    // (the test's own connection is closed: the restarted server must open the file alone, as in production)
    await database.db.$disconnect()
    if (database.provider === 'sqlite') expect(await integrityCheck(url)).toBe('ok')

    // restart on the same database: it comes back and has every acknowledged write
    const second = await startServer(env)
    const list = await call(second.base, 'GET', `/channel?app_id=${appId}&limit=1000`, key)
    expect(list.status).toBe(200)
    const stored = new Set((list.body as { name: string }[]).map((c) => c.name))
    expect(acked.filter((a) => !stored.has(a))).toEqual([])
    // and it still keeps its invariants: at most one default channel per platform
    const publics = (list.body as { public: boolean; ios: boolean; android: boolean }[]).filter((c) => c.public)
    expect(publics.filter((c) => c.ios).length).toBeLessThanOrEqual(1)

    // SIGTERM: a clean exit
    second.child.kill('SIGTERM')
    expect(await second.exited).toBe(0)
    if (database.provider === 'sqlite') expect(await integrityCheck(url)).toBe('ok')
  }, 120_000)

  if (onPostgres) {
    it('PostgreSQL going away: /ok and requests answer 503 in bounded time, and the server recovers by itself', async () => {
      const upstream = new URL(runUrl)
      const sockets = new Set<net.Socket>()
      const proxy = net.createServer((client) => {
        const server = net.connect(Number(upstream.port || 5432), upstream.hostname)
        sockets.add(client).add(server)
        const drop = () => {
          client.destroy()
          server.destroy()
          sockets.delete(client)
          sockets.delete(server)
        }
        client.on('error', drop).on('close', drop)
        server.on('error', drop).on('close', drop)
        client.pipe(server).pipe(client)
      })
      const listen = (port = 0) => new Promise<number>((r) => proxy.listen(port, '127.0.0.1', () => r((proxy.address() as net.AddressInfo).port)))
      const port = await listen()
      afterAll(() => {
        for (const s of sockets) s.destroy()
        proxy.close()
      })
      const proxied = new URL(runUrl)
      proxied.hostname = '127.0.0.1'
      proxied.port = String(port)
      const database = await createDb(proxied.toString())
      afterAll(() => database.db.$disconnect().catch(() => {}))
      const app = await buildTestApp(database, { healthTimeoutMs: 1500 })
      const t = await createTenant()
      const get = () => restOn(app, 'GET', '/channel', { key: t.keys.read, query: { app_id: t.appId } })

      expect((await restOn(app, 'GET', '/ok')).status).toBe(200)
      expect((await get()).status).toBe(200)

      // cut: no new connections, and the open ones die
      await new Promise<void>((r) => {
        proxy.close(() => r())
        for (const s of sockets) s.destroy()
      })
      for (const probe of [() => restOn(app, 'GET', '/ok'), get, () => restOn(app, 'POST', '/channel', { key: t.keys.write, body: { app_id: t.appId, channel: 'down' } })]) {
        const started = Date.now()
        const res = await probe()
        expect(res.status, JSON.stringify(res.body)).toBe(503)
        expect(res.body).toEqual({ status: 'KO', error: 'database_unavailable', message: expect.any(String) })
        expect(Date.now() - started).toBeLessThan(8000)
      }

      // back: the same server answers again without a restart
      await listen(port)
      const deadline = Date.now() + 20_000
      let ok = 0
      while (Date.now() < deadline && (ok = (await restOn(app, 'GET', '/ok')).status) !== 200) await new Promise((r) => setTimeout(r, 200))
      expect(ok).toBe(200)
      expect((await get()).status).toBe(200)
      expect((await restOn(app, 'POST', '/channel', { key: t.keys.write, body: { app_id: t.appId, channel: 'up' } })).status).toBe(200)
    }, 90_000)
  }
})
