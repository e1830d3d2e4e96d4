// Fleets of simulated @capgo/capacitor-updater 8.51 devices (test/device-sim) against the real server
// over real HTTP: the paths a live update takes in the field, read through what the devices end up
// running and what the management API then reports. SPEC section 3.
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type BundleHost, startBundleHost } from './device-sim/bundles.ts'
import { Fleet } from './device-sim/fleet.ts'
import { operator } from './device-sim/operator.ts'
import { BUILTIN, keyIdOf, type SimDevice } from './device-sim/plugin.ts'
import { buildTestApp, createTenant, getApp, type Tenant } from './harness.ts'

let host: BundleHost
let base: string

beforeAll(async () => {
  host = await startBundleHost()
  const { database } = await getApp()
  // the production limits, except the new-device ceiling per IP: every fleet here shares 127.0.0.1
  const app = await buildTestApp(database, { rateLimit: { newDevicesPerIp: 1_000_000 } })
  await app.listen({ port: 0, host: '127.0.0.1' })
  base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
})
afterAll(() => host?.close())

let seed = 1300
async function setup(
  size: number,
  opts: { versionBuild?: string; config?: Record<string, unknown>; appReady?: (v: string) => boolean } = {},
) {
  const t: Tenant = await createTenant()
  const op = operator(base, t.keys.all, t.appId)
  const fleet = new Fleet({ size, seed: seed++, appId: t.appId, base, ca: host.ca, ...opts })
  return { t, op, fleet, zip: (name: string) => host.add(t.appId, name) }
}

/** Every stats batch was acknowledged event by event (SPEC: 200 with one `ok` result per event) and none dropped. */
function expectStatsAccepted(devices: SimDevice[]) {
  for (const d of devices) {
    expect(d.dropped, `device ${d.deviceId} had a batch dropped`).toEqual([])
    expect(d.pendingStats).toEqual([])
    for (const answer of d.statsAnswers) {
      const a = answer as { status: string; results: { status: string }[] }
      expect(a.status).toBe('ok')
      expect(
        a.results.filter((r) => r.status !== 'ok'),
        JSON.stringify(a),
      ).toEqual([])
    }
  }
}

const actions = (d: SimDevice) => d.acknowledged.map((e) => e.action)

describe('rollout', { timeout: 60_000 }, () => {
  it('a new bundle on the public channel reaches the whole fleet: check, download + SHA-256, set; then the next one', async () => {
    const { op, fleet, zip } = await setup(40)
    const v1 = zip('1.0.1')
    await op.publish(v1)
    await op.channel('production', { version: '1.0.1', public: true })

    const first = await fleet.each((d) => d.launch())
    expect(first.map((o) => o.result)).toEqual(fleet.devices.map(() => 'downloaded'))
    fleet.devices.forEach((d) => void d.appMovedToBackground())
    await fleet.drainStats()
    expectStatsAccepted(fleet.devices)
    for (const d of fleet.devices) {
      expect(d.currentBundle.versionName).toBe('1.0.1')
      expect(d.currentBundle.checksum).toBe(v1.checksum)
      // the plugin's order: check → download progress → download_complete → set_next → (background) set
      const a = actions(d)
      expect(a.indexOf('download_complete')).toBeGreaterThan(-1)
      expect(a.indexOf('set_next')).toBeGreaterThan(a.indexOf('download_complete'))
      expect(a.indexOf('set')).toBeGreaterThan(a.indexOf('set_next'))
    }
    // what the operator sees: each device on 1.0.1 (from its `set` event), the bytes the CDN served
    for (const d of fleet.devices.slice(0, 5)) expect(await op.device(d.deviceId)).toMatchObject({ version_name: '1.0.1' })
    expect(host.downloads.get(v1.url)).toBe(40)
    expect(await op.today()).toMatchObject({ mau: 40, bandwidth: 40 * v1.size })

    // a second release: the devices move on and drop the bundle they ran before
    const v2 = zip('1.0.2')
    await op.publish(v2)
    await op.channel('production', { version: '1.0.2' })
    const second = await fleet.each((d) => d.appMovedToForeground())
    expect(new Set(second.map((o) => o.result))).toEqual(new Set(['downloaded']))
    fleet.devices.forEach((d) => void d.appMovedToBackground())
    await fleet.drainStats()
    expectStatsAccepted(fleet.devices)
    for (const d of fleet.devices) {
      expect(d.currentBundle.versionName).toBe('1.0.2')
      expect(d.acknowledged.filter((e) => e.action === 'delete').map((e) => e.version_name)).toEqual(['1.0.1'])
    }
    const third = await fleet.each((d) => d.appMovedToForeground())
    expect(third.map((o) => ('error' in o ? o.error : o.result))).toEqual(fleet.devices.map(() => 'no_new_version_available'))
    expect(await op.today()).toMatchObject({ mau: 40, bandwidth: 40 * (v1.size + v2.size) })
  })

  it('a corrupted download fails its SHA-256 check: checksum_fail, the device keeps its bundle and does not retry it', async () => {
    const { op, fleet, zip } = await setup(20)
    const v1 = zip('1.0.1')
    await op.publish(v1)
    await op.channel('production', { version: '1.0.1', public: true })
    host.corrupt(v1)
    const outcomes = await fleet.each((d) => d.launch())
    expect(new Set(outcomes.map((o) => o.result))).toEqual(new Set(['download_failed']))
    // the bundle stays in error on the device: the next check does not download it again
    const again = await fleet.each((d) => d.appMovedToForeground())
    expect(new Set(again.map((o) => o.result))).toEqual(new Set(['bundle_in_error']))
    expect(host.downloads.get(v1.url)).toBe(20)
    fleet.devices.forEach((d) => void d.appMovedToBackground())
    await fleet.drainStats()
    expectStatsAccepted(fleet.devices)
    for (const d of fleet.devices) {
      expect(d.currentBundle.id).toBe(BUILTIN)
      expect(actions(d)).toEqual(expect.arrayContaining(['checksum_fail', 'download_fail', 'finish_download_fail']))
      expect(actions(d)).not.toContain('download_complete')
    }
    // no download completed: no bandwidth for an external bundle
    expect(await op.today()).toMatchObject({ mau: 20, bandwidth: 0 })
  })

  it('a bundle whose app never calls notifyAppReady is rolled back (update_fail) to the last good one', async () => {
    const { op, fleet, zip } = await setup(20, { appReady: (v) => v !== '1.0.2' })
    const [v1, v2] = [zip('1.0.1'), zip('1.0.2')]
    await op.publish(v1)
    await op.publish(v2)
    await op.channel('production', { version: '1.0.1', public: true })
    await fleet.each((d) => d.launch())
    fleet.devices.forEach((d) => void d.appMovedToBackground())
    await op.channel('production', { version: '1.0.2' })
    await fleet.each((d) => d.appMovedToForeground())
    fleet.devices.forEach((d) => void d.appMovedToBackground())
    await fleet.drainStats()
    expectStatsAccepted(fleet.devices)
    for (const d of fleet.devices) {
      expect(d.currentBundle.versionName).toBe('1.0.1')
      const failed = d.acknowledged.find((e) => e.action === 'update_fail')
      expect(failed?.version_name).toBe('1.0.2')
    }
    // the server saw the devices go back: their last `set` names 1.0.1
    for (const d of fleet.devices.slice(0, 3)) expect(await op.device(d.deviceId)).toMatchObject({ version_name: '1.0.1' })
  })
})

describe('channels', { timeout: 60_000 }, () => {
  it('devices self-assign to beta (kept on the device, sent as defaultChannel) and come back with unsetChannel (no request)', async () => {
    const { op, fleet, zip } = await setup(20)
    const [prod, beta] = [zip('1.0.1'), zip('1.1.0-beta.1')]
    await op.publish(prod)
    await op.publish(beta)
    await op.channel('production', { version: '1.0.1', public: true })
    await op.channel('beta', { version: '1.1.0-beta.1', allow_device_self_set: true })
    await op.channel('qa', { version: '1.0.1' })
    const testers = fleet.devices.slice(0, 10)
    const others = fleet.devices.slice(10)

    // listChannels: the public channel and the self-settable one, never the private qa
    const listed = await testers[0]!.listChannels()
    expect((listed.channels as { name: string }[]).map((c) => c.name).sort()).toEqual(['beta', 'production'])

    for (const d of testers) expect(await d.setChannel('beta')).toMatchObject({ status: 'ok' })
    for (const d of testers) expect(d.defaultChannel).toBe('beta')
    expect(await testers[0]!.getChannel()).toMatchObject({ channel: 'beta', status: 'default' })

    const checked = await fleet.each((d) => d.launch())
    expect(checked.map((o) => ('version' in o ? o.version : o.result))).toEqual([
      ...testers.map(() => '1.1.0-beta.1'),
      ...others.map(() => '1.0.1'),
    ])
    // no override was stored server-side: the device carries its choice, which /updates records
    for (const d of testers.slice(0, 3)) {
      const device = await op.device(d.deviceId)
      expect(device.channel).toBeUndefined()
      expect(device.default_channel).toBe('beta')
    }
    fleet.devices.forEach((d) => void d.appMovedToBackground())

    // refused choices answer HTTP 200 {error} and change nothing on the device
    const refused = await testers[0]!.setChannel('qa')
    expect(refused).toMatchObject({ error: 'channel_self_set_not_allowed', statusCode: 200 })
    expect(testers[0]!.eventsNamed('channelPrivate')).toHaveLength(1)
    expect(await testers[0]!.setChannel('nope')).toMatchObject({ error: 'channel_not_found', statusCode: 200 })
    expect(testers[0]!.defaultChannel).toBe('beta')

    // back: unsetChannel sends nothing; choosing the public channel answers unset:true
    const before = testers[1]!.requests.length
    await testers[1]!.unsetChannel()
    expect(testers[1]!.requests.length).toBe(before)
    expect(await testers[2]!.setChannel('production')).toMatchObject({ status: 'ok', unset: true })
    for (const d of [testers[0]!, ...testers.slice(3)]) await d.unsetChannel()
    for (const d of testers) expect(d.defaultChannel).toBe('')
    expect(await testers[1]!.getChannel()).toMatchObject({ channel: 'production', status: 'default' })

    const back = await fleet.each((d) => d.appMovedToForeground())
    expect(back.map((o) => ('version' in o ? o.version : 'error' in o ? o.error : o.result))).toEqual([
      ...testers.map(() => '1.0.1'),
      ...others.map(() => 'no_new_version_available'),
    ])
    fleet.devices.forEach((d) => void d.appMovedToBackground())
    await fleet.drainStats()
    expectStatsAccepted(fleet.devices)
    for (const d of fleet.devices) expect(d.currentBundle.versionName).toBe('1.0.1')
  })

  it('an operator pins one device (POST /device): it follows its override, reports it, and returns when unpinned', async () => {
    const { op, fleet, zip } = await setup(20)
    const [prod, hotfix] = [zip('1.0.1'), zip('1.0.2-rc.1')]
    await op.publish(prod)
    await op.publish(hotfix)
    await op.channel('production', { version: '1.0.1', public: true })
    await op.channel('qa', { version: '1.0.2-rc.1' })
    const pinned = fleet.devices[7]!
    await op.pin(pinned.deviceId, { channel: 'qa' })

    const outcomes = await fleet.each((d) => d.launch())
    expect(outcomes.map((o) => ('version' in o ? o.version : o.result))).toEqual(
      fleet.devices.map((d) => (d === pinned ? '1.0.2-rc.1' : '1.0.1')),
    )
    expect(await pinned.getChannel()).toMatchObject({ channel: 'qa', status: 'override' })
    // the plugin keeps whatever getChannel answers as its defaultChannel (CU.persistDefaultChannelFromResponse)
    expect(pinned.defaultChannel).toBe('qa')
    expect(await op.device(pinned.deviceId)).toMatchObject({ channel: 'qa' })
    fleet.devices.forEach((d) => void d.appMovedToBackground())

    // unpinned, it still sends defaultChannel "qa", which is neither public nor self-settable: the public channel serves it
    await op.unpin(pinned.deviceId)
    expect(await pinned.appMovedToForeground()).toMatchObject({ result: 'downloaded', version: '1.0.1' })
    pinned.appMovedToBackground()
    await fleet.drainStats()
    expectStatsAccepted(fleet.devices)
    expect(pinned.currentBundle.versionName).toBe('1.0.1')
  })
})

describe('policies', { timeout: 60_000 }, () => {
  it('a major upgrade is held back: blocked with breaking, the plugin emits majorAvailable and downloads nothing', async () => {
    const { op, fleet, zip } = await setup(20)
    const [v1, v2] = [zip('1.0.1'), zip('2.0.0')]
    await op.publish(v1)
    await op.publish(v2)
    await op.channel('production', { version: '1.0.1', public: true, disableAutoUpdate: 'major' })
    await fleet.each((d) => d.launch())
    fleet.devices.forEach((d) => void d.appMovedToBackground())
    await op.channel('production', { version: '2.0.0' })
    const outcomes = await fleet.each((d) => d.appMovedToForeground())
    for (const [i, d] of fleet.devices.entries()) {
      expect(outcomes[i]).toMatchObject({ result: 'blocked', error: 'disable_auto_update_to_major', version: '2.0.0', statusCode: 200 })
      expect(d.eventsNamed('majorAvailable').map((e) => e.data.version)).toEqual(['2.0.0'])
      expect(d.eventsNamed('breakingAvailable')).toHaveLength(1)
      expect(d.currentBundle.versionName).toBe('1.0.1')
    }
    expect(host.downloads.get(v2.url)).toBeUndefined()
    await fleet.drainStats()
    expectStatsAccepted(fleet.devices)
    // a blocked answer is not a failure: no download_fail after the first (successful) download
    for (const d of fleet.devices) expect(actions(d)).not.toContain('download_fail')
  })

  it('a channel set back to "builtin" returns the fleet to the bundle shipped in the binary (reset)', async () => {
    const { op, fleet, zip } = await setup(20)
    await op.publish(zip('1.0.1'))
    await op.channel('production', { version: '1.0.1', public: true })
    await fleet.each((d) => d.launch())
    fleet.devices.forEach((d) => void d.appMovedToBackground())
    await op.channel('production', { version: BUILTIN })
    const outcomes = await fleet.each((d) => d.appMovedToForeground())
    expect(new Set(outcomes.map((o) => o.result))).toEqual(new Set(['builtin_next']))
    fleet.devices.forEach((d) => void d.appMovedToBackground())
    await fleet.drainStats()
    expectStatsAccepted(fleet.devices)
    for (const d of fleet.devices) {
      expect(d.currentBundle.id).toBe(BUILTIN)
      expect(d.acknowledged.find((e) => e.action === 'reset')).toMatchObject({ version_name: BUILTIN, old_version_name: '1.0.1' })
    }
    const after = await fleet.each((d) => d.appMovedToForeground())
    expect(after.map((o) => ('error' in o ? `${o.result}:${o.error}` : o.result))).toEqual(
      fleet.devices.map(() => 'up_to_date:already_on_builtin'),
    )
    for (const d of fleet.devices.slice(0, 3)) expect(await op.device(d.deviceId)).toMatchObject({ version_name: BUILTIN })
  })
})

describe('rate limiting', { timeout: 60_000 }, () => {
  it('a device answered 429 holds every request until Retry-After, keeps its stats queued, then goes on', async () => {
    const t = await createTenant()
    const { database } = await getApp()
    // a tight per-device budget on its own server: 4 requests per 3 s window
    const limited = await buildTestApp(database, { rateLimit: { deviceMax: 4, timeWindowMs: 3000, newDevicesPerIp: 1_000_000 } })
    await limited.listen({ port: 0, host: '127.0.0.1' })
    const limitedBase = `http://127.0.0.1:${(limited.server.address() as AddressInfo).port}`
    const op = operator(limitedBase, t.keys.all, t.appId)
    await op.publish(host.add(t.appId, '1.0.1'))
    await op.channel('production', { version: '1.0.1', public: true })
    // the devices' clock stands still while the test looks at them blocked (no step depends on how fast
    // the machine is), then catches up with real time once the server's window has passed
    const clock = { now: Date.now() }
    const fleet = new Fleet({ size: 5, seed: 1399, appId: t.appId, base: limitedBase, ca: host.ca, now: () => clock.now })

    for (const d of fleet.devices) {
      clock.now = Date.now()
      // checks until the server refuses one (the budget is 4 a window; the loop is bounded)
      let outcome = await d.getLatest()
      for (let i = 0; i < 12 && outcome.statusCode !== 429; i++) outcome = await d.getLatest()
      expect(outcome).toMatchObject({ statusCode: 429, error: 'too_many_requests', kind: 'failed' })
      expect(d.isRemoteBlocked()).toBe(true)
      // while blocked: no request leaves the device (but the one rate_limit_reached event); the check
      // fails locally, and the stats it makes wait in the queue
      const sent = d.requests.filter((r) => r.status >= 0 && !r.url.endsWith('/stats')).length
      expect(await d.checkForUpdate()).toMatchObject({ result: 'failed', error: 'too_many_requests' })
      expect(await d.getChannel()).toMatchObject({ error: 'too_many_requests' })
      expect(await d.setChannel('production')).toMatchObject({ error: 'too_many_requests' })
      expect(await d.flushStats()).toBe('deferred')
      expect(d.requests.filter((r) => r.status >= 0 && !r.url.endsWith('/stats')).length).toBe(sent)
      expect(d.pendingStats.map((e) => e.action)).toContain('download_fail')
    }
    // after Retry-After (real time, for the server's window): the devices deliver what they queued and update
    const until = Math.max(...fleet.devices.map((d) => d.remoteBlockedUntil))
    await new Promise((r) => setTimeout(r, Math.max(0, until - Date.now()) + 50))
    clock.now = Date.now()
    expect(fleet.devices.filter((d) => d.isRemoteBlocked())).toEqual([])
    await fleet.drainStats()
    const outcomes = await fleet.each((d) => d.checkForUpdate())
    expect(new Set(outcomes.map((o) => o.result))).toEqual(new Set(['downloaded']))
    await fleet.drainStats(20)
    for (const d of fleet.devices) {
      expect(d.dropped).toEqual([])
      expect(actions(d)).toEqual(expect.arrayContaining(['download_fail', 'download_complete', 'set_next']))
    }
  })
})

describe('encryption key and bundle metadata', { timeout: 60_000 }, () => {
  const keyA = '-----BEGIN RSA PUBLIC KEY-----\nMIIBCgKCAQEAaaaaaaaaaaaaaaaaaaaaaaaaaaa\n-----END RSA PUBLIC KEY-----'
  const keyB = '-----BEGIN RSA PUBLIC KEY-----\nMIIBCgKCAQEAbbbbbbbbbbbbbbbbbbbbbbbbbbb\n-----END RSA PUBLIC KEY-----'

  it('a bundle encrypted for another key is held back (key_id_mismatch): nothing is downloaded', async () => {
    const { op, fleet, zip } = await setup(10, { config: { publicKey: keyA } })
    const v1 = zip('1.0.1')
    await op.publish(v1, { session_key: 'aGVsbG8=:d29ybGQ=', key_id: keyIdOf(keyB) })
    await op.channel('production', { version: '1.0.1', public: true })
    const outcomes = await fleet.each((d) => d.launch())
    expect(outcomes.map((o) => ('error' in o ? `${o.result}:${o.error}` : o.result))).toEqual(
      fleet.devices.map(() => 'blocked:key_id_mismatch'),
    )
    expect(host.downloads.get(v1.url)).toBeUndefined()
    await fleet.drainStats()
    expectStatsAccepted(fleet.devices)
  })

  it('link and comment reach the app with expose_metadata, and only then', async () => {
    const { t, op, fleet, zip } = await setup(2)
    await op.publish(zip('1.0.1'), { link: 'https://example.com/changelog/1.0.1', comment: 'Faster start' })
    await op.channel('production', { version: '1.0.1', public: true })
    const [d] = fleet.devices
    const hidden = await d!.getLatest()
    expect(hidden).toMatchObject({ version: '1.0.1' })
    expect(hidden.link).toBeUndefined()
    expect(hidden.comment).toBeUndefined()
    expect((await op.call('PUT', `/app/${t.appId}`, { expose_metadata: true })).status).toBe(200)
    expect(await d!.getLatest()).toMatchObject({ version: '1.0.1', link: 'https://example.com/changelog/1.0.1', comment: 'Faster start' })
  })
})
