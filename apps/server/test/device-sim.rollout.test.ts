// Fleets of simulated @capgo/capacitor-updater 8.51 devices (test/device-sim) against the real server
// over real HTTP: a release reaching the fleet, a corrupted download, a rollback. SPEC section 3.
import { describe, expect, it } from 'vitest'
import { BUILTIN } from './device-sim/plugin.ts'
import { actions, expectStatsAccepted, simulatedField } from './device-sim-helpers.ts'

const sim = simulatedField(1300)

describe('rollout', { timeout: 60_000 }, () => {
  it('a new bundle on the public channel reaches the whole fleet: check, download + SHA-256, set; then the next one', async () => {
    const { op, fleet, zip } = await sim.setup(40)
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
    expect(sim.host.downloads.get(v1.url)).toBe(40)
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
    const { op, fleet, zip } = await sim.setup(20)
    const v1 = zip('1.0.1')
    await op.publish(v1)
    await op.channel('production', { version: '1.0.1', public: true })
    sim.host.corrupt(v1)
    const outcomes = await fleet.each((d) => d.launch())
    expect(new Set(outcomes.map((o) => o.result))).toEqual(new Set(['download_failed']))
    // the bundle stays in error on the device: the next check does not download it again
    const again = await fleet.each((d) => d.appMovedToForeground())
    expect(new Set(again.map((o) => o.result))).toEqual(new Set(['bundle_in_error']))
    expect(sim.host.downloads.get(v1.url)).toBe(20)
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
    const { op, fleet, zip } = await sim.setup(20, { appReady: (v) => v !== '1.0.2' })
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
