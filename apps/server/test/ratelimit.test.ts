// Rate limits: per key (keyed by a hash, never the key), per IP without a key, per IP + device on
// the device-facing endpoints, a stricter per-IP budget of failed authentications, 429 in the
// envelope with Retry-After, and limits shared by two servers through Redis.
import { Redis } from 'ioredis'
import { afterAll, describe, expect, it } from 'vitest'
import { RATE_LIMIT_DEFAULTS } from '../src/plugins/rate-limit.ts'
import { buildTestApp, createTenant, getApp, type RestResponse, restOn, uid } from './harness.ts'

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
const { database } = await getApp()

function expect429(res: RestResponse) {
  expect(res.status, JSON.stringify(res.body)).toBe(429)
  expect(res.body).toEqual({ status: 'KO', error: 'too_many_requests', message: expect.any(String) })
  expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1)
}

describe('rate limits', () => {
  it('the defaults are generous (the suite and the fuzzing never reach them) and failed auths are stricter', () => {
    expect(RATE_LIMIT_DEFAULTS.max).toBeGreaterThanOrEqual(1000)
    expect(RATE_LIMIT_DEFAULTS.authFailMax).toBeLessThan(RATE_LIMIT_DEFAULTS.max)
  })

  it('per key: the key that overuses is refused with 429 and Retry-After; another key is not', async () => {
    const app = await buildTestApp(database, { rateLimit: { max: 5, timeWindowMs: 60_000 } })
    const t = await createTenant()
    const call = (key: string) => restOn(app, 'GET', '/channel', { key, query: { app_id: t.appId } })
    for (let i = 0; i < 5; i++) expect((await call(t.keys.read)).status).toBe(200)
    expect429(await call(t.keys.read))
    // same IP, another key: its own budget
    expect((await call(t.keys.write)).status).toBe(200)
    // tRPC over HTTP shares the same budget
    expect(
      (
        await app.inject({
          method: 'GET',
          url: `/trpc/channel.get?input=${encodeURIComponent(JSON.stringify({ app_id: t.appId }))}`,
          headers: { authorization: t.keys.read },
        })
      ).statusCode,
    ).toBe(429)
    // the health check is never limited
    expect((await restOn(app, 'GET', '/ok')).status).toBe(200)
  })

  it('per IP without a key, and per device on the device-facing endpoints', async () => {
    const app = await buildTestApp(database, { rateLimit: { max: 3, deviceMax: 2 } })
    const docsFrom = (ip: string) => app.inject({ method: 'GET', url: '/openapi.json', remoteAddress: ip })
    for (let i = 0; i < 3; i++) expect((await docsFrom('10.0.0.1')).statusCode).toBe(200)
    expect((await docsFrom('10.0.0.1')).statusCode).toBe(429)
    expect((await docsFrom('10.0.0.2')).statusCode).toBe(200)
    // device endpoints: keyed by IP + device_id (whether or not the route exists yet)
    const device = (id: string) =>
      app.inject({ method: 'POST', url: '/updates', remoteAddress: '10.0.0.3', payload: { device_id: id, app_id: 'com.example.app' } })
    for (let i = 0; i < 2; i++) expect((await device('dev-a')).statusCode).not.toBe(429)
    const limited = await device('DEV-A') // device ids are lower-cased
    expect(limited.statusCode).toBe(429)
    expect(limited.headers['retry-after']).toBeDefined()
    expect((await device('dev-b')).statusCode).not.toBe(429)
  })

  it('failed authentications: after the budget, the IP is refused unless its key is valid', async () => {
    const app = await buildTestApp(database, { rateLimit: { authFailMax: 3 } })
    const t = await createTenant()
    const call = (key: string | undefined, ip: string) =>
      app
        .inject({ method: 'GET', url: `/channel?app_id=${t.appId}`, remoteAddress: ip, headers: key ? { authorization: key } : {} })
        .then((r) => ({ status: r.statusCode, body: JSON.parse(r.body), headers: r.headers }))
    for (let i = 0; i < 3; i++) expect((await call(`garbage_${uid()}`, '10.1.0.1')).status).toBe(401)
    expect429(await call(`garbage_${uid()}`, '10.1.0.1'))
    expect((await call(t.keys.read, '10.1.0.1')).status).toBe(200)
    expect429(await call(undefined, '10.1.0.1'))
    // another IP is not affected, and successes never count
    for (let i = 0; i < 10; i++) expect((await call(t.keys.read, '10.1.0.2')).status).toBe(200)
  })

  it('two servers sharing Redis share the limits (per key and failed auths)', async () => {
    const prefix = `capgo-rl-test-${uid()}:`
    // a generous Redis timeout: a loaded machine must not make a test of sharing fall back to the process
    const a = await buildTestApp(database, { redisUrl: REDIS_URL, rateLimit: { max: 4, authFailMax: 2, prefix, redisTimeoutMs: 5000 } })
    const b = await buildTestApp(database, { redisUrl: REDIS_URL, rateLimit: { max: 4, authFailMax: 2, prefix, redisTimeoutMs: 5000 } })
    const t = await createTenant()
    const get = (app: typeof a, key: string, ip = '10.2.0.1') =>
      app
        .inject({ method: 'GET', url: `/channel?app_id=${t.appId}`, remoteAddress: ip, headers: { authorization: key } })
        .then((r) => ({ status: r.statusCode, body: JSON.parse(r.body), headers: r.headers }))
    expect((await get(a, t.keys.read)).status).toBe(200)
    expect((await get(b, t.keys.read)).status).toBe(200)
    expect((await get(a, t.keys.read)).status).toBe(200)
    expect((await get(b, t.keys.read)).status).toBe(200)
    expect429(await get(a, t.keys.read))
    expect429(await get(b, t.keys.read))

    expect((await get(a, `garbage_${uid()}`, '10.2.0.9')).status).toBe(401)
    expect((await get(b, `garbage_${uid()}`, '10.2.0.9')).status).toBe(401)
    expect429(await get(a, `garbage_${uid()}`, '10.2.0.9'))
    expect429(await get(b, `garbage_${uid()}`, '10.2.0.9'))
    expect((await get(b, t.keys.write, '10.2.0.9')).status).toBe(200)

    // what Redis holds: hashes, never a key
    const redis = new Redis(REDIS_URL)
    afterAll(() => redis.quit())
    const stored = await redis.keys(`${prefix}*`)
    expect(stored.length).toBeGreaterThan(0)
    for (const k of stored) for (const plain of Object.values(t.keys)) expect(k.includes(plain)).toBe(false)
    await redis.del(...stored)
  })

  it('a Redis that cannot be reached does not fail requests', async () => {
    const app = await buildTestApp(database, { redisUrl: 'redis://127.0.0.1:1', rateLimit: { max: 2 } })
    const t = await createTenant()
    const started = Date.now()
    const r = await restOn(app, 'GET', '/channel', { key: t.keys.read, query: { app_id: t.appId } })
    expect(r.status).toBe(200)
    expect(Date.now() - started).toBeLessThan(5000)
  })
})
