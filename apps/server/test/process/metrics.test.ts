// GET /metrics on the built server: off (404) until METRICS_TOKEN is set; then Prometheus text for
// a scraper sending `authorization: Bearer <token>` (401 in the envelope otherwise), with request
// counts and latencies by route and status, check-ins, stats events, downloads, cache hits and
// misses, and the database (PostgreSQL pool, or SQLite's file sizes).
import { describe, expect, it } from 'vitest'
import { isolatedDatabase } from '../harness.ts'
import { startServer } from './server.ts'

const KEY = 'metrics-test-key-12345'
const TOKEN = 'scrape-token-0123456789'

/** Prometheus text → `name{labels}` → value (labels as written, in order). */
function parse(text: string): Map<string, number> {
  const out = new Map<string, number>()
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue
    const m = /^(\S+?(?:\{.*\})?) (\S+)$/.exec(line)
    if (m) out.set(m[1]!, Number(m[2]))
  }
  return out
}

const device = (appId: string, n: number) => ({
  app_id: appId,
  device_id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
  version_name: '1.0.0',
  version_build: '1.0.0',
  platform: 'android',
  plugin_version: '8.51.23',
  is_emulator: false,
  is_prod: true,
})

describe('GET /metrics', () => {
  it('is off without METRICS_TOKEN: 404 like any unknown path', async () => {
    const { url } = await isolatedDatabase()
    const server = await startServer({ env: { DATABASE_URL: url } })
    const res = await fetch(`${server.base}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })
    expect(res.status).toBe(404)
    expect(await res.json()).toMatchObject({ status: 'KO', error: 'not_found' })
    await server.stop()
  }, 90_000)

  it('refuses a METRICS_TOKEN shorter than 16 characters: exit 1, one line naming it', async () => {
    const { url } = await isolatedDatabase()
    const server = await startServer({ env: { DATABASE_URL: url, METRICS_TOKEN: 'short' }, waitForOk: false })
    expect(await server.exited).toBe(1)
    expect(server.stderr()).toMatch(/^invalid environment: METRICS_TOKEN: [^\n]+\n$/)
  }, 90_000)

  it('answers scrapers with the token: requests by route and status, check-ins, events, caches, database', async () => {
    const { url, database } = await isolatedDatabase()
    const server = await startServer({ env: { DATABASE_URL: url, CAPGO_BOOTSTRAP_API_KEY: KEY, METRICS_TOKEN: TOKEN } })
    const base = server.base

    // without the token, or with another: 401 in the envelope
    for (const authorization of [undefined, TOKEN, `Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(1)}`, KEY]) {
      const res = await fetch(`${base}/metrics`, { headers: authorization ? { authorization } : {} })
      expect(res.status, String(authorization)).toBe(401)
      expect(await res.json()).toMatchObject({ status: 'KO', error: 'invalid_metrics_token' })
    }

    // some traffic: an app, two check-ins (the second from the cached snapshot), stats events, a 404
    const appId = `com.metrics.t${Date.now()}`
    const json = { authorization: KEY, 'content-type': 'application/json' }
    const created = await fetch(`${base}/app`, { method: 'POST', headers: json, body: JSON.stringify({ app_id: appId, name: 'metrics' }) })
    expect(created.status).toBe(200)
    for (const n of [1, 2]) {
      const res = await fetch(`${base}/updates`, { method: 'POST', headers: json, body: JSON.stringify(device(appId, n)) })
      expect(res.status).toBe(200)
    }
    const events = [
      { ...device(appId, 1), action: 'download_complete' },
      { ...device(appId, 2), action: 'update_fail' },
      { ...device(appId, 2), action: 'update_fail' },
    ]
    expect((await fetch(`${base}/stats`, { method: 'POST', headers: json, body: JSON.stringify(events) })).status).toBe(200)
    expect((await fetch(`${base}/app/com.missing.app`, { headers: { authorization: KEY } })).status).toBe(404)
    expect((await fetch(`${base}/app/com.missing.app`, { headers: { authorization: KEY } })).status).toBe(404)

    const res = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/)
    const text = await res.text()
    const m = parse(text)

    // requests: by method, route pattern (not the URL) and status; the latency histogram beside them
    expect(m.get('capgo_http_requests_total{method="POST",route="/app",status="200"}')).toBe(1)
    expect(m.get('capgo_http_requests_total{method="POST",route="/updates",status="200"}')).toBe(2)
    expect(m.get('capgo_http_requests_total{method="GET",route="/app/:app_id",status="404"}')).toBe(2)
    expect(m.get('capgo_http_requests_total{method="GET",route="/metrics",status="401"}')).toBe(5)
    expect(text).not.toContain('com.missing.app')
    expect(m.get('capgo_http_request_duration_seconds_count{method="POST",route="/updates",status="200"}')).toBe(2)
    expect(m.get('capgo_http_request_duration_seconds_bucket{le="+Inf",method="POST",route="/updates",status="200"}')).toBe(2)
    expect(m.get('capgo_http_request_duration_seconds_sum{method="POST",route="/updates",status="200"}')).toBeGreaterThan(0)

    // check-ins: two from /updates, three from the events
    expect(m.get('capgo_checkins_total{result="written"}')).toBe(5)
    expect(m.get('capgo_checkins_total{result="failed"}')).toBe(0)
    expect(m.get('capgo_checkins_pending')).toBe(0)
    expect(m.get('capgo_stats_events_total{action="download_complete"}')).toBe(1)
    expect(m.get('capgo_stats_events_total{action="update_fail"}')).toBe(2)
    expect(m.get('capgo_bundle_downloads_total')).toBe(0)
    expect(m.get('capgo_bundle_download_bytes_total')).toBe(0)

    // caches: the second check-in read the app's snapshot from the cache; keys are cached too
    expect(m.get('capgo_cache_lookups_total{cache="snapshot",result="miss"}')).toBeGreaterThanOrEqual(1)
    expect(m.get('capgo_cache_lookups_total{cache="snapshot",result="hit"}')).toBeGreaterThanOrEqual(1)
    expect(m.get('capgo_cache_lookups_total{cache="access",result="miss"}')).toBeGreaterThanOrEqual(1)
    expect(m.get('capgo_cache_lookups_total{cache="access",result="hit"}')).toBeGreaterThanOrEqual(1)

    // the database
    if (database.provider === 'postgres') {
      expect(m.get('capgo_db_pool_max')).toBe(10)
      const total = m.get('capgo_db_pool_connections{state="total"}')!
      expect(total).toBeGreaterThanOrEqual(1)
      expect(m.get('capgo_db_pool_connections{state="idle"}')).toBeLessThanOrEqual(total)
      expect(m.get('capgo_db_pool_connections{state="waiting"}')).toBe(0)
    } else {
      expect(m.get('capgo_db_sqlite_bytes{file="database"}')).toBeGreaterThan(0)
      expect(m.has('capgo_db_sqlite_bytes{file="wal"}')).toBe(true)
    }
    // the process (prom-client's defaults)
    expect(m.get('process_resident_memory_bytes')).toBeGreaterThan(0)
    expect([...m.keys()].some((k) => k.startsWith('nodejs_eventloop_lag_seconds'))).toBe(true)

    // counters only grow: a second scrape counts the first
    const again = parse(await (await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).text())
    expect(again.get('capgo_http_requests_total{method="GET",route="/metrics",status="200"}')).toBe(1)
    expect(again.get('capgo_checkins_total{result="written"}')).toBe(5)
    expect(await server.stop()).toBe(0)
  }, 90_000)
})
