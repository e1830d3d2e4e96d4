// Members of an organization: list, invite, change a role, remove, accept an invitation. Every
// change clears the access cache (roles decide what keys see), done or failed.

import type { Prisma } from '@capgo-api/db'
import type { z } from 'zod'
import { isRole, type Role, requireOrg, requireWholeOrg, roleRank } from '../../access.ts'
import type { AuthedContext } from '../../context.ts'
import { ApiError } from '../../errors.ts'
import { isUniqueViolation, lockOrg, retryOnUniqueViolation, type Tx } from '../../infra/tx.ts'
import { ok, pageArgs } from '../common.ts'
import {
  MEMBER_ROLES,
  type memberAcceptInput,
  type memberDeleteInput,
  type memberInviteInput,
  type memberListInput,
  type memberUpdateInput,
} from './schema.ts'

const memberSelect = {
  role: true,
  user: { select: { id: true, email: true, image_url: true } },
} satisfies Prisma.OrgMemberSelect

type MemberRow = Prisma.OrgMemberGetPayload<{ select: typeof memberSelect }>

const toMemberRole = (r: string) => ((MEMBER_ROLES as readonly string[]).includes(r) ? (r as (typeof MEMBER_ROLES)[number]) : 'invite_read')

export const toMember = (m: MemberRow) => ({ uid: m.user.id, email: m.user.email, image_url: m.user.image_url, role: toMemberRole(m.role) })

/** The role a membership grants or will grant once accepted (`invite_admin` → `admin`). */
const baseRole = (r: string): Role | null => {
  const base = r.startsWith('invite_') ? r.slice('invite_'.length) : r
  return isRole(base) ? base : null
}

/**
 * Inside a locked transaction: the caller's current role and the target membership, with the rule
 * that one may only act on members whose role (or invited role) is no higher than one's own.
 */
async function loadTarget(tx: Tx, ctx: AuthedContext, orgId: string, email: string) {
  const mine = await tx.orgMember.findUnique({
    where: { org_id_user_id: { org_id: orgId, user_id: ctx.principal.userId } },
    select: { role: true },
  })
  const callerRole = mine && isRole(mine.role) ? mine.role : null
  if (!callerRole || roleRank(callerRole) < roleRank('admin')) throw new ApiError('insufficient_role')
  const target = await tx.orgMember.findFirst({ where: { org_id: orgId, user: { email } }, select: { id: true, role: true } })
  if (!target) throw new ApiError('member_not_found')
  const targetRole = baseRole(target.role)
  if (!targetRole || roleRank(targetRole) > roleRank(callerRole))
    throw new ApiError('insufficient_role', { message: 'You cannot change a member whose role is higher than yours.' })
  return { callerRole, target }
}

/** Inside a transaction holding lockOrg: 409 last_super_admin unless the org has another super_admin. */
async function requireAnotherSuperAdmin(tx: Tx, orgId: string) {
  const count = await tx.orgMember.count({ where: { org_id: orgId, role: 'super_admin' } })
  if (count <= 1) throw new ApiError('last_super_admin')
}

export async function listMembers(ctx: AuthedContext, input: z.infer<typeof memberListInput>) {
  await requireOrg(ctx, input.orgId, 'read')
  const rows = await ctx.services.db.orgMember.findMany({
    where: { org_id: input.orgId },
    orderBy: [{ created_at: 'asc' }, { id: 'asc' }],
    select: memberSelect,
    ...pageArgs(input.page, input.limit),
  })
  return rows.map(toMember)
}

export async function inviteMember(ctx: AuthedContext, input: z.infer<typeof memberInviteInput>) {
  return ctx.services.access.invalidateAfter(async () => {
    await requireWholeOrg(ctx, input.orgId, 'admin')
    const callerRole = ctx.principal.roles.get(input.orgId)!
    if (roleRank(input.invite_type) > roleRank(callerRole))
      throw new ApiError('insufficient_role', { message: 'You cannot invite with a role higher than yours.' })
    const user = await retryOnUniqueViolation(() =>
      ctx.services.db.user.upsert({ where: { email: input.email }, create: { email: input.email }, update: {}, select: { id: true } }),
    )
    try {
      await ctx.services.db.orgMember.create({ data: { org_id: input.orgId, user_id: user.id, role: `invite_${input.invite_type}` } })
    } catch (e) {
      if (isUniqueViolation(e)) throw new ApiError('member_already_exists', { cause: e })
      throw e
    }
    return ok
  })
}

/** Runs `change` on the member with `email`, in a transaction holding the organization's lock (needs role admin). */
async function changeMember(
  ctx: AuthedContext,
  input: { orgId: string; email: string },
  change: (tx: Tx, found: Awaited<ReturnType<typeof loadTarget>>) => Promise<void>,
) {
  await requireWholeOrg(ctx, input.orgId, 'admin')
  await ctx.services.db.$transaction(async (tx) => {
    await lockOrg(tx, input.orgId)
    await change(tx, await loadTarget(tx, ctx, input.orgId, input.email))
  })
}

export async function updateMember(ctx: AuthedContext, input: z.infer<typeof memberUpdateInput>) {
  return ctx.services.access.invalidateAfter(async () => {
    await changeMember(ctx, input, async (tx, { callerRole, target }) => {
      if (roleRank(input.role) > roleRank(callerRole))
        throw new ApiError('insufficient_role', { message: 'You cannot give a role higher than yours.' })
      if (target.role === 'super_admin' && input.role !== 'super_admin') await requireAnotherSuperAdmin(tx, input.orgId)
      const role = target.role.startsWith('invite_') ? `invite_${input.role}` : input.role
      await tx.orgMember.update({ where: { id: target.id }, data: { role } })
    })
    return ok
  })
}

export async function removeMember(ctx: AuthedContext, input: z.infer<typeof memberDeleteInput>) {
  return ctx.services.access.invalidateAfter(async () => {
    await changeMember(ctx, input, async (tx, { target }) => {
      if (target.role === 'super_admin') await requireAnotherSuperAdmin(tx, input.orgId)
      await tx.orgMember.delete({ where: { id: target.id } })
    })
    return { status: 'OK' as const }
  })
}

export async function acceptInvite(ctx: AuthedContext, input: z.infer<typeof memberAcceptInput>) {
  return ctx.services.access.invalidateAfter(async () => {
    const p = ctx.principal
    if (p.limitedToOrgs.length && !p.limitedToOrgs.includes(input.orgId)) throw new ApiError('invite_not_found')
    const m = await ctx.services.db.orgMember.findUnique({
      where: { org_id_user_id: { org_id: input.orgId, user_id: p.userId } },
      select: { id: true, role: true },
    })
    const role = m?.role.startsWith('invite_') ? baseRole(m.role) : null
    if (!m || !role) throw new ApiError('invite_not_found')
    // conditional on the role still being that invite: a concurrent change or removal wins, not this one
    const { count } = await ctx.services.db.orgMember.updateMany({ where: { id: m.id, role: m.role }, data: { role } })
    if (!count) throw new ApiError('invite_not_found')
    return ok
  })
}

/**
 * The operator's CLI: makes `userId` a member of `orgId` with `role` (a pending invitation is
 * accepted, an existing role replaced), inside a transaction. Demoting the last super_admin is
 * 409 last_super_admin, as through the API.
 */
export async function putMember(tx: Tx, orgId: string, userId: string, role: Role) {
  await lockOrg(tx, orgId)
  const current = await tx.orgMember.findUnique({ where: { org_id_user_id: { org_id: orgId, user_id: userId } }, select: { role: true } })
  if (current?.role === 'super_admin' && role !== 'super_admin') await requireAnotherSuperAdmin(tx, orgId)
  await tx.orgMember.upsert({
    where: { org_id_user_id: { org_id: orgId, user_id: userId } },
    create: { org_id: orgId, user_id: userId, role },
    update: { role },
  })
}
