// POST /stats as the 8.x plugin flushes its stats queue (CapgoUpdater.java sendStats: batches of
// up to 200 events, the whole batch dropped on a 4xx): per-event validation and results in input
// order, the event's day from its timestamp, one transaction per batch (SPEC section 3).
import { describe, expect, it } from 'vitest'
import { checkIn, deviceInfo, getDevice, registerBundle } from './device-helpers.ts'
import { appRows, createTenant, getApp, rest, type Tenant, trpc } from './harness.ts'

const DAY = 24 * 3600 * 1000
const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10)

async function dayStat(t: Tenant, date: string) {
  const { database } = await getApp()
  const s = await database.db.dailyStat.findUnique({ where: { app_id_date: { app_id: t.appId, date } } })
  return { mau_new: s?.mau_new ?? 0, bandwidth: Number(s?.bandwidth ?? 0) }
}

async function bundleStats(t: Tenant, bundleId: number) {
  const { database } = await getApp()
  const rows = await database.db.bundleDailyStat.findMany({ where: { app_id: t.appId, bundle_id: bundleId }, orderBy: { date: 'asc' } })
  return rows.map((r) => ({ date: r.date, installs: r.installs, failures: r.failures }))
}

describe('POST /stats: per-event results', () => {
  it('answers one result per event in input order; a bad event never loses the good ones', async () => {
    const t = await createTenant()
    const b = await registerBundle(t, '1.1.0', { size: 1000 })
    const [a, c, d] = [deviceInfo(t), deviceInfo(t, { platform: 'electron' }), deviceInfo(t, { platform: 'android' })]
    const res = await rest('POST', '/stats', {
      body: [
        { ...a, action: 'download_complete', version_name: '1.1.0' },
        { ...a, platform: 'tv', action: 'set' },
        { ...c, action: 'set', version_name: '1.1.0', old_version_name: 'builtin' },
        { ...a, action: 'not_an_action' },
        { ...a, app_id: 'com.nobody.here', action: 'set' },
        { ...a, device_id: 'not-a-uuid', action: 'set' },
        { ...d, custom_id: 'a\u0000b', action: 'set' },
        42,
        { ...d, action: 'download_40' },
      ],
    })
    expect(res.status).toBe(200)
    expect(res.body.status).toBe('ok')
    expect(res.body.results.map((r: { status: string; error?: string }) => r.error ?? r.status)).toEqual([
      'ok',
      'invalid_json_body',
      'ok',
      'invalid_json_body',
      'app_not_found',
      'invalid_json_body',
      'invalid_characters',
      'invalid_json_body',
      'ok',
    ])
    expect(res.body.results[1].message).toContain('platform')
    expect(res.body.results[3].message).toContain('action')
    const today = dayOf(Date.now())
    expect(await dayStat(t, today)).toEqual({ mau_new: 3, bandwidth: 1000 })
    expect((await getDevice(t, c.device_id)).body).toMatchObject({ platform: 'electron', version_name: '1.1.0', version: b.id })
    expect(await bundleStats(t, b.id)).toEqual([{ date: today, installs: 1, failures: 0 }])
  })

  it('[] answers results []; a single event object is a batch of one', async () => {
    const t = await createTenant()
    expect(await rest('POST', '/stats', { body: [] })).toMatchObject({ status: 200, body: { status: 'ok', results: [] } })
    const one = await rest('POST', '/stats', { body: { ...deviceInfo(t), action: 'app_moved_to_foreground' } })
    expect(one).toMatchObject({ status: 200, body: { status: 'ok', results: [{ status: 'ok' }] } })
  })

  it('400 only for the body as a whole: over 200 events (batch_too_large), neither object nor array (invalid_json_body); nothing recorded', async () => {
    const t = await createTenant()
    const { database } = await getApp()
    const before = await appRows(database, t.appId)
    const info = deviceInfo(t)
    const big = Array.from({ length: 201 }, () => ({ ...info, action: 'app_moved_to_foreground' }))
    expect(await rest('POST', '/stats', { body: big })).toMatchObject({ status: 400, body: { status: 'KO', error: 'batch_too_large' } })
    for (const raw of ['"text"', '42', 'null', 'true', '{"events":42}']) {
      const res = await rest('POST', '/stats', { body: raw, headers: { 'content-type': 'application/json' } })
      expect(res, raw).toMatchObject({ status: 400, body: { status: 'KO', error: 'invalid_json_body' } })
    }
    expect(await appRows(database, t.appId)).toEqual(before)
    const exactly200 = await rest('POST', '/stats', { body: big.slice(1) })
    expect(exactly200.status).toBe(200)
    expect(exactly200.body.results).toHaveLength(200)
  })

  it('the same through tRPC: per-event results, batch_too_large over 200', async () => {
    const t = await createTenant()
    const caller = await trpc()
    const info = deviceInfo(t)
    const out = await caller.plugin.stats([
      { ...info, action: 'set' },
      { ...info, action: 'nope' },
    ] as never)
    expect(out).toEqual({
      status: 'ok',
      results: [{ status: 'ok' }, { status: 'error', error: 'invalid_json_body', message: expect.stringContaining('action') }],
    })
    expect(await caller.plugin.stats({ events: [] } as never)).toEqual({ status: 'ok', results: [] })
    await expect(caller.plugin.stats(Array.from({ length: 201 }, () => info) as never)).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      error: 'batch_too_large',
    })
  })
})

describe('POST /stats: what events record', () => {
  it('a 200-event batch is one transaction of the check-in writer, not one per event', async () => {
    const t = await createTenant()
    await registerBundle(t, '1.1.0', { size: 10 })
    const { services } = await getApp()
    const events = Array.from({ length: 200 }, (_, i) => ({
      ...deviceInfo(t),
      action: i % 2 ? 'download_complete' : 'set',
      version_name: '1.1.0',
    }))
    const before = services.checkins.commits
    const res = await rest('POST', '/stats', { body: events })
    expect(res.body.results.every((r: { status: string }) => r.status === 'ok')).toBe(true)
    expect(services.checkins.commits - before).toBe(1)
    expect(await dayStat(t, dayOf(Date.now()))).toEqual({ mau_new: 200, bandwidth: 100 * 10 })
  })

  it('timestamp: an event counts on its day within the last 7 days, else today', async () => {
    const t = await createTenant()
    await registerBundle(t, '1.1.0', { size: 7 })
    const now = Date.now()
    const event = (timestamp: number) => ({ ...deviceInfo(t), action: 'download_complete', version_name: '1.1.0', timestamp })
    const res = await rest('POST', '/stats', {
      body: [event(now - 3 * DAY), event(now - 3 * DAY), event(now - 10 * DAY), event(now + 2 * DAY), event(now)],
    })
    expect(res.body.results).toHaveLength(5)
    expect(await dayStat(t, dayOf(now - 3 * DAY))).toEqual({ mau_new: 2, bandwidth: 14 })
    expect(await dayStat(t, dayOf(now - 10 * DAY))).toEqual({ mau_new: 0, bandwidth: 0 })
    expect(await dayStat(t, dayOf(now))).toEqual({ mau_new: 3, bandwidth: 21 })
  })

  it('set records the current bundle and an install; update_fail, download_fail, checksum_fail count install failures', async () => {
    const t = await createTenant()
    const b1 = await registerBundle(t, '1.1.0')
    const b2 = await registerBundle(t, '1.2.0')
    const info = deviceInfo(t)
    await checkIn(info)
    const res = await rest('POST', '/stats', {
      body: [
        { ...info, action: 'download_fail', version_name: '1.2.0' },
        { ...info, action: 'checksum_fail', version_name: '1.2.0' },
        { ...info, action: 'update_fail', version_name: '1.2.0' },
        { ...info, action: 'set_fail', version_name: '1.2.0' }, // not an install failure (SPEC names three)
        { ...info, action: 'set', version_name: '1.1.0', old_version_name: 'builtin' },
        { ...info, action: 'download_complete', version_name: '1.2.0' }, // no bandwidth: size unknown (0), no version change
      ],
    })
    expect(res.body.results.every((r: { status: string }) => r.status === 'ok')).toBe(true)
    const today = dayOf(Date.now())
    expect(await bundleStats(t, b2.id)).toEqual([{ date: today, installs: 0, failures: 3 }])
    expect(await bundleStats(t, b1.id)).toEqual([{ date: today, installs: 1, failures: 0 }])
    expect((await getDevice(t, info.device_id)).body).toMatchObject({ version_name: '1.1.0', version: b1.id })
  })
})
