// Abuse (SPEC section 3): device endpoints carry no key, so a flood of invented device_ids must not
// make other devices' checks costlier. What a check-in reads must not grow with the number of
// overrides of the app, whether its snapshot is cold or a device just set its own channel. Counted
// in rows read from DeviceOverride (deterministic: no timing).
import { describe, expect, it } from 'vitest'
import { checkIn, deviceInfo, registerBundle, setChannel } from './device-helpers.ts'
import { createTenant, getApp, rest, type Tenant } from './harness.ts'

type Reader = (...args: unknown[]) => Promise<unknown>

/** Counts the DeviceOverride rows that Prisma reads while `fn` runs. */
async function overrideRowsRead(fn: () => Promise<unknown>): Promise<number> {
  const { database } = await getApp()
  const delegate = database.db.deviceOverride as unknown as Record<string, Reader>
  expect(database.db.deviceOverride).toBe(delegate) // one delegate object: wrapping it sees every read
  let rows = 0
  const originals = new Map<string, Reader>()
  for (const name of ['findMany', 'findFirst', 'findUnique', 'findFirstOrThrow', 'findUniqueOrThrow']) {
    const original = delegate[name]!
    originals.set(name, original)
    delegate[name] = async (...args: unknown[]) => {
      const out = await original.apply(delegate, args)
      rows += Array.isArray(out) ? out.length : out ? 1 : 0
      return out
    }
  }
  try {
    await fn()
  } finally {
    for (const [name, original] of originals) delegate[name] = original
  }
  return rows
}

/** An app with a public channel, a self-settable one and `overrides` device overrides. */
async function appWithOverrides(overrides: number) {
  const t = await createTenant()
  await registerBundle(t, '1.1.0')
  await registerBundle(t, '1.2.0')
  await setChannel(t, 'production', { version: '1.1.0', public: true })
  await setChannel(t, 'beta', { version: '1.2.0', allow_device_self_set: true })
  const { database } = await getApp()
  const beta = await database.db.channel.findUniqueOrThrow({
    where: { app_id_name: { app_id: t.appId, name: 'beta' } },
    select: { id: true },
  })
  const rows = Array.from({ length: overrides }, (_, i) => ({ app_id: t.appId, device_id: `flood-${i}`, channel_id: beta.id }))
  for (let i = 0; i < rows.length; i += 500) await database.db.deviceOverride.createMany({ data: rows.slice(i, i + 500) })
  return t
}

/** Override rows read by: a check-in on a cold snapshot; a POST /channel_self then a check-in; a check-in of the device that chose its channel. */
async function costs(t: Tenant) {
  const info = deviceInfo(t)
  const other = deviceInfo(t)
  // a management write drops the snapshot: the next check-in reads it afresh
  await setChannel(t, 'production', { version: '1.1.0', public: true })
  const cold = await overrideRowsRead(async () => expect((await checkIn(info)).body).toMatchObject({ version: '1.1.0' }))
  const afterSelfSet = await overrideRowsRead(async () => {
    expect((await rest('POST', '/channel_self', { body: { ...other, channel: 'beta' } })).body).toMatchObject({ status: 'ok' })
    expect((await checkIn(info)).body).toMatchObject({ version: '1.1.0' })
  })
  // the channel just chosen is the device's own (it sends it back as defaultChannel): served at once
  const own = await overrideRowsRead(async () =>
    expect((await checkIn({ ...other, defaultChannel: 'beta' })).body).toMatchObject({ version: '1.2.0' }),
  )
  return { cold, afterSelfSet, own }
}

describe('device requests cost the same whatever the number of overrides', () => {
  it('10 vs 5,000 overrides: a check-in reads at most a few override rows', async () => {
    const small = await costs(await appWithOverrides(10))
    const large = await costs(await appWithOverrides(5_000))
    // a snapshot (re)load reads one row (does the app have overrides?), a check-in its own override
    for (const c of [small, large]) {
      expect(c.cold, JSON.stringify(c)).toBeLessThanOrEqual(2)
      expect(c.afterSelfSet, JSON.stringify(c)).toBeLessThanOrEqual(4)
      expect(c.own, JSON.stringify(c)).toBeLessThanOrEqual(2)
    }
  }, 120_000)

  it('an app without overrides reads none, even after a device chose its channel (stored on the device)', async () => {
    const t = await appWithOverrides(0)
    const info = deviceInfo(t)
    expect(await overrideRowsRead(async () => expect((await checkIn(info)).body).toMatchObject({ version: '1.1.0' }))).toBe(0)
    expect((await rest('POST', '/channel_self', { body: { ...info, channel: 'beta' } })).body).toEqual({ status: 'ok' })
    const chosen = { ...info, defaultChannel: 'beta' }
    expect(await overrideRowsRead(async () => expect((await checkIn(chosen)).body).toMatchObject({ version: '1.2.0' }))).toBe(0)
  })
})
