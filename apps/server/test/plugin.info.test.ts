// The info object every device endpoint takes (SPEC section 3): a body that is not one is HTTP
// 400 invalid_json_body with the field at fault, on every endpoint and verb, and changes nothing.
import { describe, expect, it } from 'vitest'
import { checkIn, deviceInfo, getDevice, registerBundle, setChannel } from './device-helpers.ts'
import { appRows, createTenant, getApp, rest, trpc, trpcError } from './harness.ts'

/** Bodies that are not info objects, each with the field the answer names. */
function invalidInfos(good: Record<string, unknown>): [string, unknown, string][] {
  const without = (k: string) => Object.fromEntries(Object.entries(good).filter(([key]) => key !== k))
  return [
    ['non-UUID device_id', { ...good, device_id: 'my-phone' }, 'device_id'],
    ['UUID with a stray character', { ...good, device_id: `${good.device_id}x` }, 'device_id'],
    ['missing device_id', without('device_id'), 'device_id'],
    ['missing plugin_version', without('plugin_version'), 'plugin_version'],
    ['non-semver plugin_version', { ...good, plugin_version: 'unknown' }, 'plugin_version'],
    ['plugin_version with a v', { ...good, plugin_version: 'v8.0.0' }, 'plugin_version'],
    ['missing version_build', without('version_build'), 'version_build'],
    ['missing version_name', without('version_name'), 'version_name'],
    ['wrong platform', { ...good, platform: 'windows' }, 'platform'],
    ['missing platform', without('platform'), 'platform'],
    ['bad app_id', { ...good, app_id: 'nodots' }, 'app_id'],
    ['missing app_id', without('app_id'), 'app_id'],
    ['number version_name', { ...good, version_name: 42 }, 'version_name'],
  ]
}

const expectInvalid = (res: { status: number; body: any }, field: string, what: string) => {
  expect(res.status, what).toBe(400)
  expect(res.body, what).toMatchObject({ status: 'KO', error: 'invalid_json_body', message: expect.stringContaining(field) })
  expect(
    res.body.issues.map((i: { path: string }) => i.path),
    what,
  ).toContain(field)
}

describe('invalid info objects', () => {
  it('are 400 invalid_json_body on /updates and every verb of /channel_self, and change nothing', async () => {
    const t = await createTenant()
    await registerBundle(t, '1.1.0')
    await setChannel(t, 'production', { version: '1.1.0', public: true })
    await setChannel(t, 'beta', { allow_device_self_set: true })
    const good = deviceInfo(t)
    const { database } = await getApp()
    const before = await appRows(database, t.appId)
    for (const [what, body, field] of invalidInfos(good as never)) {
      expectInvalid(await rest('POST', '/updates', { body }), field, `/updates ${what}`)
      expectInvalid(await rest('PUT', '/channel_self', { body }), field, `PUT ${what}`)
      expectInvalid(await rest('POST', '/channel_self', { body: { ...(body as object), channel: 'beta' } }), field, `POST ${what}`)
      if (typeof (body as Record<string, unknown>).version_name !== 'number') {
        // GET and DELETE take the info object as query parameters (all strings)
        expectInvalid(await rest('GET', '/channel_self', { query: body as never }), field, `GET ${what}`)
        expectInvalid(await rest('DELETE', '/channel_self', { query: body as never }), field, `DELETE ${what}`)
      }
    }
    expect(await rest('POST', '/updates')).toMatchObject({ status: 400, body: { status: 'KO', error: 'invalid_json_body' } })
    for (const raw of ['[]', '"text"', '42', 'null', '{}']) {
      const res = await rest('POST', '/updates', { body: raw, headers: { 'content-type': 'application/json' } })
      expect(res, raw).toMatchObject({ status: 400, body: { status: 'KO', error: 'invalid_json_body' } })
    }
    expect(await appRows(database, t.appId)).toEqual(before)
  })

  it('the same through tRPC: invalid_json_body with the issues', async () => {
    const t = await createTenant()
    const caller = await trpc()
    const good = deviceInfo(t)
    for (const [what, body, field] of invalidInfos(good as never)) {
      const e = await trpcError(() => caller.plugin.updates(body as never))
      expect(e, what).toMatchObject({ code: 'BAD_REQUEST', error: 'invalid_json_body' })
      const put = await trpcError(() => caller.plugin.channelSelfGet(body as never))
      expect(put, what).toMatchObject({ code: 'BAD_REQUEST', error: 'invalid_json_body' })
      expect(field).toBeTruthy()
    }
    const { database } = await getApp()
    expect(await database.db.device.count({ where: { app_id: t.appId } })).toBe(0)
  })

  it('accepts what the plugin sends: an upper-case UUID (stored lower-cased), unknown fields, version_code, install_source', async () => {
    const t = await createTenant()
    await registerBundle(t, '1.1.0')
    await setChannel(t, 'production', { version: '1.1.0', public: true })
    const info = deviceInfo(t)
    const res = await checkIn({
      ...info,
      device_id: info.device_id.toUpperCase(),
      version_code: '10',
      install_source: 'app_store',
      some_future_field: { nested: true },
    })
    expect(res).toMatchObject({ status: 200, body: { version: '1.1.0' } })
    expect((await getDevice(t, info.device_id)).body).toMatchObject({ device_id: info.device_id, plugin_version: '8.51.0' })
  })
})
