// The counters a batch of check-ins bumps: MAU (DeviceMonth rows, DailyStat.mau_new), bandwidth,
// and the installs and install failures of each bundle (BundleDailyStat), one bump per key and day.
import type { CheckInWrite } from './checkin-write.ts'
import { dayOf } from './days.ts'

export interface MonthRow {
  app_id: string
  month: string
  device_id: string
  day: string
}
interface Bump {
  app_id: string
  day: string
  n: number
  bandwidth: number
}
interface BundleBump {
  app_id: string
  bundle_id: number
  day: string
  installs: number
  failures: number
}

export const dayOfWrite = (w: CheckInWrite) => w.day ?? dayOf(w.at)

/** One DailyStat bump per app and day: the devices new in their month, and the bandwidth of the writes. */
export function bumpsOf(inserted: MonthRow[], writes: CheckInWrite[]): Bump[] {
  const perDay = new Map<string, Bump>()
  const at = (app_id: string, day: string) => {
    const key = `${app_id}\u0000${day}`
    const e = perDay.get(key) ?? { app_id, day, n: 0, bandwidth: 0 }
    perDay.set(key, e)
    return e
  }
  for (const m of inserted) at(m.app_id, m.day).n++
  for (const w of writes) if (w.bandwidth) at(w.app_id, dayOfWrite(w)).bandwidth += w.bandwidth
  return [...perDay.values()].sort((a, b) => (a.app_id + a.day < b.app_id + b.day ? -1 : 1))
}

/** One BundleDailyStat bump per bundle and day, in key order. */
export function bundleBumpsOf(writes: CheckInWrite[]): BundleBump[] {
  const per = new Map<string, BundleBump>()
  for (const w of writes) {
    if (!w.bundle) continue
    const day = dayOfWrite(w)
    const key = `${w.bundle.id}\u0000${day}`
    const e = per.get(key) ?? { app_id: w.app_id, bundle_id: w.bundle.id, day, installs: 0, failures: 0 }
    e.installs += w.bundle.installs
    e.failures += w.bundle.failures
    per.set(key, e)
  }
  return [...per.values()].sort((a, b) => a.bundle_id - b.bundle_id || (a.day < b.day ? -1 : 1))
}
