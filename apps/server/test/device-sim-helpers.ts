// The field the fleet suites (device-sim.*.test.ts) share: a local HTTPS bundle host, the app on a
// real port, and fleets of simulated devices with an operator on the management API.
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, expect } from 'vitest'
import { type BundleHost, startBundleHost } from './device-sim/bundles.ts'
import { Fleet } from './device-sim/fleet.ts'
import { operator } from './device-sim/operator.ts'
import type { SimDevice } from './device-sim/plugin.ts'
import { buildTestApp, createTenant, getApp, type Tenant } from './harness.ts'

/** A bundle host for the tests of the calling file, closed after them. */
export function useBundleHost(): { readonly host: BundleHost } {
  const ref = { host: undefined as unknown as BundleHost }
  beforeAll(async () => {
    ref.host = await startBundleHost()
  })
  afterAll(() => ref.host?.close())
  return ref
}

/**
 * The bundle host and the app listening, for the tests of the calling file. Fleets take the seeds
 * firstSeed, firstSeed + 1, … in the order the file's tests ask (as they did in one file, before
 * the split), so a test's fleet does not depend on which other files run.
 */
export function simulatedField(firstSeed: number) {
  const bundles = useBundleHost()
  let base = ''
  beforeAll(async () => {
    const { database } = await getApp()
    // the production limits, except the new-device ceiling per IP: every fleet here shares 127.0.0.1
    const app = await buildTestApp(database, { rateLimit: { newDevicesPerIp: 1_000_000 } })
    await app.listen({ port: 0, host: '127.0.0.1' })
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
  })
  let seed = firstSeed
  async function setup(
    size: number,
    opts: { versionBuild?: string; config?: Record<string, unknown>; appReady?: (v: string) => boolean } = {},
  ) {
    const { host } = bundles
    const t: Tenant = await createTenant()
    const op = operator(base, t.keys.all, t.appId)
    const fleet = new Fleet({ size, seed: seed++, appId: t.appId, base, ca: host.ca, ...opts })
    return { t, op, fleet, zip: (name: string) => host.add(t.appId, name) }
  }
  return {
    get host() {
      return bundles.host
    },
    setup,
  }
}

/** Every stats batch was acknowledged event by event (SPEC: 200 with one `ok` result per event) and none dropped. */
export function expectStatsAccepted(devices: SimDevice[]) {
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

export const actions = (d: SimDevice) => d.acknowledged.map((e) => e.action)
