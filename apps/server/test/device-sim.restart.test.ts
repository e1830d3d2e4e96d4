// A fleet of simulated plugin devices (test/device-sim) against the production server, stopped with
// SIGTERM while the devices flush their stats and check for updates, then started again on the same
// database and port: the devices retry what failed (as the plugin does on network errors and 5xx),
// and nothing the server acknowledged is lost.
import { describe, expect, it } from 'vitest'
import { startBundleHost } from './device-sim/bundles.ts'
import { Fleet } from './device-sim/fleet.ts'
import { operator } from './device-sim/operator.ts'
import { isolatedDatabase, uid } from './harness.ts'
import { freePort, startServer } from './process/server.ts'

describe('server restart under a fleet', () => {
  it('SIGTERM mid-flight and a restart on the same database: queued stats are retried, every acknowledged event kept', async () => {
    const host = await startBundleHost()
    try {
      const { url } = await isolatedDatabase()
      const key = `restart_${uid()}${uid()}`
      const env = {
        DATABASE_URL: url,
        CAPGO_BOOTSTRAP_API_KEY: key,
        PORT: String(await freePort()),
        RATE_LIMIT_NEW_DEVICES_PER_IP: '100000',
      }
      const first = await startServer({ env })
      const appId = `com.restart${uid()}.app`
      const op = operator(first.base, key, appId)
      expect((await op.call('POST', '/app', { app_id: appId, name: 'Restart' })).status).toBe(200)
      const zip = host.add(appId, '1.0.1')
      await op.publish(zip)
      await op.channel('production', { version: '1.0.1', public: true })

      const fleet = new Fleet({ size: 20, seed: 1313, appId, base: first.base, ca: host.ca })
      const outcomes = await fleet.each((d) => d.launch())
      expect(new Set(outcomes.map((o) => o.result))).toEqual(new Set(['downloaded']))
      fleet.devices.forEach((d) => void d.appMovedToBackground())
      // half the fleet delivers its stats before the restart
      const [early, late] = [fleet.devices.slice(0, 10), fleet.devices.slice(10)]
      for (const d of early) expect(await d.flushStats()).toBe('sent')

      // the other half flushes (and checks again) while the server is told to stop
      const inFlight = Promise.all(late.map(async (d) => [await d.flushStats(), (await d.appMovedToForeground()).result]))
      const stopped = first.stop('SIGTERM')
      const during = await inFlight
      expect(await stopped).toBe(0)
      // the server is down: whatever the devices send now fails and stays queued
      for (const d of late) expect(await d.flushStats()).toBe('requeued')
      expect(late.every((d) => d.pendingStats.length > 0)).toBe(true)

      const second = await startServer({ env })
      expect(second.base).toBe(first.base)
      await fleet.drainStats()
      // nothing was dropped: a network error or a 5xx keeps a batch for the next flush
      for (const d of fleet.devices) expect(d.dropped).toEqual([])
      // the server answered each late device one way or another while stopping (sent, or requeued for later)
      expect(during.every(([flush]) => flush === 'sent' || flush === 'requeued')).toBe(true)

      // every acknowledged `set` and `download_complete` is in the database
      for (const d of fleet.devices) {
        const device = await op.device(d.deviceId)
        expect(device.version_name).toBe('1.0.1')
      }
      const completes = fleet.devices.flatMap((d) => d.acknowledged.filter((e) => e.action === 'download_complete'))
      expect(completes).toHaveLength(20)
      expect(await op.today()).toMatchObject({ mau: 20, bandwidth: 20 * zip.size })
      await second.stop()
    } finally {
      await host.close()
    }
  }, 180_000)
})
