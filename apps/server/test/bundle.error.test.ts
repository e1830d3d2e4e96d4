import { describe, expect, it } from 'vitest'
import { registerBundle, setChannel, setOverride } from './device-helpers.ts'
import { createTenant, getApp, rest } from './harness.ts'

describe('/bundle errors', () => {
  it('400 invalid_version_format for a version or minUpdateVersion that is not semver', async () => {
    const t = await createTenant()
    for (const extra of [
      { version: '1.2' },
      { version: 'latest' },
      { version: 'v1.2.3.4' },
      { version: '1.0.0', minUpdateVersion: 'soon' },
    ]) {
      const res = await rest('POST', '/bundle', {
        key: t.keys.upload,
        body: { app_id: t.appId, external_url: 'https://cdn.example.com/a.zip', checksum: 'c', ...extra },
      })
      expect(res.status, JSON.stringify(extra)).toBe(400)
      expect(res.body).toMatchObject({ status: 'KO', error: 'invalid_version_format' })
    }
  })

  it('400 invalid_protocol for an external_url that is not https', async () => {
    const t = await createTenant()
    for (const external_url of [
      'http://cdn.example.com/a.zip',
      'ftp://cdn.example.com/a.zip',
      'not a url',
      'file:///etc/passwd',
      'javascript:alert(1)',
    ]) {
      const res = await rest('POST', '/bundle', {
        key: t.keys.upload,
        body: { app_id: t.appId, version: '1.0.0', external_url, checksum: 'c' },
      })
      expect(res.status, external_url).toBe(400)
      expect(res.body).toMatchObject({ status: 'KO', error: 'invalid_protocol' })
    }
    const { database } = await getApp()
    expect(await database.db.bundle.count({ where: { app_id: t.appId } })).toBe(0)
  })

  it('400 invalid_input for missing or mistyped fields', async () => {
    const t = await createTenant()
    // an external bundle needs its checksum (the device verifies it)
    const noChecksum = await rest('POST', '/bundle', {
      key: t.keys.upload,
      body: { app_id: t.appId, version: '1.0.0', external_url: 'https://a.example.com/x.zip' },
    })
    expect(noChecksum).toMatchObject({ status: 400, body: { status: 'KO', error: 'missing_checksum' } })
    for (const body of [
      { version: '1.0.0', external_url: 'https://a.example.com/x.zip', checksum: 'c', size: -1 },
      { version: 1, external_url: 'https://a.example.com/x.zip', checksum: 'c' },
    ]) {
      const res = await rest('POST', '/bundle', { key: t.keys.upload, body: { app_id: t.appId, ...body } })
      expect(res.status, JSON.stringify(body)).toBe(400)
      expect(res.body).toMatchObject({ status: 'KO', error: 'invalid_input' })
    }
  })

  it('409 version_already_exists for a taken name, even once deleted, and concurrent POSTs make one bundle', async () => {
    const t = await createTenant()
    await registerBundle(t, '1.0.0', { size: 10 })
    const dup = await rest('POST', '/bundle', {
      key: t.keys.upload,
      body: { app_id: t.appId, version: '1.0.0', external_url: 'https://x.example.com/b.zip', checksum: 'c' },
    })
    expect(dup).toMatchObject({ status: 409, body: { status: 'KO', error: 'version_already_exists' } })
    await rest('DELETE', '/bundle', { key: t.keys.write, query: { app_id: t.appId, version: '1.0.0' } })
    expect(
      (
        await rest('POST', '/bundle', {
          key: t.keys.upload,
          body: { app_id: t.appId, version: '1.0.0', external_url: 'https://x.example.com/b.zip', checksum: 'c' },
        })
      ).status,
    ).toBe(409)
    const race = await Promise.all(
      Array.from({ length: 8 }, () =>
        rest('POST', '/bundle', {
          key: t.keys.upload,
          body: { app_id: t.appId, version: '2.0.0', external_url: 'https://x.example.com/c.zip', checksum: 'c', size: 7 },
        }),
      ),
    )
    expect(race.map((r) => r.status).sort()).toEqual([200, 409, 409, 409, 409, 409, 409, 409])
    const { database } = await getApp()
    const rows = await database.db.dailyStat.findMany({ where: { app_id: t.appId } })
    expect(rows.reduce((s, r) => s + Number(r.storage_delta), 0)).toBe(7) // 10 − 10 + 7: failed creates count nothing
  })

  it('DELETE: 404 version_not_found for an unknown or deleted bundle, 409 bundle_in_use while used', async () => {
    const t = await createTenant()
    expect(await rest('DELETE', '/bundle', { key: t.keys.write, query: { app_id: t.appId, version: '9.9.9' } })).toMatchObject({
      status: 404,
      body: { error: 'version_not_found' },
    })
    await registerBundle(t, '1.0.0')
    await registerBundle(t, '1.0.1')
    await setChannel(t, 'production', { version: '1.0.0' })
    await setOverride(t, 'pinned', { version_id: '1.0.1' })
    for (const version of ['1.0.0', '1.0.1']) {
      expect(await rest('DELETE', '/bundle', { key: t.keys.write, query: { app_id: t.appId, version } })).toMatchObject({
        status: 409,
        body: { status: 'KO', error: 'bundle_in_use' },
      })
    }
    // once nothing uses it, it goes; a second delete is 404
    await rest('DELETE', '/device', { key: t.keys.write, query: { app_id: t.appId, device_id: 'pinned' } })
    expect((await rest('DELETE', '/bundle', { key: t.keys.write, query: { app_id: t.appId, version: '1.0.1' } })).status).toBe(200)
    expect(await rest('DELETE', '/bundle', { key: t.keys.write, query: { app_id: t.appId, version: '1.0.1' } })).toMatchObject({
      status: 404,
      body: { error: 'version_not_found' },
    })
  })
})
