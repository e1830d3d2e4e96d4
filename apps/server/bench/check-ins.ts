// The device lines: POST /updates check-ins of distinct devices against the bare route, and POST /stats
// batches in the same rounds.
import { checkInInfo, DEVICE_APP, deviceId, statsBatch } from './dataset.ts'
import { alternate, headers, load } from './driver.ts'
import { DEVICES, STATS_BATCH, STATS_DEVICES, UPDATE_DEVICES, wanted } from './options.ts'
import type { BenchContext } from './reads.ts'
import { fmt } from './report.ts'

export async function benchCheckIns({ base, row }: BenchContext) {
  // ---- POST /updates: check-ins of UPDATE_DEVICES distinct devices per run; POST /stats in the same rounds ----
  const withStats = wanted('/stats')
  if (wanted('updates') || withStats) {
    let slice = 0
    const checkIns = (p: string) => () => {
      const first = (slice++ * UPDATE_DEVICES) % DEVICES
      let i = 0
      return load(base, p, {
        method: 'POST',
        requests: [
          {
            method: 'POST',
            setupRequest: (req) => ({
              ...req,
              body: JSON.stringify(checkInInfo(DEVICE_APP, deviceId(first + (i++ % UPDATE_DEVICES)))),
            }),
          },
        ],
      })
    }
    // the plugin's flush: one device's queue of STATS_BATCH events a request, from STATS_DEVICES devices
    // (bodies made before the run, so the load generator's JSON work is not measured)
    const batches = Array.from({ length: STATS_DEVICES }, (_, k) =>
      JSON.stringify(statsBatch(DEVICE_APP, deviceId(DEVICES - 1 - k), STATS_BATCH)),
    )
    let b = 0
    const statsRun = () =>
      load(base, '/stats', {
        method: 'POST',
        requests: [{ method: 'POST', setupRequest: (req) => ({ ...req, body: batches[b++ % batches.length] }) }],
      })
    const probe = await (
      await fetch(`${base}/updates`, { method: 'POST', headers, body: JSON.stringify(checkInInfo(DEVICE_APP, deviceId(DEVICES))) })
    ).json()
    if ((probe as { version?: string }).version !== '1.0.19') throw new Error(`/updates does not serve an update: ${JSON.stringify(probe)}`)
    if (withStats) {
      const res = await fetch(`${base}/stats`, { method: 'POST', headers, body: batches[0] })
      if (res.status !== 200) throw new Error(`/stats answers ${res.status}: ${(await res.text()).slice(0, 300)}`)
    }
    const updates = await alternate([checkIns('/__bare/updates'), checkIns('/updates'), ...(withStats ? [statsRun] : [])])
    const [ub, um, sm] = updates
    if (wanted('updates')) {
      const ratio = updates.ratio(1, 0, (r) => r.rps)
      // the target for check-ins is absolute (next line); this ratio shows what the layers cost
      row({
        what: `REST POST /updates (${UPDATE_DEVICES.toLocaleString('en-US')} devices) vs bare`,
        value: `${fmt(um!.rps)} req/s, p99 ${um!.p99} ms`,
        baseline: `${fmt(ub!.rps)} req/s (bare)`,
        ratio,
        target: 'none',
      })
      row({
        what: 'REST POST /updates absolute',
        value: `${fmt(um!.rps)} req/s, p99 ${um!.p99} ms`,
        baseline: '5,000 req/s, p99 20 ms',
        ratio: um!.rps / 5000,
        target: '≥ 1×, p99 ≤ 20 ms',
        pass: um!.rps >= 5000 && um!.p99 <= 20,
      })
    }
    if (sm) {
      // events a second against check-ins a second, round by round: a batch must cost far less than STATS_BATCH check-ins
      const ratio = STATS_BATCH * updates.ratio(2, 1, (r) => r.rps)
      row({
        what: `REST POST /stats (${STATS_BATCH}-event batches) vs /updates`,
        value: `${fmt(sm.rps * STATS_BATCH)} events/s (${fmt(sm.rps)} batches/s, p99 ${sm.p99} ms)`,
        baseline: `${fmt(um!.rps)} req/s (/updates)`,
        ratio,
        target: '≥ 3×',
        pass: ratio >= 3,
      })
    }
  }
}
