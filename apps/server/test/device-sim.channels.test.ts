// Simulated 8.51 devices choosing their channel (setChannel, unsetChannel, listChannels) and an
// operator pinning one, read through what the devices run and what the management API reports.
import { describe, expect, it } from 'vitest'
import { expectStatsAccepted, simulatedField } from './device-sim-helpers.ts'

const sim = simulatedField(1303)

describe('channels', { timeout: 60_000 }, () => {
  it('devices self-assign to beta (kept on the device, sent as defaultChannel) and come back with unsetChannel (no request)', async () => {
    const { op, fleet, zip } = await sim.setup(20)
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
    const { op, fleet, zip } = await sim.setup(20)
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
