import type { Prisma } from '@capgo-api/db'
import { z } from 'zod'
import { isRole, requireOrg, requireWholeOrg, roleRank, type Principal, type Role } from '../access.ts'
import type { Context } from '../context.ts'
import { ApiError } from '../errors.ts'
import { isUniqueViolation, retryOnUniqueViolation } from '../lib/tx.ts'
import { ok, okOutput, pageArgs } from '../schemas/common.ts'
import {
  MEMBER_ROLES, memberAcceptInput, memberDeleteInput, memberInviteInput, memberListInput, memberOutput, memberUpdateInput, statusOK,
} from '../schemas/member.ts'
import { allProcedure, readProcedure, router } from '../trpc.ts'

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

type Tx = Parameters<Parameters<Context['db']['$transaction']>[0]>[0]
type AuthedCtx = Context & { principal: Principal }

/** Serializes membership changes of one organization (the last-super_admin guard depends on it). */
async function lockOrg(tx: Tx, orgId: string) {
  await tx.$executeRaw`UPDATE "Organization" SET "name" = "name" WHERE "id" = ${orgId}`
}

/**
 * Inside a locked transaction: the caller's current role and the target membership, with the rule
 * that one may only act on members whose role (or invited role) is no higher than one's own.
 */
async function loadTarget(tx: Tx, ctx: AuthedCtx, orgId: string, email: string) {
  const mine = await tx.orgMember.findUnique({ where: { org_id_user_id: { org_id: orgId, user_id: ctx.principal.userId } }, select: { role: true } })
  const callerRole = mine && isRole(mine.role) ? mine.role : null
  if (!callerRole || roleRank(callerRole) < roleRank('admin')) throw new ApiError('insufficient_role')
  const target = await tx.orgMember.findFirst({ where: { org_id: orgId, user: { email } }, select: { id: true, role: true } })
  if (!target) throw new ApiError('member_not_found')
  const targetRole = baseRole(target.role)
  if (!targetRole || roleRank(targetRole) > roleRank(callerRole)) throw new ApiError('insufficient_role', { message: 'You cannot change a member whose role is higher than yours.' })
  return { callerRole, target }
}

async function requireAnotherSuperAdmin(tx: Tx, orgId: string) {
  const count = await tx.orgMember.count({ where: { org_id: orgId, role: 'super_admin' } })
  if (count <= 1) throw new ApiError('last_super_admin')
}

const tags = ['organization']
const path = '/organization/members'

export const memberRouter = router({
  list: readProcedure
    .meta({ errors: ['org_not_found', 'insufficient_role'], openapi: { method: 'GET', path, tags, summary: 'List the members of an organization', description: 'Members and pending invites (`invite_*` roles), oldest first, 50 a page. Needs role read.' } })
    .input(memberListInput)
    .output(z.array(memberOutput))
    .query(async ({ ctx, input }) => {
      await requireOrg(ctx, input.orgId, 'read')
      const rows = await ctx.db.orgMember.findMany({
        where: { org_id: input.orgId },
        orderBy: [{ created_at: 'asc' }, { id: 'asc' }],
        select: memberSelect,
        ...pageArgs(input.page, input.limit),
      })
      return rows.map(toMember)
    }),

  invite: allProcedure
    .meta({
      errors: ['org_not_found', 'insufficient_role', 'insufficient_permissions', 'member_already_exists'],
      openapi: {
        method: 'POST', path, tags, summary: 'Invite a member',
        description:
          'Invites the user with this email (created if unknown) with the pending role `invite_<invite_type>`, which grants nothing until the user accepts ' +
          '(POST /organization/members/accept with their own key). `invite_type` may not be above your role. 409 member_already_exists when the user is a member or invited. Needs role admin.',
      },
    })
    .input(memberInviteInput)
    .output(okOutput)
    .mutation(async ({ ctx, input }) => {
      await requireWholeOrg(ctx, input.orgId, 'admin')
      const callerRole = ctx.principal.roles.get(input.orgId)!
      if (roleRank(input.invite_type) > roleRank(callerRole)) throw new ApiError('insufficient_role', { message: 'You cannot invite with a role higher than yours.' })
      const user = await retryOnUniqueViolation(() =>
        ctx.db.user.upsert({ where: { email: input.email }, create: { email: input.email }, update: {}, select: { id: true } }),
      )
      try {
        await ctx.db.orgMember.create({ data: { org_id: input.orgId, user_id: user.id, role: `invite_${input.invite_type}` } })
      } catch (e) {
        if (isUniqueViolation(e)) throw new ApiError('member_already_exists', { cause: e })
        throw e
      }
      return ok
    }),

  update: allProcedure
    .meta({
      errors: ['org_not_found', 'insufficient_role', 'insufficient_permissions', 'member_not_found', 'last_super_admin'],
      openapi: {
        method: 'PUT', path, tags, summary: "Change a member's role",
        description:
          'Sets the role of the member with this email. You may only change members whose role is no higher than yours, to a role no higher than yours; ' +
          'a pending invite stays pending with the new role. Demoting the last super_admin is 409 last_super_admin. Needs role admin.',
      },
    })
    .input(memberUpdateInput)
    .output(okOutput)
    .mutation(async ({ ctx, input }) => {
      await requireWholeOrg(ctx, input.orgId, 'admin')
      await ctx.db.$transaction(async (tx) => {
        await lockOrg(tx, input.orgId)
        const { callerRole, target } = await loadTarget(tx, ctx, input.orgId, input.email)
        if (roleRank(input.role) > roleRank(callerRole)) throw new ApiError('insufficient_role', { message: 'You cannot give a role higher than yours.' })
        if (target.role === 'super_admin' && input.role !== 'super_admin') await requireAnotherSuperAdmin(tx, input.orgId)
        const role = target.role.startsWith('invite_') ? `invite_${input.role}` : input.role
        await tx.orgMember.update({ where: { id: target.id }, data: { role } })
      })
      return ok
    }),

  delete: allProcedure
    .meta({
      errors: ['org_not_found', 'insufficient_role', 'insufficient_permissions', 'member_not_found', 'last_super_admin'],
      openapi: {
        method: 'DELETE', path, tags, summary: 'Remove a member',
        description: 'Removes the member (or pending invite) with this email; only members whose role is no higher than yours. Removing the last super_admin is 409 last_super_admin. Needs role admin.',
      },
    })
    .input(memberDeleteInput)
    .output(statusOK)
    .mutation(async ({ ctx, input }) => {
      await requireWholeOrg(ctx, input.orgId, 'admin')
      await ctx.db.$transaction(async (tx) => {
        await lockOrg(tx, input.orgId)
        const { target } = await loadTarget(tx, ctx, input.orgId, input.email)
        if (target.role === 'super_admin') await requireAnotherSuperAdmin(tx, input.orgId)
        await tx.orgMember.delete({ where: { id: target.id } })
      })
      return { status: 'OK' as const }
    }),

  accept: allProcedure
    .meta({
      errors: ['invite_not_found'],
      openapi: {
        method: 'POST', path: `${path}/accept`, tags, summary: 'Accept an invitation',
        description: "The key's owner accepts their pending invitation to `orgId`: `invite_<role>` becomes `<role>`. 404 invite_not_found when there is none.",
      },
    })
    .input(memberAcceptInput)
    .output(okOutput)
    .mutation(async ({ ctx, input }) => {
      const p = ctx.principal
      if (p.limitedToOrgs.length && !p.limitedToOrgs.includes(input.orgId)) throw new ApiError('invite_not_found')
      const m = await ctx.db.orgMember.findUnique({ where: { org_id_user_id: { org_id: input.orgId, user_id: p.userId } }, select: { id: true, role: true } })
      const role = m?.role.startsWith('invite_') ? baseRole(m.role) : null
      if (!m || !role) throw new ApiError('invite_not_found')
      // conditional on the role still being that invite: a concurrent change or removal wins, not this one
      const { count } = await ctx.db.orgMember.updateMany({ where: { id: m.id, role: m.role }, data: { role } })
      if (!count) throw new ApiError('invite_not_found')
      return ok
    }),
})
