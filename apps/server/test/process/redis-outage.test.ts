// A Redis outage, through a TCP proxy the test cuts and restores (the shared Redis is never
// touched): requests keep answering without waiting for Redis (limits fall back to the process),
// the outage is logged once, not once a request, and so is the recovery.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { uuidOf } from '../uuid.ts'
import { startServer } from './server.ts'
import { tcpProxy } from './tcp-proxy.ts'

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
const OUTAGE = 'rate-limit store (Redis) unavailable'
const RECOVERY = 'rate-limit store (Redis) is back'

const count = (text: string, needle: string) => text.split(needle).length - 1

describe('a Redis outage', () => {
  it('adds no wait to requests, is logged once, and so is the recovery', async () => {
    const target = new URL(REDIS_URL)
    const proxy = await tcpProxy(target.hostname, Number(target.port || 6379))
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'capgo-redis-'))
    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))
    const server = await startServer({
      env: {
        DATABASE_URL: `file:${path.join(dir, 'capgo.db')}`,
        REDIS_URL: proxy.urlThrough(REDIS_URL),
        LOG_LEVEL: 'info',
        CAPGO_BOOTSTRAP_API_KEY: 'redis-outage-test-key',
      },
    })
    afterAll(() => server.stop('SIGKILL'))
    const deviceId = uuidOf(`redis-outage-${process.pid}-${Date.now()}`)
    // a device request: the per-device limit and the new-device ceiling both use the store
    const timed = async () => {
      const started = performance.now()
      const res = await fetch(`${server.base}/updates`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          app_id: 'com.redis.outage',
          device_id: deviceId,
          platform: 'ios',
          version_name: 'builtin',
          version_build: '1.0.0',
          plugin_version: '8.51.0',
        }),
        signal: AbortSignal.timeout(20_000),
      })
      await res.text()
      return { status: res.status, ms: performance.now() - started, remaining: Number(res.headers.get('x-ratelimit-remaining')) }
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

    const before: number[] = []
    for (let i = 0; i < 10; i++) {
      const r = await timed()
      expect(r.status).toBe(200)
      before.push(r.ms)
    }
    expect(count(server.stdout(), OUTAGE)).toBe(0)

    await proxy.cut()
    const during: number[] = []
    const until = Date.now() + 3000 // ~30 requests over 3 s: a warning a request (or a second) would show
    while (Date.now() < until) {
      const r = await timed()
      expect(r.status).toBe(200)
      expect(r.remaining).toBeGreaterThan(0) // limits still counted (in the process)
      during.push(r.ms)
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    // generous on a loaded machine: a request that waited for Redis (a command timeout, a reconnection) takes ~1 s
    expect(during.length).toBeGreaterThanOrEqual(5)
    expect(median(during)).toBeLessThan(median(before) + 250)
    expect(during.filter((ms) => ms > 800).length).toBeLessThanOrEqual(during.length / 4)
    expect(count(server.stdout(), OUTAGE)).toBe(1)

    await proxy.restore()
    const deadline = Date.now() + 20_000
    while (!server.stdout().includes(RECOVERY) && Date.now() < deadline) {
      expect((await timed()).status).toBe(200)
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
    expect(count(server.stdout(), RECOVERY)).toBe(1)
    expect((await timed()).status).toBe(200)
    expect(count(server.stdout(), OUTAGE)).toBe(1)
  }, 90_000)
})
