// Simulated 8.51 devices answered 429 by a server with a tight per-device budget: they hold every
// request until Retry-After, queue their stats, then go on.
import type { AddressInfo } from 'node:net'
import { describe, expect, it } from 'vitest'
import { Fleet } from './device-sim/fleet.ts'
import { operator } from './device-sim/operator.ts'
import { actions, useBundleHost } from './device-sim-helpers.ts'
import { buildTestApp, createTenant, getApp } from './harness.ts'

const sim = useBundleHost()

describe('rate limiting', { timeout: 60_000 }, () => {
  it('a device answered 429 holds every request until Retry-After, keeps its stats queued, then goes on', async () => {
    const t = await createTenant()
    const { database } = await getApp()
    // a tight per-device budget on its own server: 4 requests per 3 s window
    const limited = await buildTestApp(database, { rateLimit: { deviceMax: 4, timeWindowMs: 3000, newDevicesPerIp: 1_000_000 } })
    await limited.listen({ port: 0, host: '127.0.0.1' })
    const limitedBase = `http://127.0.0.1:${(limited.server.address() as AddressInfo).port}`
    const op = operator(limitedBase, t.keys.all, t.appId)
    await op.publish(sim.host.add(t.appId, '1.0.1'))
    await op.channel('production', { version: '1.0.1', public: true })
    // the devices' clock stands still while the test looks at them blocked (no step depends on how fast
    // the machine is), then catches up with real time once the server's window has passed
    const clock = { now: Date.now() }
    const fleet = new Fleet({ size: 5, seed: 1399, appId: t.appId, base: limitedBase, ca: sim.host.ca, now: () => clock.now })

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
