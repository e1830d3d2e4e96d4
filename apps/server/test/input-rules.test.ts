// Input rules of the contract that the domain suites did not pin down (issue "hardening", item 12):
// strict bundle names, updates that carry nothing, statistics that invent no future days, one rule
// for NUL on both databases, and safe URLs. The HTTP-level rules: input-rules.http.test.ts.
import { describe, expect, it } from 'vitest'
import { bundleUrl, checkIn, deviceInfo, registerBundle } from './device-helpers.ts'
import { createTenant, getApp, keyId, rest, trpc, trpcError, uid } from './harness.ts'
import { parseSvg } from './statistics-helpers.ts'

const KO = (error: string) => ({ status: 'KO', error, message: expect.any(String) })
const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10)

describe('bundle names are strict semantic versions', () => {
  it('v-prefixed, padded or partial names are 400 invalid_version_format and nothing is stored', async () => {
    const t = await createTenant()
    for (const version of ['v1.2.3', ' 2.0.0', '3.0.0\n', '1.2', '01.2.3', '=1.2.3', '1.2.3 ', '1.2.3-']) {
      const res = await rest('POST', '/bundle', {
        key: t.keys.upload,
        body: { app_id: t.appId, version, external_url: bundleUrl('x'), checksum: 'c' },
      })
      expect(res, JSON.stringify(version)).toMatchObject({ status: 400, body: KO('invalid_version_format') })
    }
    const bad = await rest('POST', '/bundle', {
      key: t.keys.upload,
      body: { app_id: t.appId, version: '1.0.0', minUpdateVersion: 'v1.0.0', external_url: bundleUrl('x'), checksum: 'c' },
    })
    expect(bad).toMatchObject({ status: 400, body: KO('invalid_version_format') })
    const caller = await trpc(t.keys.upload)
    expect(
      await trpcError(() => caller.bundle.create({ app_id: t.appId, version: 'v9.9.9', external_url: bundleUrl('x'), checksum: 'c' })),
    ).toMatchObject({ status: 400, error: 'invalid_version_format' })
    expect((await rest('GET', '/bundle', { key: t.keys.read, query: { app_id: t.appId } })).body).toEqual([])
    // full semver stays accepted, stored exactly as given
    const ok = await registerBundle(t, '1.2.3-beta.1+build.5')
    expect(ok.name).toBe('1.2.3-beta.1+build.5')
  })

  it('a name is matched exactly elsewhere too (no trimming on delete or override)', async () => {
    const t = await createTenant()
    await registerBundle(t, '2.0.0')
    expect(await rest('DELETE', '/bundle', { key: t.keys.write, query: { app_id: t.appId, version: ' 2.0.0' } })).toMatchObject({
      status: 404,
      body: KO('version_not_found'),
    })
    expect(
      await rest('POST', '/device', { key: t.keys.write, body: { app_id: t.appId, device_id: `d-${uid()}`, version_id: '2.0.0 ' } }),
    ).toMatchObject({ status: 404, body: KO('version_not_found') })
  })
})

describe('an update that carries no known field is 400 no_valid_fields_provided_for_update', () => {
  it('app PUT, organization PUT and POST with orgId, apikey PUT: 400, nothing changes', async () => {
    const t = await createTenant()
    const { database } = await getApp()
    const db = database.db
    const app = await db.app.findUniqueOrThrow({ where: { app_id: t.appId } })
    const org = await db.organization.findUniqueOrThrow({ where: { id: t.orgId } })
    const id = await keyId(t.keys.read)
    const key = await db.apiKey.findUniqueOrThrow({ where: { id } })
    const calls: [string, string, unknown][] = [
      ['PUT', `/app/${t.appId}`, {}],
      ['PUT', `/app/${t.appId}`, { nickname: 'x' }],
      ['PUT', '/organization', { orgId: t.orgId }],
      ['POST', '/organization', { orgId: t.orgId, colour: 'red' }],
      ['PUT', `/apikey/${id}`, {}],
      ['PUT', `/apikey/${id}`, { label: 'x' }],
    ]
    for (const [method, url, body] of calls) {
      const res = await rest(method as 'PUT', url, { key: t.keys.all, body })
      expect(res, `${method} ${url} ${JSON.stringify(body)}`).toMatchObject({
        status: 400,
        body: KO('no_valid_fields_provided_for_update'),
      })
    }
    const caller = await trpc(t.keys.all)
    expect(await trpcError(() => caller.app.update({ app_id: t.appId }))).toMatchObject({
      status: 400,
      error: 'no_valid_fields_provided_for_update',
    })
    expect(await db.app.findUniqueOrThrow({ where: { app_id: t.appId } })).toEqual(app)
    expect(await db.organization.findUniqueOrThrow({ where: { id: t.orgId } })).toEqual(org)
    expect(await db.apiKey.findUniqueOrThrow({ where: { id } })).toEqual(key)
    // one known field is enough, null included (it clears the logo)
    expect((await rest('PUT', '/organization', { key: t.keys.all, body: { orgId: t.orgId, logo: null } })).status).toBe(200)
    expect((await rest('PUT', `/app/${t.appId}`, { key: t.keys.all, body: { retention: 0 } })).status).toBe(200)
    // creating an organization is no update
    expect((await rest('POST', '/organization', { key: t.keys.all, body: { name: `Org ${uid()}` } })).body).toMatchObject({
      status: 'Organization created',
    })
  })
})

describe('statistics invent no days after today', () => {
  it('JSON: the range is cut at today; a range wholly in the future is empty', async () => {
    const t = await createTenant()
    const before = day(0)
    const res = await rest('GET', `/statistics/app/${t.appId}`, { key: t.keys.read, query: { from: day(-2), to: day(5) } })
    const after = day(0)
    expect(res.status).toBe(200)
    const dates = (res.body as { date: string }[]).map((d) => d.date)
    expect([before, after]).toContain(dates.at(-1)) // today, whichever side of midnight the call fell
    expect(dates.length).toBeLessThanOrEqual(4)
    expect(dates.every((d) => d <= after)).toBe(true)
    const future = await rest('GET', `/statistics/app/${t.appId}`, { key: t.keys.read, query: { from: day(2), to: day(9) } })
    expect(future).toMatchObject({ status: 200, body: [] })
    for (const path of [`/statistics/org/${t.orgId}`, '/statistics/user']) {
      const body = (await rest('GET', path, { key: t.keys.read, query: { from: day(-1), to: day(30) } })).body as { date: string }[]
      expect(
        body.every((d) => d.date <= day(0)),
        path,
      ).toBe(true)
    }
  })

  it('chart: no point after today; a wholly future range still draws its (empty) chart', async () => {
    const t = await createTenant()
    const res = await rest('GET', `/statistics/app/${t.appId}`, { key: t.keys.read, query: { from: day(-2), to: day(5), graph: 'mau' } })
    expect(res.status).toBe(200)
    expect(String(res.headers['content-type'])).toMatch(/^image\/svg\+xml/)
    const doc = parseSvg(String(res.body))
    const dots = Array.from(doc.getElementsByTagName('circle')).filter((c) => c.getAttribute('class') === 'dot')
    expect(dots.length).toBeGreaterThanOrEqual(2) // two days ago up to today: 3 (2 or 4 across midnight)
    expect(dots.length).toBeLessThanOrEqual(4)
    const future = await rest('GET', `/statistics/app/${t.appId}`, {
      key: t.keys.read,
      query: { from: day(2), to: day(9), graph: 'bandwidth' },
    })
    expect(future.status).toBe(200)
    expect(String(future.body)).toContain('No bandwidth recorded in this period')
  })
})

describe('NUL: one rule on both databases', () => {
  it('NUL in a name or any other field is 400 invalid_characters, and nothing is stored', async () => {
    const t = await createTenant()
    const { database } = await getApp()
    const cases: [string, string, unknown][] = [
      ['POST', '/app', { app_id: `com.nul${uid()}.app`, name: 'a\u0000b', owner_org: t.orgId }],
      ['PUT', `/app/${t.appId}`, { name: 'a\u0000b' }],
      ['POST', '/channel', { app_id: t.appId, channel: 'beta\u0000' }],
      ['POST', '/organization', { name: '\u0000' }],
      ['POST', '/apikey', { mode: 'read', name: 'k\u0000' }],
    ]
    for (const [method, url, body] of cases) {
      expect(await rest(method as 'POST', url, { key: t.keys.all, body }), `${method} ${url}`).toMatchObject({
        status: 400,
        body: KO('invalid_characters'),
      })
    }
    expect(await rest('GET', '/channel', { key: t.keys.read, query: { app_id: t.appId, channel: 'a\u0000' } })).toMatchObject({
      status: 400,
      body: KO('invalid_characters'),
    })
    const caller = await trpc(t.keys.all)
    expect(await trpcError(() => caller.app.update({ app_id: t.appId, name: 'x\u0000y' }))).toMatchObject({
      status: 400,
      error: 'invalid_characters',
    })
    // the device check-in too
    const info = deviceInfo(t, { custom_id: 'user\u00001' })
    expect(await checkIn(info)).toMatchObject({ status: 400, body: KO('invalid_characters') })
    expect(await database.db.device.count({ where: { app_id: t.appId } })).toBe(0)
    expect(await database.db.channel.count({ where: { app_id: t.appId } })).toBe(0)
    expect((await database.db.app.findUniqueOrThrow({ where: { app_id: t.appId } })).name).not.toContain('\u0000')
  })
})

describe('URLs', () => {
  it('icon_url is http(s) only: javascript: and friends are 400 invalid_url', async () => {
    const t = await createTenant()
    for (const icon_url of [
      'javascript:alert(1)',
      'data:image/png;base64,AAAA',
      'ftp://example.com/i.png',
      'https://user:pass@example.com/i.png',
      'not a url',
      '//example.com/i.png',
    ]) {
      const created = await rest('POST', '/app', {
        key: t.keys.all,
        body: { app_id: `com.icon${uid()}.app`, name: 'Icon', owner_org: t.orgId, icon_url },
      })
      expect(created, icon_url).toMatchObject({ status: 400, body: KO('invalid_url') })
      expect(await rest('PUT', `/app/${t.appId}`, { key: t.keys.all, body: { icon_url } }), icon_url).toMatchObject({
        status: 400,
        body: KO('invalid_url'),
      })
      expect(await rest('PUT', '/organization', { key: t.keys.all, body: { orgId: t.orgId, logo: icon_url } }), icon_url).toMatchObject({
        status: 400,
        body: KO('invalid_url'),
      })
    }
    const { database } = await getApp()
    expect((await database.db.app.findUniqueOrThrow({ where: { app_id: t.appId } })).icon_url).toBe('')
    for (const icon_url of ['https://example.com/i.png', 'http://example.com/i.png', '']) {
      expect((await rest('PUT', `/app/${t.appId}`, { key: t.keys.all, body: { icon_url } })).body, icon_url).toMatchObject({ icon_url })
    }
  })

  it('external_url with a user:password part is 400 invalid_url; nothing is stored', async () => {
    const t = await createTenant()
    for (const external_url of [
      'https://user:pass@cdn.example.com/b.zip',
      'https://user@cdn.example.com/b.zip',
      'https://:pass@cdn.example.com/b.zip',
    ]) {
      const res = await rest('POST', '/bundle', {
        key: t.keys.upload,
        body: { app_id: t.appId, version: '1.0.0', external_url, checksum: 'c' },
      })
      expect(res, external_url).toMatchObject({ status: 400, body: KO('invalid_url') })
    }
    expect((await rest('GET', '/bundle', { key: t.keys.read, query: { app_id: t.appId } })).body).toEqual([])
  })
})
