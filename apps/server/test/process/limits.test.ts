// Rate limits, TRUST_PROXY and BODY_TIMEOUT_MS as users start the server: the built bundle with a
// real environment (no buildApp options), so the defaults, the parsing of the variables and their
// way into the app are what is tested.
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Answer, answerOf } from '../fetch-answer.ts'
import { uuidOf } from '../uuid.ts'
import { type StartedServer, startServer } from './server.ts'

const KEY = 'limits-test-admin-key'
const APP_ID = 'com.limits.test'

async function call(
  server: StartedServer,
  method: string,
  url: string,
  opts: { headers?: Record<string, string>; body?: unknown } = {},
): Promise<Answer> {
  const res = await fetch(server.base + url, {
    method,
    headers: { ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}), ...opts.headers },
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    signal: AbortSignal.timeout(20_000),
  })
  return answerOf(res)
}

/** A valid info object kept short: a 50-call tRPC batch of it fits in a URL. */
const SMALL_INFO = {
  app_id: APP_ID,
  device_id: uuidOf('batch'),
  platform: 'ios',
  version_name: '1',
  version_build: '1',
  plugin_version: '8.51.0',
}

const device = (label: string) => ({
  app_id: APP_ID,
  device_id: uuidOf(label),
  platform: 'android',
  version_name: 'builtin',
  version_build: '1.0.0',
  plugin_version: '8.51.0',
})

function expect429(a: Answer) {
  expect(a.status, JSON.stringify(a.body)).toBe(429)
  expect(a.body).toEqual({ status: 'KO', error: 'too_many_requests', message: expect.any(String) })
  expect(Number(a.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
}

/** A server on a fresh SQLite file, with an app to check in to. */
async function serverWith(env: Record<string, string>) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'capgo-limits-'))
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))
  const server = await startServer({ env: { DATABASE_URL: `file:${path.join(dir, 'capgo.db')}`, CAPGO_BOOTSTRAP_API_KEY: KEY, ...env } })
  afterAll(() => server.stop('SIGKILL'))
  const created = await call(server, 'POST', '/app', { headers: { authorization: KEY }, body: { app_id: APP_ID, name: 'Limits' } })
  expect(created.status, JSON.stringify(created.body)).toBe(200)
  return server
}

/** `n` calls of `fn`, `width` at a time, in order of index. */
async function inParallel<T>(n: number, width: number, fn: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = []
  let next = 0
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < n) {
        const i = next++
        out[i] = await fn(i)
      }
    }),
  )
  return out
}

describe('the limits when no RATE_LIMIT_* variable is set', () => {
  let server: StartedServer
  beforeAll(async () => {
    server = await serverWith({})
  }, 90_000)

  it('headers show the defaults; the 601st /updates of one device in a minute is 429, and a junk key does not get around it', async () => {
    const keyed = await call(server, 'GET', '/app', { headers: { authorization: KEY } })
    expect(keyed.status).toBe(200)
    expect(keyed.headers.get('x-ratelimit-limit')).toBe('6000')
    expect(Number(keyed.headers.get('x-ratelimit-remaining'))).toBeGreaterThan(5900)

    const first = await call(server, 'POST', '/updates', { body: device('default-limit-device') })
    expect(first.status, JSON.stringify(first.body)).toBe(200)
    expect(first.headers.get('x-ratelimit-limit')).toBe('600')
    expect(first.headers.get('x-ratelimit-remaining')).toBe('599')
    const rest = await inParallel(599, 8, () => call(server, 'POST', '/updates', { body: device('default-limit-device') }))
    expect(rest.filter((a) => a.status !== 200).map((a) => a.status)).toEqual([])
    expect429(await call(server, 'POST', '/updates', { body: device('default-limit-device') }))
    // a key header on a device endpoint changes nothing: not a junk one, not a valid one
    expect429(await call(server, 'POST', '/updates', { headers: { authorization: 'junk' }, body: device('default-limit-device') }))
    expect429(await call(server, 'POST', '/updates', { headers: { authorization: KEY }, body: device('default-limit-device') }))
    // another device has its own budget
    expect((await call(server, 'POST', '/updates', { body: device('default-limit-other') })).status).toBe(200)
  }, 120_000)

  it('without TRUST_PROXY, X-Forwarded-For is not believed: every "client" is the proxy', async () => {
    const a = await call(server, 'GET', '/openapi.json', { headers: { 'x-forwarded-for': '203.0.113.1' } })
    const b = await call(server, 'GET', '/openapi.json', { headers: { 'x-forwarded-for': '203.0.113.2' } })
    expect(Number(b.headers.get('x-ratelimit-remaining'))).toBe(Number(a.headers.get('x-ratelimit-remaining')) - 1)
  })
})

describe('small limits set through the environment, behind a trusted proxy', () => {
  let server: StartedServer
  beforeAll(async () => {
    server = await serverWith({
      RATE_LIMIT_MAX: '60',
      RATE_LIMIT_AUTH_FAIL_MAX: '3',
      RATE_LIMIT_NEW_DEVICES_PER_IP: '5',
      TRUST_PROXY: '127.0.0.1',
    })
  }, 90_000)
  const from = (ip: string, headers: Record<string, string> = {}) => ({ 'x-forwarded-for': ip, ...headers })
  // a public query (the plugin's channel list), so the batch is counted in its IP's budget alone
  // (a batch over 50 is refused before any input is read: its calls carry just an app_id, to keep the URL short)
  const batchUrl = (calls: number, input: object = SMALL_INFO) =>
    `/trpc/${Array(calls).fill('plugin.channelSelfList').join(',')}?batch=1&input=${encodeURIComponent(JSON.stringify(Object.fromEntries(Array.from({ length: calls }, (_, i) => [i, input]))))}`

  it('a tRPC batch counts each call and holds at most 50', async () => {
    const headers = from('198.51.100.10')
    const tooLarge = await call(server, 'GET', batchUrl(60, { app_id: APP_ID }), { headers })
    expect(tooLarge.status).toBe(400)
    expect(tooLarge.body).toEqual({ status: 'KO', error: 'batch_too_large', message: expect.any(String) })
    const batch = await call(server, 'GET', batchUrl(50), { headers })
    expect(batch.status, JSON.stringify(batch.body)).toBe(200)
    expect(batch.body).toHaveLength(50)
    expect(batch.headers.get('x-ratelimit-limit')).toBe('60')
    expect(batch.headers.get('x-ratelimit-remaining')).toBe('10') // 60 - 50
    expect429(await call(server, 'GET', batchUrl(11), { headers }))
  })

  it('TRUST_PROXY: clients behind the proxy are told apart by X-Forwarded-For', async () => {
    const remaining = async (ip: string) =>
      Number((await call(server, 'GET', '/openapi.json', { headers: from(ip) })).headers.get('x-ratelimit-remaining'))
    expect(await remaining('198.51.100.50')).toBe(59)
    expect(await remaining('198.51.100.50')).toBe(58)
    expect(await remaining('198.51.100.51')).toBe(59)
  })

  it('after the failed-authentication budget, an IP is refused unless its key is valid; other clients are not affected', async () => {
    const ip = '198.51.100.20'
    for (let i = 0; i < 3; i++)
      expect((await call(server, 'GET', '/app', { headers: from(ip, { authorization: `junk-${i}` }) })).status).toBe(401)
    expect429(await call(server, 'GET', '/app', { headers: from(ip, { authorization: 'junk-again' }) }))
    expect429(await call(server, 'GET', '/app', { headers: from(ip) }))
    expect((await call(server, 'GET', '/app', { headers: from(ip, { authorization: KEY }) })).status).toBe(200)
    expect((await call(server, 'GET', '/app', { headers: from(ip, { authorization: `Bearer ${KEY}` }) })).status).toBe(200)
    // TRUST_PROXY: another client behind the same proxy is not locked out
    expect((await call(server, 'GET', '/app', { headers: from('198.51.100.21', { authorization: 'junk-elsewhere' }) })).status).toBe(401)
  })

  it('each IP has a ceiling on new devices a minute; known devices still check in', async () => {
    const ip = '198.51.100.30'
    for (let i = 0; i < 5; i++)
      expect((await call(server, 'POST', '/updates', { headers: from(ip), body: device(`new-device-${i}`) })).status).toBe(200)
    expect429(await call(server, 'POST', '/updates', { headers: from(ip), body: device('new-device-5') }))
    // /stats events and the tRPC procedures count too
    expect429(await call(server, 'POST', '/stats', { headers: from(ip), body: [{ ...device('new-device-6'), action: 'set' }] }))
    expect429(await call(server, 'POST', '/trpc/plugin.updates', { headers: from(ip), body: device('new-device-7') }))
    for (let i = 0; i < 5; i++)
      expect((await call(server, 'POST', '/updates', { headers: from(ip), body: device(`new-device-${i}`) })).status).toBe(200)
    // another IP has its own ceiling
    expect((await call(server, 'POST', '/updates', { headers: from('198.51.100.31'), body: device('new-device-5') })).status).toBe(200)
  })

  it('a tRPC batch of device calls counts every new device', async () => {
    const ip = '198.51.100.40'
    const input = Object.fromEntries(Array.from({ length: 6 }, (_, i) => [i, device(`batch-device-${i}`)]))
    const res = await call(server, 'POST', `/trpc/${Array(6).fill('plugin.updates').join(',')}?batch=1`, { headers: from(ip), body: input })
    expect429(res)
  })
})

describe('BODY_TIMEOUT_MS', () => {
  let server: StartedServer
  beforeAll(async () => {
    server = await serverWith({ BODY_TIMEOUT_MS: '1000' })
  }, 90_000)

  it('a body that trickles in is cut with 408 in the envelope, and the connection closed', async () => {
    const socket = net.connect(server.port, '127.0.0.1')
    await new Promise((r) => socket.once('connect', r))
    let received = ''
    socket.on('data', (d) => (received += String(d)))
    const closed = new Promise<void>((r) => socket.once('close', () => r()))
    socket.write(`POST /updates HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n{`)
    // one byte every 200 ms, for at most 15 s: the server must cut it well before
    const started = Date.now()
    const trickle = setInterval(() => {
      if (!socket.destroyed) socket.write(' ')
    }, 200)
    try {
      await Promise.race([closed, new Promise((r) => setTimeout(r, 15_000))])
    } finally {
      clearInterval(trickle)
      socket.destroy()
    }
    expect(received).toMatch(/^HTTP\/1\.1 408 /)
    expect(received.toLowerCase()).toContain('connection: close')
    expect(JSON.parse(received.slice(received.indexOf('\r\n\r\n') + 4))).toEqual({
      status: 'KO',
      error: 'request_timeout',
      message: expect.any(String),
    })
    expect(Date.now() - started).toBeLessThan(12_000)
    // the server still answers
    expect((await call(server, 'GET', '/ok')).status).toBe(200)
  }, 30_000)
})

describe('invalid values of the new variables', () => {
  it.each([
    ['TRUST_PROXY', 'sometimes'],
    ['TRUST_PROXY', '10.0.0.0/40'],
    ['BODY_TIMEOUT_MS', 'soon'],
    ['RATE_LIMIT_NEW_DEVICES_PER_IP', '-1'],
  ])(
    '%s=%s stops the start with one line naming it, exit code 1',
    async (name, value) => {
      const server = await startServer({ env: { DATABASE_URL: 'file:/nonexistent-dir-capgo/never.db', [name]: value }, waitForOk: false })
      expect(await server.exited).toBe(1)
      const lines = server.stderr().trim().split('\n')
      expect(lines).toHaveLength(1)
      expect(lines[0]).toContain(name)
    },
    60_000,
  )
})
