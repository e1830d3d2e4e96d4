// Organizations: list or get, create or update (POST and PUT), delete with everything below.
// Changes clear the access cache; a deletion also every /updates snapshot and MAU mark, done or failed.

import type { Prisma } from '@capgo-api/db'
import type { z } from 'zod'
import { parseIdList, requireOrg, requireWholeOrg, visibleOrgIds } from '../../access.ts'
import type { AuthedContext } from '../../context.ts'
import { ApiError } from '../../errors.ts'
import { lockOrg, type Tx } from '../../infra/tx.ts'
import { forgetDeletedApps } from '../../services.ts'
import { removeAppObjects } from '../bundle/hosting.ts'
import { iso, ok, pageArgs } from '../common.ts'
import type { organizationDeleteInput, organizationGetInput, organizationSetInput } from './schema.ts'

export const organizationSelect = {
  id: true,
  created_by: true,
  created_at: true,
  updated_at: true,
  logo: true,
  name: true,
  management_email: true,
  customer_id: true,
} satisfies Prisma.OrganizationSelect

type OrgRow = Prisma.OrganizationGetPayload<{ select: typeof organizationSelect }>

export const toOrganization = (o: OrgRow) => ({ ...o, created_at: iso(o.created_at), updated_at: iso(o.updated_at) })

export async function getOrganizations(ctx: AuthedContext, input: z.infer<typeof organizationGetInput>) {
  if (input.orgId !== undefined) {
    const org = await requireOrg(ctx, input.orgId, 'read')
    return toOrganization(org)
  }
  const rows = await ctx.services.db.organization.findMany({
    where: { id: { in: visibleOrgIds(ctx.principal) } },
    orderBy: [{ created_at: 'asc' }, { id: 'asc' }],
    select: organizationSelect,
    ...pageArgs(input.page, input.limit),
  })
  return rows.map(toOrganization)
}

/** POST and PUT share this: with `orgId` update (role admin), without create (caller becomes super_admin). */
export function setOrganization(ctx: AuthedContext, input: z.infer<typeof organizationSetInput>) {
  // the creator's principal gains the new organization
  return ctx.services.access.invalidateAfter(() => createOrUpdate(ctx, input))
}

async function createOrUpdate(ctx: AuthedContext, input: z.infer<typeof organizationSetInput>) {
  const p = ctx.principal
  if (input.orgId) {
    await requireWholeOrg(ctx, input.orgId, 'admin')
    const { orgId, ...data } = input
    const org = await ctx.services.db.organization.update({ where: { id: orgId }, data, select: organizationSelect })
    return { status: 'Organization updated' as const, data: toOrganization(org) }
  }
  // a key limited to some orgs or apps could never see the organization it creates
  if (p.limitedToOrgs.length || p.limitedToApps.length) {
    throw new ApiError('insufficient_permissions', {
      message: 'A key limited to some organizations or apps cannot create an organization.',
    })
  }
  const user = await ctx.services.db.user.findUniqueOrThrow({ where: { id: p.userId }, select: { email: true } })
  const org = await ctx.services.db.organization.create({
    data: {
      name: input.name!,
      logo: input.logo ?? null,
      management_email: input.management_email ?? user.email,
      created_by: p.userId,
      members: { create: { user_id: p.userId, role: 'super_admin' } },
    },
    select: { id: true },
  })
  return { status: 'Organization created' as const, id: org.id }
}

export async function deleteOrganization(ctx: AuthedContext, input: z.infer<typeof organizationDeleteInput>) {
  try {
    await requireWholeOrg(ctx, input.orgId, 'super_admin')
    const apps = await ctx.services.db.$transaction(async (tx) => {
      // write first: locks the organization (PostgreSQL) and takes SQLite's write lock before any read
      await lockOrg(tx, input.orgId)
      const apps = (await tx.app.findMany({ where: { owner_org: input.orgId }, select: { app_id: true } })).map((a) => a.app_id)
      await tx.organization.delete({ where: { id: input.orgId } })
      await pruneKeyLimits(tx, input.orgId, apps)
      return apps
    })
    await removeAppObjects(ctx.services, apps) // their hosted bundles' bytes
    return ok
  } finally {
    ctx.services.access.invalidate()
    forgetDeletedApps(ctx.services)
  }
}

/**
 * A key limited to a deleted organization (or to its apps) must not become a key without limits:
 * the ids are removed from its limits, and a key whose limit list empties is deleted.
 */
async function pruneKeyLimits(tx: Tx, orgId: string, appIds: string[]) {
  const mentions: Prisma.ApiKeyWhereInput[] = [{ limited_to_orgs: { contains: JSON.stringify(orgId) } }]
  if (appIds.length) mentions.push({ limited_to_apps: { not: '[]' } })
  const keys = await tx.apiKey.findMany({ where: { OR: mentions }, select: { id: true, limited_to_orgs: true, limited_to_apps: true } })
  for (const k of keys) {
    const orgs = parseIdList(k.limited_to_orgs)
    const apps = parseIdList(k.limited_to_apps)
    const keptOrgs = orgs.filter((id) => id !== orgId)
    const keptApps = apps.filter((id) => !appIds.includes(id))
    if ((orgs.length && !keptOrgs.length) || (apps.length && !keptApps.length)) {
      await tx.apiKey.delete({ where: { id: k.id } })
    } else if (keptOrgs.length !== orgs.length || keptApps.length !== apps.length) {
      await tx.apiKey.update({
        where: { id: k.id },
        data: { limited_to_orgs: JSON.stringify(keptOrgs), limited_to_apps: JSON.stringify(keptApps) },
      })
    }
  }
}
