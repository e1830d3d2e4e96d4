// What the server holds back from a fleet of simulated 8.51 devices: a major upgrade, a bundle for
// another encryption key; a channel back to builtin; bundle metadata only with expose_metadata.
import { describe, expect, it } from 'vitest'
import { BUILTIN, keyIdOf } from './device-sim/plugin.ts'
import { actions, expectStatsAccepted, simulatedField } from './device-sim-helpers.ts'

const sim = simulatedField(1305)

describe('policies', { timeout: 60_000 }, () => {
  it('a major upgrade is held back: blocked with breaking, the plugin emits majorAvailable and downloads nothing', async () => {
    const { op, fleet, zip } = await sim.setup(20)
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
    expect(sim.host.downloads.get(v2.url)).toBeUndefined()
    await fleet.drainStats()
    expectStatsAccepted(fleet.devices)
    // a blocked answer is not a failure: no download_fail after the first (successful) download
    for (const d of fleet.devices) expect(actions(d)).not.toContain('download_fail')
  })

  it('a channel set back to "builtin" returns the fleet to the bundle shipped in the binary (reset)', async () => {
    const { op, fleet, zip } = await sim.setup(20)
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

describe('encryption key and bundle metadata', { timeout: 60_000 }, () => {
  const keyA = '-----BEGIN RSA PUBLIC KEY-----\nMIIBCgKCAQEAaaaaaaaaaaaaaaaaaaaaaaaaaaa\n-----END RSA PUBLIC KEY-----'
  const keyB = '-----BEGIN RSA PUBLIC KEY-----\nMIIBCgKCAQEAbbbbbbbbbbbbbbbbbbbbbbbbbbb\n-----END RSA PUBLIC KEY-----'

  it('a bundle encrypted for another key is held back (key_id_mismatch): nothing is downloaded', async () => {
    const { op, fleet, zip } = await sim.setup(10, { config: { publicKey: keyA } })
    const v1 = zip('1.0.1')
    await op.publish(v1, { session_key: 'aGVsbG8=:d29ybGQ=', key_id: keyIdOf(keyB) })
    await op.channel('production', { version: '1.0.1', public: true })
    const outcomes = await fleet.each((d) => d.launch())
    expect(outcomes.map((o) => ('error' in o ? `${o.result}:${o.error}` : o.result))).toEqual(
      fleet.devices.map(() => 'blocked:key_id_mismatch'),
    )
    expect(sim.host.downloads.get(v1.url)).toBeUndefined()
    await fleet.drainStats()
    expectStatsAccepted(fleet.devices)
  })

  it('link and comment reach the app with expose_metadata, and only then', async () => {
    const { t, op, fleet, zip } = await sim.setup(2)
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
