// End to end: events fed through the device-facing endpoints (/updates, /stats) and the bundle
// API (/bundle POST and DELETE) show up as exact daily numbers in /statistics.
// Needs the /updates, /stats and /bundle routers (another branch): it fails until they are merged.
import { afterEach, describe, expect, it, vi } from 'vitest'
import { checkInInfo } from '../bench/dataset.ts'
import { createTenant, rest } from './harness.ts'
import { rows } from './statistics-helpers.ts'
import { uuidOf } from './uuid.ts'

/** Moves the clock (Date only; timers stay real) to noon UTC of `day`. */
const on = (day: string) => vi.setSystemTime(new Date(`${day}T12:00:00Z`))

/** A device's info object; the label's case is kept in the UUID (ids are lower-cased on input). */
const info = (appId: string, label: string) =>
  checkInInfo(appId, label === label.toLowerCase() ? uuidOf(label) : uuidOf(label.toLowerCase()).toUpperCase())

const ok = <R extends { status: number; body: unknown }>(res: R): R => {
  expect(res.status, JSON.stringify(res.body)).toBe(200)
  return res
}

describe('/statistics from real events', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  it('check-ins, download_complete and bundle create/delete make the daily MAU, bandwidth and storage', async () => {
    const t = await createTenant()
    vi.useFakeTimers({ toFake: ['Date'] })

    on('2026-03-30')
    ok(
      await rest('POST', '/bundle', {
        key: t.keys.upload,
        body: { app_id: t.appId, version: '1.0.0', external_url: 'https://cdn.example.com/1.0.0.zip', checksum: 'aaa111', size: 1_000 },
      }),
    )
    ok(await rest('POST', '/updates', { body: info(t.appId, 'device-a') }))
    ok(await rest('POST', '/updates', { body: info(t.appId, 'device-b') }))
    ok(await rest('POST', '/updates', { body: info(t.appId, 'DEVICE-A') })) // same device (ids are lower-cased)
    ok(await rest('POST', '/stats', { body: { ...info(t.appId, 'device-a'), action: 'download_complete' } }))

    on('2026-03-31')
    ok(await rest('POST', '/updates', { body: info(t.appId, 'device-a') }))
    ok(await rest('POST', '/updates', { body: info(t.appId, 'device-c') }))
    ok(
      await rest('POST', '/stats', {
        body: [
          { ...info(t.appId, 'device-b'), action: 'download_complete' },
          { ...info(t.appId, 'device-c'), action: 'download_complete' },
          { ...info(t.appId, 'device-c'), action: 'set' }, // not a download: no bandwidth
        ],
      }),
    )

    on('2026-04-01')
    ok(await rest('POST', '/updates', { body: info(t.appId, 'device-a') })) // a new month: counts again
    ok(
      await rest('POST', '/bundle', {
        key: t.keys.upload,
        body: { app_id: t.appId, version: '1.1.0', external_url: 'https://cdn.example.com/1.1.0.zip', checksum: 'bbb222', size: 500 },
      }),
    )

    on('2026-04-02')
    ok(await rest('DELETE', '/bundle', { key: t.keys.write, body: { app_id: t.appId, version: '1.0.0' } }))

    vi.useRealTimers()
    const res = ok(await rest('GET', `/statistics/app/${t.appId}`, { key: t.keys.read, query: { from: '2026-03-29', to: '2026-04-03' } }))
    expect(rows(res.body)).toEqual([
      ['2026-03-29', 0, 0, 0],
      ['2026-03-30', 2, 1_000, 1_000],
      ['2026-03-31', 3, 1_000, 2_000],
      ['2026-04-01', 1, 1_500, 0],
      ['2026-04-02', 1, 500, 0],
      ['2026-04-03', 1, 500, 0],
    ])
    const org = ok(await rest('GET', `/statistics/org/${t.orgId}`, { key: t.keys.read, query: { from: '2026-03-29', to: '2026-04-03' } }))
    expect(org.body).toEqual(res.body)
  })
})
