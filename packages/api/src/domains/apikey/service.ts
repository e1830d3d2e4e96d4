// API keys of the caller: list, get, create, update, delete; no key may get more power than the
// calling key. Every change clears the access cache (a cached key must not outlive its revocation).

import type { Prisma } from '@capgo-api/db'
import type { z } from 'zod'
import {
  canSeeApp,
  KEY_MODES,
  type KeyMode,
  type KeyPower,
  keyExceeds,
  keyWithin,
  type Principal,
  parseIdList,
  visibleRole,
} from '../../access.ts'
import type { AuthedContext } from '../../context.ts'
import { ApiError } from '../../errors.ts'
import { iso, pageArgs } from '../common.ts'
import { newApiKey } from './keys.ts'
import type { apikeyCreateInput, apikeyIdInput, apikeyListInput, apikeyUpdateInput } from './schema.ts'

export const apikeySelect = {
  id: true,
  created_at: true,
  updated_at: true,
  key_hint: true,
  mode: true,
  name: true,
  user_id: true,
  limited_to_orgs: true,
  limited_to_apps: true,
  expires_at: true,
} satisfies Prisma.ApiKeySelect

type KeyRow = Prisma.ApiKeyGetPayload<{ select: typeof apikeySelect }>

const toMode = (m: string): KeyMode => ((KEY_MODES as readonly string[]).includes(m) ? (m as KeyMode) : 'read')

/** The output: `plain` only in the answer that created the key, the masked hint elsewhere. */
export const toApiKey = (k: KeyRow, plain?: string) => ({
  id: k.id,
  created_at: iso(k.created_at),
  updated_at: iso(k.updated_at),
  key: plain ?? k.key_hint,
  mode: toMode(k.mode),
  name: k.name,
  user_id: k.user_id,
  limited_to_orgs: parseIdList(k.limited_to_orgs),
  limited_to_apps: parseIdList(k.limited_to_apps),
  expires_at: k.expires_at ? iso(k.expires_at) : null,
})

const powerOf = (k: KeyRow): KeyPower & { userId: string } => ({
  userId: k.user_id,
  mode: toMode(k.mode),
  limitedToOrgs: parseIdList(k.limited_to_orgs),
  limitedToApps: parseIdList(k.limited_to_apps),
  expiresAt: k.expires_at,
})

/** A key of the caller's owner that the calling key may manage (within its own power), else 404. */
async function requireKey(ctx: AuthedContext, id: number) {
  const k = await ctx.services.db.apiKey.findUnique({ where: { id }, select: apikeySelect })
  if (!k || !keyWithin(ctx.principal, powerOf(k))) throw new ApiError('apikey_not_found')
  return k
}

/** Limits may only name organizations and apps the caller sees (404 as for any invisible resource). */
async function checkLimits(ctx: AuthedContext, orgs: string[] | undefined, apps: string[] | undefined) {
  for (const id of orgs ?? []) if (!visibleRole(ctx.principal, id)) throw new ApiError('org_not_found')
  if (apps?.length) {
    const rows = await ctx.services.db.app.findMany({ where: { app_id: { in: apps } }, select: { app_id: true, owner_org: true } })
    for (const id of apps) {
      const app = rows.find((r) => r.app_id === id)
      if (!app || !canSeeApp(ctx.principal, app)) throw new ApiError('app_not_found')
    }
  }
}

/** No key may get more power than the calling key: 403 with the reason. */
function checkPower(p: Principal, k: KeyPower) {
  const why = keyExceeds(p, k)
  if (why) throw new ApiError('insufficient_permissions', { message: `A key cannot create or widen a key beyond itself: ${why}.` })
}

function checkFuture(d: Date | null) {
  if (d && d.getTime() <= Date.now()) throw new ApiError('invalid_expires_at')
}

const uniq = (ids: string[]) => [...new Set(ids)]

export async function listKeys(ctx: AuthedContext, input: z.infer<typeof apikeyListInput>) {
  const rows = await ctx.services.db.apiKey.findMany({
    where: { user_id: ctx.principal.userId },
    orderBy: { id: 'asc' },
    select: apikeySelect,
  })
  const { skip, take } = pageArgs(input.page, input.limit)
  return rows
    .filter((k) => keyWithin(ctx.principal, powerOf(k)))
    .slice(skip, skip + take)
    .map((k) => toApiKey(k))
}

export async function getKey(ctx: AuthedContext, input: z.infer<typeof apikeyIdInput>) {
  return toApiKey(await requireKey(ctx, input.id))
}

export async function createKey(ctx: AuthedContext, input: z.infer<typeof apikeyCreateInput>) {
  return ctx.services.access.invalidateAfter(async () => {
    const p = ctx.principal
    const orgs = uniq([...(input.limited_to_orgs ?? []), ...(input.org_id ? [input.org_id] : [])])
    const apps = uniq(input.limited_to_apps ?? [])
    const expiresAt = input.expires_at ? new Date(input.expires_at) : null
    await checkLimits(ctx, orgs, apps)
    checkFuture(expiresAt)
    checkPower(p, { mode: input.mode, limitedToOrgs: orgs, limitedToApps: apps, expiresAt })
    const key = newApiKey()
    const row = await ctx.services.db.apiKey.create({
      data: {
        key_hash: key.key_hash,
        key_hint: key.key_hint,
        mode: input.mode,
        name: input.name ?? '',
        user_id: p.userId,
        limited_to_orgs: JSON.stringify(orgs),
        limited_to_apps: JSON.stringify(apps),
        expires_at: expiresAt,
      },
      select: apikeySelect,
    })
    return { apikey: toApiKey(row, key.plain) }
  })
}

export async function updateKey(ctx: AuthedContext, input: z.infer<typeof apikeyUpdateInput>) {
  return ctx.services.access.invalidateAfter(async () => {
    const current = await requireKey(ctx, input.id)
    const now = powerOf(current)
    const orgs = input.limited_to_orgs !== undefined ? uniq(input.limited_to_orgs) : undefined
    const apps = input.limited_to_apps !== undefined ? uniq(input.limited_to_apps) : undefined
    const expiresAt = input.expires_at === undefined ? undefined : input.expires_at === null ? null : new Date(input.expires_at)
    await checkLimits(ctx, orgs, apps)
    if (expiresAt !== undefined) checkFuture(expiresAt)
    checkPower(ctx.principal, {
      mode: input.mode ?? now.mode,
      limitedToOrgs: orgs ?? now.limitedToOrgs,
      limitedToApps: apps ?? now.limitedToApps,
      expiresAt: expiresAt === undefined ? now.expiresAt : expiresAt,
    })
    const row = await ctx.services.db.apiKey.update({
      where: { id: current.id },
      data: {
        ...(input.name !== undefined ? { name: input.name } : {}),
        ...(input.mode !== undefined ? { mode: input.mode } : {}),
        ...(orgs !== undefined ? { limited_to_orgs: JSON.stringify(orgs) } : {}),
        ...(apps !== undefined ? { limited_to_apps: JSON.stringify(apps) } : {}),
        ...(expiresAt !== undefined ? { expires_at: expiresAt } : {}),
      },
      select: apikeySelect,
    })
    return toApiKey(row)
  })
}

export async function deleteKey(ctx: AuthedContext, input: z.infer<typeof apikeyIdInput>) {
  return ctx.services.access.invalidateAfter(async () => {
    const k = await requireKey(ctx, input.id)
    const { count } = await ctx.services.db.apiKey.deleteMany({ where: { id: k.id } })
    if (!count) throw new ApiError('apikey_not_found')
    return { success: true as const }
  })
}
