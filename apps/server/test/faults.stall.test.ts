// A PostgreSQL that goes silent without closing its connections (a network dropping packets, no
// reset), through the built server as `pnpm start` runs it: each request ends in 503
// `database_unavailable` once DATABASE_QUERY_TIMEOUT_MS has passed, instead of waiting for ever; the
// process keeps answering meanwhile, and serves again once the database answers.
import { describe, expect, it } from 'vitest'
import { type Answer, call, checkInBody, onPostgres, runUrl, serverOn, sleep } from './faults-helpers.ts'
import { startServer } from './process/server.ts'
import { tcpProxy } from './process/tcp-proxy.ts'

const QUERY_TIMEOUT_MS = 2000

describe('PostgreSQL that stops answering', () => {
  it.each(['0', 'soon', '99'])('DATABASE_QUERY_TIMEOUT_MS=%s stops the start with one line naming it, exit 1', async (value) => {
    const server = await startServer({ env: { DATABASE_URL: runUrl, DATABASE_QUERY_TIMEOUT_MS: value }, waitForOk: false })
    expect(await server.exited).toBe(1)
    expect(server.stderr()).toMatch(/^invalid environment: DATABASE_QUERY_TIMEOUT_MS: [^\n]+\n$/)
  })

  if (!onPostgres) return
  it('requests end in 503 after DATABASE_QUERY_TIMEOUT_MS, the process answers meanwhile, and all is served again after', async () => {
    const upstream = new URL(runUrl)
    const proxy = await tcpProxy(upstream.hostname, Number(upstream.port || 5432))
    const { server, key, appId } = await serverOn(proxy, { DATABASE_QUERY_TIMEOUT_MS: String(QUERY_TIMEOUT_MS) })
    const channels = `/channel?app_id=${appId}`
    const trpcRead = `/trpc/channel.get?input=${encodeURIComponent(JSON.stringify({ app_id: appId }))}`
    const requests: [string, () => Promise<Answer>][] = [
      ['REST read', () => call(server.base, 'GET', channels, key)],
      ['tRPC read', () => call(server.base, 'GET', trpcRead, key)],
      ['REST write', () => call(server.base, 'POST', '/channel', key, { app_id: appId, channel: `c${Date.now()}`, public: false })],
      ['check-in', () => call(server.base, 'POST', '/updates', undefined, checkInBody(appId, `dev-${Date.now()}`, '1'))],
    ]
    for (const [what, send] of requests) expect((await send()).status, what).toBe(200)

    proxy.stall()
    const t0 = Date.now()
    const during = await Promise.all(
      requests.map(async ([what, send]) => {
        const started = Date.now()
        const a = await send()
        return {
          what,
          status: a.status,
          error: a.body?.error?.error ?? a.body?.error,
          retryAfter: a.headers.get('retry-after'),
          ms: Date.now() - started,
        }
      }),
    )
    // each request was answered, not left hanging: 503 with Retry-After, after at least the timeout
    for (const d of during) {
      expect(d, JSON.stringify(during)).toMatchObject({ status: 503, error: 'database_unavailable' })
      expect(Number(d.retryAfter)).toBeGreaterThan(0)
    }
    expect(Math.min(...during.map((d) => d.ms))).toBeGreaterThanOrEqual(QUERY_TIMEOUT_MS - 100)
    // the process itself answers meanwhile: what needs no database, and the health check (503)
    expect((await call(server.base, 'GET', '/openapi.json', undefined)).status).toBe(200)
    expect((await call(server.base, 'GET', '/ok', undefined)).status).toBe(503)
    expect(Date.now() - t0).toBeLessThan(25_000)

    proxy.unstall()
    // once the database answers again, every kind of request succeeds (the held bytes arrive first)
    const deadline = Date.now() + 30_000
    let after: number[] = []
    do {
      after = []
      for (const [, send] of requests) after.push((await send()).status)
      if (after.every((s) => s === 200)) break
      await sleep(250)
    } while (Date.now() < deadline)
    expect(after).toEqual([200, 200, 200, 200])
    expect(server.child.exitCode).toBeNull()
    expect(server.stderr() + server.stdout()).not.toMatch(/Unhandled|uncaught/i)
  }, 120_000)
})
