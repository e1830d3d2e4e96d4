// Who may do what: key mode, org role, key limits and tenant visibility. Handlers call these;
// they never re-implement a check.
import { createHash, timingSafeEqual } from 'node:crypto'
import type { Prisma } from '@capgo-api/db'
import type { AuthedContext } from './context.ts'
import { ApiError } from './errors.ts'
import type { AppAccess } from './infra/access-cache.ts'
import type { Services } from './services.ts'

export const KEY_MODES = ['read', 'upload', 'write', 'all'] as const
export type KeyMode = (typeof KEY_MODES)[number]
export const ROLES = ['read', 'upload', 'write', 'admin', 'super_admin'] as const
export type Role = (typeof ROLES)[number]
export const INVITE_ROLES = ROLES.map((r) => `invite_${r}` as const)
export type MemberRole = Role | (typeof INVITE_ROLES)[number]

export const modeRank = (m: KeyMode) => KEY_MODES.indexOf(m)
export const roleRank = (r: Role) => ROLES.indexOf(r)
export const isRole = (r: string): r is Role => (ROLES as readonly string[]).includes(r)

/** The authenticated caller: a key and its owner's memberships. */
export interface Principal {
  userId: string
  keyId: number
  mode: KeyMode
  limitedToOrgs: string[]
  limitedToApps: string[]
  expiresAt: Date | null
  /** for a key limited to apps: the organizations owning those apps (the only orgs it may see) */
  limitedAppOrgs?: string[]
  /** org_id → accepted role (pending invites are left out: they carry no rights) */
  roles: Map<string, Role>
}

export const hashKey = (key: string) => createHash('sha256').update(key).digest('hex')

/** Reads the key from `authorization` (bare or `Bearer <key>`), then `capgkey`, then `x-api-key`. */
export function readApiKey(headers: Record<string, string | string[] | undefined>): string | undefined {
  const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v)?.trim()
  const auth = first(headers.authorization)
  if (auth) return auth.replace(/^Bearer\s+/i, '').trim() || undefined
  return first(headers.capgkey) || first(headers['x-api-key']) || undefined
}

export const parseIdList = (json: string): string[] => {
  try {
    const v: unknown = JSON.parse(json)
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []
  } catch {
    return []
  }
}

export async function authenticate(services: Pick<Services, 'db' | 'access'>, rawKey: string | undefined): Promise<Principal> {
  if (!rawKey) throw new ApiError('no_key_provided')
  const { db, access } = services
  const hash = hashKey(rawKey)
  const cached = access.principal(hash)
  if (cached) {
    if (cached.expiresAt && cached.expiresAt.getTime() <= Date.now()) throw new ApiError('invalid_apikey')
    return cached
  }
  const key = await db.apiKey.findUnique({
    where: { key_hash: hash },
    select: {
      id: true,
      key_hash: true,
      mode: true,
      user_id: true,
      limited_to_orgs: true,
      limited_to_apps: true,
      expires_at: true,
      user: { select: { members: { select: { org_id: true, role: true } } } },
    },
  })
  // the lookup is by hash; compare again in constant time so timing says nothing about near misses
  if (!key || !timingSafeEqual(Buffer.from(key.key_hash, 'hex'), Buffer.from(hash, 'hex'))) throw new ApiError('invalid_apikey')
  if (key.expires_at && key.expires_at.getTime() <= Date.now()) throw new ApiError('invalid_apikey')
  const roles = new Map<string, Role>()
  for (const m of key.user.members) if (isRole(m.role)) roles.set(m.org_id, m.role)
  const limitedToApps = parseIdList(key.limited_to_apps)
  // a key limited to apps sees only the organizations that own them
  const limitedAppOrgs = limitedToApps.length
    ? [
        ...new Set(
          (await db.app.findMany({ where: { app_id: { in: limitedToApps } }, select: { owner_org: true } })).map((a) => a.owner_org),
        ),
      ]
    : undefined
  const principal: Principal = {
    userId: key.user_id,
    keyId: key.id,
    mode: (KEY_MODES as readonly string[]).includes(key.mode) ? (key.mode as KeyMode) : 'read',
    limitedToOrgs: parseIdList(key.limited_to_orgs),
    limitedToApps,
    limitedAppOrgs,
    expiresAt: key.expires_at,
    roles,
  }
  access.principals?.set(hash, principal)
  return principal
}

export function requireMode(p: Principal, mode: KeyMode) {
  if (modeRank(p.mode) < modeRank(mode)) throw new ApiError('insufficient_key_mode')
}

/** The caller's role in an org it may see, else null (not a member, invite only, or outside key limits). */
export function visibleRole(p: Principal, orgId: string): Role | null {
  if (p.limitedToOrgs.length && !p.limitedToOrgs.includes(orgId)) return null
  if (p.limitedToApps.length && !(p.limitedAppOrgs ?? []).includes(orgId)) return null
  return p.roles.get(orgId) ?? null
}

export const visibleOrgIds = (p: Principal) => [...p.roles.keys()].filter((id) => visibleRole(p, id))

export function canSeeApp(p: Principal, app: { app_id: string; owner_org: string }) {
  if (p.limitedToApps.length && !p.limitedToApps.includes(app.app_id)) return false
  return visibleRole(p, app.owner_org) !== null
}

/** Prisma filter for the apps the caller may see. */
export function visibleAppsWhere(p: Principal): Prisma.AppWhereInput {
  return {
    owner_org: { in: visibleOrgIds(p) },
    ...(p.limitedToApps.length ? { app_id: { in: p.limitedToApps } } : {}),
  }
}

function requireRank(role: Role, min: Role) {
  if (roleRank(role) < roleRank(min)) throw new ApiError('insufficient_role')
}

/** What the checks need of a procedure's context. */
type Ctx = Pick<AuthedContext, 'services' | 'principal'>

/** The app's id and owner, if the caller may see it (else 404 app_not_found) and has `min` role in its org (else 403). */
export async function requireApp(ctx: Ctx, appId: string, min: Role): Promise<AppAccess> {
  const { db, access } = ctx.services
  let app = access.app(appId)
  if (!app) {
    app = (await db.app.findUnique({ where: { app_id: appId }, select: { app_id: true, owner_org: true } })) ?? undefined
    if (app) access.apps?.set(appId, app)
  }
  if (!app || !canSeeApp(ctx.principal, app)) throw new ApiError('app_not_found')
  requireRank(visibleRole(ctx.principal, app.owner_org)!, min)
  return app
}

/** The organization, if the caller may see it (else 404 org_not_found) and has `min` role (else 403). */
export async function requireOrg(ctx: Ctx, orgId: string, min: Role) {
  const role = visibleRole(ctx.principal, orgId)
  const org = role ? await ctx.services.db.organization.findUnique({ where: { id: orgId } }) : null
  if (!org || !role) throw new ApiError('org_not_found')
  requireRank(role, min)
  return org
}

/** Role check for an org already known to be visible. */
export function requireRole(p: Principal, orgId: string, min: Role) {
  const role = visibleRole(p, orgId)
  if (!role) throw new ApiError('org_not_found')
  requireRank(role, min)
}

/**
 * Like requireOrg, for changes that reach the whole organization (settings, members, deletion):
 * a key limited to some apps may see their organization but not act on all of it (403).
 */
export async function requireWholeOrg(ctx: Ctx, orgId: string, min: Role) {
  const org = await requireOrg(ctx, orgId, min)
  if (ctx.principal.limitedToApps.length) throw new ApiError('insufficient_permissions')
  return org
}

/** What a key may do, to compare two keys: mode, limits and expiry. */
export interface KeyPower {
  mode: KeyMode
  limitedToOrgs: string[]
  limitedToApps: string[]
  expiresAt: Date | null
}

/**
 * Why `k` would have more power than the caller's key, or null when it has no more: a mode no
 * higher, limits within the caller's (non-empty when the caller is limited), an expiry no later.
 * A key may only create, see, change or delete keys within itself.
 */
export function keyExceeds(p: Principal, k: KeyPower): string | null {
  if (modeRank(k.mode) > modeRank(p.mode)) return `mode ${k.mode} is above this key's mode ${p.mode}`
  const within = (mine: string[], theirs: string[]) => !mine.length || (theirs.length > 0 && theirs.every((id) => mine.includes(id)))
  if (!within(p.limitedToOrgs, k.limitedToOrgs)) return "limited_to_orgs must be a non-empty subset of this key's limited_to_orgs"
  if (!within(p.limitedToApps, k.limitedToApps)) return "limited_to_apps must be a non-empty subset of this key's limited_to_apps"
  if (p.expiresAt && (!k.expiresAt || k.expiresAt.getTime() > p.expiresAt.getTime()))
    return `expires_at must be set, no later than this key's (${p.expiresAt.toISOString()})`
  return null
}

/** True when the caller's key may manage `k` (a key of its owner within its own power). */
export const keyWithin = (p: Principal, k: KeyPower & { userId: string }) => k.userId === p.userId && keyExceeds(p, k) === null
