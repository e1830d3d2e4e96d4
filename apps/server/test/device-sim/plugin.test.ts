// The simulator's own rules, against a scripted stub server: what the plugin does with each answer
// (CapgoUpdater.flushStatsQueue, checkAndHandleRateLimitResponse, makeJsonRequest, getChannel), so a
// scenario that passes means the server satisfies the plugin, not a lenient model of it.
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { endpointsOf, seeded, uuidFrom } from './fleet.ts'
import { MAX_PENDING_STATS, PLUGIN_VERSION, SimDevice } from './plugin.ts'

type Scripted = { status: number; body?: unknown; headers?: Record<string, string> }
let script: Scripted[] = []
const received: { method: string; url: string; body: unknown }[] = []
let server: http.Server
let base = ''

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let raw = ''
    req.on('data', (c) => (raw += c))
    req.on('end', () => {
      received.push({ method: req.method!, url: req.url!, body: raw ? JSON.parse(raw) : undefined })
      const next = script.shift() ?? { status: 200, body: { status: 'ok' } }
      res.writeHead(next.status, { 'content-type': 'application/json', ...next.headers })
      res.end(next.body === undefined ? '' : JSON.stringify(next.body))
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => new Promise((r) => server.close(r)))

const rand = seeded(42)
function device(clock = { now: 1_800_000_000_000 }, config: Record<string, unknown> = {}) {
  script = []
  received.length = 0
  const d = new SimDevice({
    deviceId: uuidFrom(rand),
    native: {
      platform: 'android',
      versionBuild: '1.0.0',
      versionCode: '1',
      versionOs: '14',
      isEmulator: false,
      isProd: true,
      installSource: 'com.android.vending',
    },
    config: { appId: 'com.example.app', ...endpointsOf(base), ...config },
    now: () => clock.now,
  })
  return { d, clock }
}

describe('device simulator', () => {
  it('sends the info object of CapgoUpdater.createInfoObject (key_id only with a public key)', async () => {
    const { d } = device()
    await d.getLatest()
    expect(received[0]!.body).toEqual({
      platform: 'android',
      device_id: d.deviceId,
      app_id: 'com.example.app',
      custom_id: '',
      version_build: '1.0.0',
      version_code: '1',
      version_os: '14',
      version_name: 'builtin',
      plugin_version: PLUGIN_VERSION,
      is_emulator: false,
      is_prod: true,
      install_source: 'com.android.vending',
      defaultChannel: '',
    })
    const keyed = device(undefined, {
      publicKey: '-----BEGIN RSA PUBLIC KEY-----\nMIIBCgKCAQEAx1y2z3abcdefgh\n-----END RSA PUBLIC KEY-----',
    }).d
    await keyed.getLatest()
    expect((received[0]!.body as { key_id: string }).key_id).toBe('MIIBCgKCAQEAx1y2z3ab')
  })

  it('keeps a stats batch on 5xx, 408 and network errors, drops it on another 4xx', async () => {
    const { d } = device()
    d.sendStats('set', '1.0.1', 'builtin')
    script = [{ status: 503 }, { status: 408 }, { status: 400, body: { error: 'invalid_json_body' } }]
    expect(await d.flushStats()).toBe('requeued')
    expect(await d.flushStats()).toBe('requeued')
    expect(await d.flushStats()).toBe('dropped')
    expect(d.dropped.map((e) => e.action)).toEqual(['set'])
    expect(received.map((r) => (r.body as unknown[]).length)).toEqual([1, 1, 1])
    d.sendStats('set', '1.0.1', 'builtin')
    expect(await d.flushStats()).toBe('sent')
    expect(d.acknowledged).toHaveLength(1)
  })

  it('holds at most 200 queued events, the oldest dropped first, and flushes them in one request', async () => {
    const { d } = device()
    for (let i = 0; i < MAX_PENDING_STATS + 5; i++) d.sendStats(`download_${i}`)
    expect(d.pendingStats).toHaveLength(MAX_PENDING_STATS)
    expect(d.pendingStats[0]!.action).toBe('download_5')
    expect(await d.flushStats()).toBe('sent')
    expect(received).toHaveLength(1)
    expect((received[0]!.body as unknown[]).length).toBe(MAX_PENDING_STATS)
  })

  it('a 429 blocks every call until Retry-After (the clock passing it), sending rate_limit_reached once', async () => {
    const { d, clock } = device()
    script = [
      { status: 429, body: { error: 'too_many_requests', message: 'slow down' }, headers: { 'retry-after': '30' } },
      { status: 200, body: { status: 'ok' } }, // rate_limit_reached
    ]
    expect(await d.getLatest()).toMatchObject({ error: 'too_many_requests', kind: 'failed', statusCode: 429 })
    d.sendStats('app_moved_to_background')
    expect(await d.flushStats()).toBe('deferred')
    expect(await d.getChannel()).toMatchObject({ error: 'too_many_requests' })
    expect(await d.setChannel('beta')).toMatchObject({ error: 'too_many_requests' })
    expect(received.map((r) => (r.body as { action?: string }).action ?? r.url)).toEqual(['/updates', 'rate_limit_reached'])
    clock.now += 30_000
    expect(await d.flushStats()).toBe('sent')
    expect(received).toHaveLength(3)
  })

  it('reads errors of 200 answers, normalises unknown kinds to failed, and needs a valid url', async () => {
    const { d } = device()
    script = [
      { status: 200, body: { error: 'disable_auto_update_to_major', kind: 'blocked', version: '2.0.0', breaking: true, message: 'm' } },
      { status: 200, body: { error: 'something_new', kind: 'surprise', message: 'm' } },
      { status: 200, body: { version: '1.0.1', url: 'not a url', checksum: 'x', session_key: '' } },
    ]
    expect(await d.checkForUpdate()).toMatchObject({ result: 'blocked', error: 'disable_auto_update_to_major', version: '2.0.0' })
    expect(d.eventsNamed('majorAvailable')).toEqual([{ name: 'majorAvailable', data: { version: '2.0.0' } }])
    expect(await d.checkForUpdate()).toMatchObject({ result: 'failed', error: 'something_new' })
    expect(await d.checkForUpdate()).toEqual({ result: 'no_url' })
    // a blocked answer is not a failure; the other two send download_fail
    expect(d.pendingStats.map((e) => e.action)).toEqual(['download_fail', 'download_fail'])
  })

  it('getChannel falls back to its own channel on 400 channel_not_found and keeps an answered channel', async () => {
    const { d } = device(undefined, { defaultChannel: 'beta' })
    script = [
      { status: 400, body: { error: 'channel_not_found' } },
      { status: 200, body: { channel: 'qa', status: 'override' } },
    ]
    expect(await d.getChannel()).toEqual({ channel: 'beta', status: 'default' })
    expect(await d.getChannel()).toEqual({ channel: 'qa', status: 'override' })
    expect(d.defaultChannel).toBe('qa')
    await d.unsetChannel()
    expect(d.defaultChannel).toBe('beta')
    expect(received).toHaveLength(2)
  })
})
