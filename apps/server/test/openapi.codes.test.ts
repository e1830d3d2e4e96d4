// Every code a procedure declares (meta.errors: the one list /openapi.json documents) is provoked
// here on its operation, plus the key and body codes its kind implies: the answer must be that
// status and code. The fuzz test checks the converse (what is answered is documented). A code
// added to a procedure's meta needs a recipe below (by code; per operation only where the code's
// generic recipe cannot reach it); a code no recipe can provoke should not be declared.
// Not provoked here (framework-wide, one code path for every route, tested where they are made):
// invalid_input and invalid_characters of generic validation (input-rules, fuzz), request_timeout
// (body-timeout), too_many_requests (ratelimit), unknown_error and database_unavailable (faults).
import { appRouter, ERRORS, type ErrorCode, type ProcedureMeta } from '@capgo-api/api'
import { beforeAll, describe, expect, it } from 'vitest'
import { checkIn, deviceInfo, registerBundle, setChannel } from './device-helpers.ts'
import { documentedCodes, openApiDocument } from './docs-helpers.ts'
import { createTenant, getApp, keyId, type Tenant, uid } from './harness.ts'
import { makeZip } from './hosting-helpers.ts'
import { buildRequest, type Operation, operations } from './security/openapi-cases.ts'

/** How to break a valid request of an operation so that it answers one code. */
interface Breakage {
  /** the key to send (default: the owner's key of mode all); null sends none */
  key?: string | null
  /** fields to set (or, undefined, to drop) wherever the operation takes them */
  set?: Record<string, unknown>
  /** a raw body instead of the JSON one */
  raw?: { payload: string; type: string }
}
type Recipe = (o: Operation, ctx: Fixture) => Breakage | Promise<Breakage>

interface Fixture {
  t: Tenant
  /** an app of the tenant with no channel at all */
  bare: string
  /** a device that checked in (the documented example device id) */
  device: string
  /** the id of a key of the owner, for /apikey/{id} */
  keyId: number
}

const NO_ORG = '00000000-0000-4000-8000-000000000000'
const takes = (o: Operation, field: string) =>
  o.params.some((p) => p.name === field) || Object.hasOwn((o.body?.properties ?? {}) as object, field)
const orgFields = (o: Operation) => ['org_id', 'orgId', 'owner_org'].filter((f) => takes(o, f))

/** By code: the generic way to provoke it. */
const RECIPES: Partial<Record<ErrorCode, Recipe>> = {
  no_key_provided: () => ({ key: null }),
  invalid_apikey: () => ({ key: 'cap_this_key_does_not_exist_000000' }),
  insufficient_key_mode: (_o, { t }) => ({ key: t.keys.read }),
  invalid_json: () => ({ raw: { payload: '{"app_id":', type: 'application/json' } }),
  unsupported_media_type: () => ({ raw: { payload: 'app_id=x', type: 'text/plain' } }),
  payload_too_large: () => ({ raw: { payload: JSON.stringify({ blob: 'x'.repeat(1024 * 1024 + 16) }), type: 'application/json' } }),
  invalid_app_id: (o) => ({ set: takes(o, 'app_id') ? { app_id: 'not an app id' } : { limited_to_apps: ['not an app id'] } }),
  app_not_found: (o) => ({
    set: takes(o, 'app_id') ? { app_id: `com.nowhere${uid()}.app` } : { limited_to_apps: [`com.nowhere${uid()}.app`] },
  }),
  org_not_found: (o) => ({
    set: orgFields(o).length ? Object.fromEntries(orgFields(o).map((f) => [f, NO_ORG])) : { limited_to_orgs: [NO_ORG] },
  }),
  channel_not_found: () => ({ set: { channel: 'no-such-channel' } }),
  version_not_found: (o) => ({ set: takes(o, 'version_id') ? { version_id: '9.9.9' } : { version: '9.9.9' } }),
  device_not_found: () => ({ set: { device_id: `no-such-device-${uid()}` } }),
  invalid_characters: (o) => ({
    set: { [['version_os', 'channel', 'name', 'email', 'version', 'app_id'].find((f) => takes(o, f)) ?? 'app_id']: 'x\u0000y' },
  }),
  invalid_cursor: () => ({ set: { cursor: 'not-a-cursor' } }),
  invalid_date: () => ({ set: { from: 'yesterday' } }),
  invalid_date_range: () => ({ set: { from: '2026-03-01', to: '2026-01-01' } }),
  insufficient_role: async (_o, { t }) => ({ key: (await t.member('read')).key }),
  invalid_url: (o) => ({
    set: takes(o, 'external_url')
      ? { version: '7.7.7', external_url: 'https://user:secret@cdn.example.com/b.zip' }
      : { [takes(o, 'icon_url') ? 'icon_url' : 'logo']: 'javascript:alert(1)' },
  }),
  invalid_version_format: () => ({ set: { version: 'v1.0' } }),
  invalid_protocol: () => ({ set: { version: '7.7.8', external_url: 'http://cdn.example.com/b.zip' } }),
  missing_channel_or_version: () => ({ set: { channel: undefined, version_id: undefined } }),
  // a key limited to some apps may not act on a whole organization
  insufficient_permissions: async (_o, { t }) => ({ key: await t.key({ limitedToApps: [t.appId] }) }),
  // an update naming only what to update
  no_valid_fields_provided_for_update: (o) => ({
    set: Object.fromEntries(
      Object.keys((o.body?.properties ?? {}) as object)
        .filter((f) => !['app_id', 'orgId', 'org_id', 'id'].includes(f))
        .map((f) => [f, undefined]),
    ),
  }),
  invalid_expires_at: () => ({ set: { expires_at: '2001-01-01T00:00:00.000Z' } }),
  bundle_in_use: () => ({ set: { version: '1.2.3' } }),
  app_already_exists: (_o, { t }) => ({ set: { app_id: t.appId } }),
  member_already_exists: (_o, { t }) => ({ set: { email: t.owner.email } }),
  member_not_found: () => ({ set: { email: `nobody-${uid()}@example.com` } }),
  // the only super_admin of a fresh organization (other recipes may have added some to the fixture's)
  last_super_admin: async (o) => {
    const other = await createTenant()
    return {
      key: other.keys.all,
      set: {
        ...Object.fromEntries(orgFields(o).map((f) => [f, other.orgId])),
        email: other.owner.email,
        ...(takes(o, 'role') ? { role: 'admin' } : {}),
      },
    }
  },
  invite_not_found: () => ({}),
  channel_self_set_not_allowed: () => ({ set: { channel: 'locked' } }),
  // device endpoints: not an info object (the /stats body as a whole: neither an object nor an array)
  invalid_json_body: (o) =>
    takes(o, 'device_id') ? { set: { device_id: 'not-a-uuid' } } : { raw: { payload: '"text"', type: 'application/json' } },
  batch_too_large: (o) => ({ set: { events: Array.from({ length: 201 }, () => exampleEvent(o)) } }),
}

/** Where the generic recipe cannot reach a code: `METHOD /path code`. */
const OVERRIDES: Record<string, Recipe> = {
  // the device falls into no channel: an app without channels
  'PUT /channel_self channel_not_found': (_o, { bare }) => ({ set: { app_id: bare } }),
  // a key limited to one app cannot create an app
  'POST /app insufficient_permissions': async (_o, { t }) => ({
    key: await t.key({ limitedToApps: [t.appId] }),
    set: { app_id: `com.new${uid()}.app` },
  }),
  // the key sees two organizations and names none
  'POST /app missing_owner_org': async (_o, { t }) => {
    const other = await createTenant()
    const member = await other.member('admin')
    await (await getApp()).database.db.orgMember.create({ data: { org_id: t.orgId, user_id: member.userId, role: 'admin' } })
    return { key: member.key, set: { app_id: `com.new${uid()}.app`, owner_org: undefined } }
  },
  // no key may get more than the calling key: an expiring key cannot create one that never expires
  'POST /apikey insufficient_permissions': async (_o, { t }) => ({
    key: await t.key({ expiresAt: new Date(Date.now() + 10 * 86_400_000) }),
    set: { expires_at: undefined },
  }),
  'PUT /apikey/{id} insufficient_permissions': async (_o, { t }) => {
    const caller = await t.key({ expiresAt: new Date(Date.now() + 10 * 86_400_000) })
    const target = await keyId(await t.key({ expiresAt: new Date(Date.now() + 5 * 86_400_000) }))
    return { key: caller, set: { id: target, expires_at: new Date(Date.now() + 20 * 86_400_000).toISOString() } }
  },
  // ids of keys that are not the caller's
  'GET /apikey/{id} apikey_not_found': () => ({ set: { id: 2 ** 31 - 1 } }),
  'PUT /apikey/{id} apikey_not_found': () => ({ set: { id: 2 ** 31 - 1 } }),
  'DELETE /apikey/{id} apikey_not_found': () => ({ set: { id: 2 ** 31 - 1 } }),
  // an update naming only what to update
  'POST /organization no_valid_fields_provided_for_update': (_o, { t }) => ({
    set: { orgId: t.orgId, name: undefined, logo: undefined, management_email: undefined },
  }),
  'POST /organization invalid_url': (_o, { t }) => ({ set: { orgId: t.orgId, logo: 'javascript:alert(1)' } }),
  'POST /organization org_not_found': () => ({ set: { orgId: NO_ORG } }),
  'POST /organization insufficient_role': async (_o, { t }) => ({ key: (await t.member('read')).key, set: { orgId: t.orgId } }),
  'POST /organization insufficient_permissions': async (_o, { t }) => ({
    key: await t.key({ limitedToOrgs: [t.orgId] }),
    set: { orgId: undefined },
  }),
  // the bundle a channel serves
  'DELETE /versions bundle_in_use': () => ({ set: { version: '1.2.3' } }),
  'POST /bundle version_already_exists': () => ({ set: { version: '1.2.3' } }),
  'POST /bundle missing_checksum': () => ({
    set: { version: '7.7.9', external_url: 'https://cdn.example.com/c.zip', checksum: undefined },
  }),
  // hosted bundles: pending ones, with what their PUT sent
  'POST /bundle/finalize upload_missing': async (_o, { t }) => ({ set: { version: await pendingBundle(t) } }),
  'POST /bundle/finalize size_mismatch': async (_o, { t }) => ({ set: { version: await pendingBundle(t, { size: 1 }, await webZip()) } }),
  'POST /bundle/finalize checksum_mismatch': async (_o, { t }) => ({
    set: { version: await pendingBundle(t, { checksum: 'a'.repeat(64) }, await webZip()) },
  }),
  'POST /bundle/finalize invalid_bundle': async (_o, { t }) => ({ set: { version: await pendingBundle(t, {}, Buffer.from('not a zip')) } }),
  'POST /channel bundle_not_ready': async (_o, { t }) => ({ set: { version: await pendingBundle(t) } }),
  'POST /device bundle_not_ready': async (_o, { t }) => ({ set: { version_id: await pendingBundle(t), channel: undefined } }),
}

const webZip = () => makeZip({ 'index.html': '<!doctype html><title>app</title>' })

let pendingCount = 0
/** A pending hosted bundle of the tenant's app; with `bytes`, those uploaded to it (through the app, as `curl -T` would). */
async function pendingBundle(t: Tenant, declared: Record<string, unknown> = {}, bytes?: Buffer): Promise<string> {
  const { app } = await getApp()
  const version = `7.${++pendingCount}.0-pending`
  const res = await app.inject({
    method: 'POST',
    url: '/bundle',
    headers: { authorization: t.keys.all, 'content-type': 'application/json' },
    payload: JSON.stringify({ app_id: t.appId, version, ...declared }),
  })
  expect(res.statusCode, res.body).toBe(200)
  if (bytes) {
    const url = new URL(res.json().upload.url)
    const put = await app.inject({ method: 'PUT', url: url.pathname + url.search, payload: bytes })
    expect(put.statusCode, put.body).toBeLessThan(300)
  }
  return version
}

const exampleEvent = (o: Operation) => ((o.body?.properties as any)?.events?.example?.[0] ?? {}) as Record<string, unknown>

/** The codes an operation must answer when broken: its declared ones and those its kind implies. */
function codesToProvoke(doc: any, o: Operation, meta: ProcedureMeta): ErrorCode[] {
  const documented = (s: number) => documentedCodes(doc.paths[o.path][o.method.toLowerCase()].responses[s]) as ErrorCode[]
  const out = new Set<ErrorCode>(meta.errors ?? [])
  for (const c of ['no_key_provided', 'invalid_apikey'] as const) if (documented(401).includes(c)) out.add(c)
  if (documented(403).includes('insufficient_key_mode')) out.add('insufficient_key_mode')
  for (const c of ['invalid_json', 'unsupported_media_type', 'payload_too_large'] as const)
    if (documented(ERRORS[c][0]).includes(c)) out.add(c)
  return [...out]
}

const procedures = new Map<string, ProcedureMeta>()
for (const proc of Object.values(appRouter._def.procedures) as unknown as { _def: { meta?: ProcedureMeta } }[]) {
  const m = proc._def.meta
  if (m?.openapi) procedures.set(`${m.openapi.method} ${m.openapi.path}`, m)
}

let doc: any
beforeAll(async () => {
  doc = await openApiDocument()
})

/** A tenant of its own for each operation (a recipe that failed to break its request changes only this one). */
async function newFixture(): Promise<Fixture> {
  const t = await createTenant()
  // what the documented examples name: bundle 1.2.3 served by channel "production", channels
  // "beta" (devices may pick it) and "locked" (they may not), the example device checked in
  await registerBundle(t, '1.2.3')
  await setChannel(t, 'production', { version: '1.2.3', public: true })
  await setChannel(t, 'beta', { allow_device_self_set: true })
  await setChannel(t, 'locked', { allow_device_self_set: false })
  const device = doc.paths['/device'].get.parameters.find((p: any) => p.name === 'device_id').example
  await checkIn(deviceInfo(t, { device_id: device }))
  return { t, bare: await t.addApp(), device, keyId: await keyId(await t.key()) }
}

describe('every declared code is answered by its operation', () => {
  it('each (operation, code) pair, provoked', async () => {
    const failures: string[] = []
    let provoked = 0
    for (const o of operations(doc)) {
      const meta = procedures.get(o.id)
      expect(meta, `${o.id} comes from a procedure`).toBeDefined()
      const fixture = await newFixture()
      for (const code of codesToProvoke(doc, o, meta!)) {
        const recipe = OVERRIDES[`${o.id} ${code}`] ?? RECIPES[code]
        if (!recipe) {
          failures.push(`${o.id} ${code}: no recipe (add one to RECIPES or OVERRIDES, or drop the code from meta.errors)`)
          continue
        }
        const { t } = fixture
        const b = await recipe(o, fixture)
        const ids = takes(o, 'id') ? { id: fixture.keyId } : {}
        const req = buildRequest(doc, o, { appId: t.appId, orgId: t.orgId }, { ...ids, ...b.set })
        const key = b.key === null ? undefined : (b.key ?? t.keys.all)
        const { app } = await getApp()
        const res = await app.inject({
          method: o.method,
          url: req.url,
          query: req.query,
          headers: {
            ...(key ? { authorization: key } : {}),
            ...(b.raw ? { 'content-type': b.raw.type } : req.body ? { 'content-type': 'application/json' } : {}),
          },
          ...(b.raw ? { payload: b.raw.payload } : req.body && o.method !== 'GET' ? { payload: JSON.stringify(req.body) } : {}),
        })
        const body = (() => {
          try {
            return JSON.parse(res.body)
          } catch {
            return res.body
          }
        })()
        if (res.statusCode !== (meta!.errorStatus?.[code] ?? ERRORS[code][0]) || body?.error !== code)
          failures.push(`${o.id} ${code}: answered ${res.statusCode} ${JSON.stringify(body).slice(0, 160)}`)
        else provoked++
      }
    }
    expect(failures, `${provoked} provoked`).toEqual([])
    expect(provoked).toBeGreaterThan(150)
  }, 300_000)
})
