// The security matrix: every REST operation of /openapi.json, called with an otherwise valid
// request and every kind of credential, must answer as SPEC section 1 says. New endpoints are
// covered as soon as they appear in /openapi.json; one without a row in RULES fails the suite.
import { KEY_MODES, type KeyMode, ROLES, type Role } from '@capgo-api/api'
import { describe, expect, it } from 'vitest'
import { createTenant, keyId, type RestResponse, rest, type Tenant, uid } from '../harness.ts'
import { buildRequest, type Ids, type Operation, operations, type Request } from './openapi-cases.ts'

interface Rule {
  /** the weakest key mode the operation accepts */
  mode: KeyMode
  /** the weakest org role it needs, or null when it acts on the caller's own things only */
  role: Role | null
  /**
   * `tenant`: it addresses one tenant's app/org/key, so another tenant's key gets the 404 of a
   * missing one; `self`: it only ever answers with what the caller owns (lists, own keys).
   */
  scope: 'tenant' | 'self'
  /** field overrides for the request (by name; `undefined` removes a field) */
  fill?: (c: FillContext) => Record<string, unknown>
}

interface FillContext {
  /** id of a spare key of the tenant's owner (a ghost id for the not-found reference) */
  keyId: number
}

const GHOST_KEY_ID = 2_000_000_000
const newAppId = () => ({ app_id: `com.new${uid()}.app` })
const keyPath = (c: FillContext) => ({ id: c.keyId })

/**
 * What each operation needs, keyed by `METHOD path` (SPEC section 2). Rows for operations that
 * do not exist yet are fine; an existing secured operation without a row fails the suite.
 */
const RULES: Record<string, Rule> = {
  'GET /app': { mode: 'read', role: null, scope: 'self' },
  'GET /app/{app_id}': { mode: 'read', role: 'read', scope: 'tenant' },
  'POST /app': { mode: 'write', role: 'write', scope: 'tenant', fill: newAppId },
  'PUT /app/{app_id}': { mode: 'write', role: 'write', scope: 'tenant' },
  'DELETE /app/{app_id}': { mode: 'write', role: 'admin', scope: 'tenant' },

  'GET /channel': { mode: 'read', role: 'read', scope: 'tenant' },
  'POST /channel': { mode: 'write', role: 'write', scope: 'tenant' },
  'DELETE /channel': { mode: 'write', role: 'admin', scope: 'tenant' },

  'GET /device': { mode: 'read', role: 'read', scope: 'tenant' },
  'POST /device': { mode: 'write', role: 'write', scope: 'tenant', fill: () => ({ channel: 'production' }) },
  'DELETE /device': { mode: 'write', role: 'write', scope: 'tenant' },

  'GET /bundle': { mode: 'read', role: 'read', scope: 'tenant' },
  'POST /bundle': { mode: 'upload', role: 'upload', scope: 'tenant' },
  'POST /bundle/finalize': { mode: 'upload', role: 'upload', scope: 'tenant' },
  'DELETE /bundle': { mode: 'write', role: 'write', scope: 'tenant' },
  'GET /versions': { mode: 'read', role: 'read', scope: 'tenant' },
  'DELETE /versions': { mode: 'write', role: 'write', scope: 'tenant' },

  'GET /organization': { mode: 'read', role: 'read', scope: 'tenant' },
  'POST /organization': { mode: 'all', role: 'admin', scope: 'tenant' },
  'PUT /organization': { mode: 'all', role: 'admin', scope: 'tenant' },
  'DELETE /organization': { mode: 'all', role: 'super_admin', scope: 'tenant' },
  'GET /organization/members': { mode: 'read', role: 'read', scope: 'tenant' },
  'POST /organization/members': { mode: 'all', role: 'admin', scope: 'tenant' },
  'DELETE /organization/members': { mode: 'all', role: 'admin', scope: 'tenant' },
  'PUT /organization/members': { mode: 'all', role: 'admin', scope: 'tenant' },
  // acts on the caller's own pending invite only: anyone else gets invite_not_found
  'POST /organization/members/accept': { mode: 'all', role: null, scope: 'self' },

  'GET /apikey': { mode: 'all', role: null, scope: 'self' },
  'POST /apikey': {
    mode: 'all',
    role: null,
    scope: 'self',
    fill: () => ({ org_id: undefined, limited_to_orgs: undefined, limited_to_apps: undefined }),
  },
  'GET /apikey/{id}': { mode: 'all', role: null, scope: 'tenant', fill: keyPath },
  'PUT /apikey/{id}': { mode: 'all', role: null, scope: 'tenant', fill: keyPath },
  'DELETE /apikey/{id}': { mode: 'all', role: null, scope: 'tenant', fill: keyPath },

  'GET /statistics/app/{app_id}': { mode: 'read', role: 'read', scope: 'tenant' },
  'GET /statistics/org/{org_id}': { mode: 'read', role: 'read', scope: 'tenant' },
  'GET /statistics/user': { mode: 'read', role: null, scope: 'self' },
}

/** Paths that may be served without a key: what the updater plugin calls, and the health check. */
const PUBLIC_PATHS = new Set(['/updates', '/updates/manifest_size', '/stats', '/channel_self', '/ok'])

/** 404 codes that say the addressed app or org is not there: never an answer to an allowed caller. */
const TENANT_NOT_FOUND = new Set(['app_not_found', 'org_not_found', 'not_found'])

const doc = (await rest('GET', '/openapi.json')).body
const ops = operations(doc)

async function send(req: Request, key?: string) {
  return rest(req.method, req.url, { key, query: req.query, body: req.body })
}

function expectError(res: RestResponse, status: number, error: string, what: string) {
  expect({ status: res.status, error: res.body?.error }, what).toEqual({ status, error })
  expect(res.body, what).toMatchObject({ status: 'KO', message: expect.any(String) })
}

/** Allowed through: not refused for credentials, not a missing tenant, not a 400 (the request is valid), no 5xx. */
function expectAllowed(res: RestResponse, what: string) {
  expect(res.status, `${what}: ${JSON.stringify(res.body)}`).toBeLessThan(500)
  expect([400, 401, 403], `${what}: ${JSON.stringify(res.body)}`).not.toContain(res.status)
  if (res.status === 404) expect(TENANT_NOT_FOUND.has(res.body?.error), `${what}: ${JSON.stringify(res.body)}`).toBe(false)
  if (res.status >= 400) expect(res.body).toMatchObject({ status: 'KO', error: expect.any(String), message: expect.any(String) })
}

async function idsOf(t: Tenant): Promise<{ ids: Ids; fill: FillContext }> {
  return { ids: { appId: t.appId, orgId: t.orgId }, fill: { keyId: await keyId(await t.key({ mode: 'read' })) } }
}

const requestFor = async (op: Operation, rule: Rule, t: Tenant) => {
  const { ids, fill } = await idsOf(t)
  return buildRequest(doc, op, ids, rule.fill?.(fill))
}

const below = <T extends string>(all: readonly T[], min: T) => all.slice(0, all.indexOf(min))

/** Strings that identify a tenant: none may appear in an answer to anyone outside it. */
const secretsOf = (t: Tenant) => [t.appId, t.orgId, t.owner.email, t.owner.userId]

describe('security matrix over /openapi.json', () => {
  it('lists operations, and every secured one has a row in the rules table', () => {
    expect(ops.length).toBeGreaterThan(0)
    const missing = ops.filter((o) => o.secured && !RULES[o.id]).map((o) => o.id)
    expect(missing, 'add a row to RULES for these operations').toEqual([])
  })

  it('only device-facing and health endpoints go without a key, and those never ask for one', async () => {
    for (const op of ops.filter((o) => !o.secured)) {
      expect(PUBLIC_PATHS.has(op.path), `${op.id} has no security in /openapi.json`).toBe(true)
      const t = await createTenant()
      const req = buildRequest(doc, op, { appId: t.appId, orgId: t.orgId })
      const res = await send(req)
      expect(res.status, `${op.id}: ${JSON.stringify(res.body)}`).toBeLessThan(500)
      expect(res.status, op.id).not.toBe(401)
    }
  })

  for (const op of ops.filter((o) => o.secured)) {
    it(`${op.id}: every credential gets the answer of SPEC section 1`, async () => {
      const rule = RULES[op.id]
      if (!rule) throw new Error(`no row in RULES for ${op.id}`)
      const t = await createTenant()
      const req = await requestFor(op, rule, t)

      // no key, a key nobody issued, an expired key
      expectError(await send(req), 401, 'no_key_provided', `${op.id} without a key`)
      expectError(await send(req, `garbage_${uid()}`), 401, 'invalid_apikey', `${op.id} with a garbage key`)
      expectError(await send(req, `Bearer garbage_${uid()}`), 401, 'invalid_apikey', `${op.id} with a garbage Bearer key`)
      expectError(
        await send(req, await t.key({ expiresAt: new Date(Date.now() - 60_000) })),
        401,
        'invalid_apikey',
        `${op.id} with an expired key`,
      )

      // key modes below the operation's
      for (const mode of below(KEY_MODES, rule.mode)) {
        expectError(await send(req, t.keys[mode]), 403, 'insufficient_key_mode', `${op.id} with a ${mode} key`)
      }
      // org roles below the operation's (members holding keys of mode all)
      if (rule.role) {
        for (const role of below(ROLES, rule.role)) {
          const m = await t.member(role)
          expectError(await send(req, m.key), 403, 'insufficient_role', `${op.id} as ${role}`)
        }
      }

      const other = await createTenant()
      if (rule.scope === 'tenant') {
        // the same request with ids that do not exist: the reference 404
        const ghost = buildRequest(
          doc,
          op,
          { appId: `com.missing${uid()}.app`, orgId: crypto.randomUUID() },
          rule.fill?.({ keyId: GHOST_KEY_ID }),
        )
        const missing = await send(ghost, other.keys.all)
        expect(missing.status, `${op.id}: a missing resource is a 404 (${JSON.stringify(missing.body)})`).toBe(404)
        const outsiders: [string, string][] = [
          ['a key of another organization', other.keys.all],
          ['a pending invite', (await t.member('invite_super_admin')).key],
          ['a key limited to other organizations', await t.key({ limitedToOrgs: [other.orgId] })],
        ]
        if (JSON.stringify(req).includes(t.appId))
          outsiders.push(['a key limited to other apps', await t.key({ limitedToApps: [await t.addApp()] })])
        for (const [who, key] of outsiders) {
          const res = await send(req, key)
          expect({ status: res.status, body: res.body }, `${op.id} with ${who}: same as a missing resource`).toEqual({
            status: missing.status,
            body: missing.body,
          })
        }
      } else {
        const res = await send(req, other.keys.all)
        expectAllowed(res, `${op.id} by another organization`)
        const text = JSON.stringify(res.body)
        for (const s of secretsOf(t)) expect(text.includes(s), `${op.id} leaks ${s} to another organization`).toBe(false)
      }

      // allowed: the weakest mode (owner, super_admin) and the weakest role (member, key mode all),
      // each on a fresh tenant since the call may change or delete what it addresses
      const t2 = await createTenant()
      expectAllowed(await send(await requestFor(op, rule, t2), t2.keys[rule.mode]), `${op.id} with a ${rule.mode} key`)
      if (rule.role) {
        const t3 = await createTenant()
        const m = await t3.member(rule.role)
        expectAllowed(await send(await requestFor(op, rule, t3), m.key), `${op.id} as ${rule.role}`)
      }
    })
  }
})
