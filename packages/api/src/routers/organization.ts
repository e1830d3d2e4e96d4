import { z } from 'zod'
import type { Prisma } from '@capgo-api/db'
import { parseIdList, requireOrg, requireWholeOrg, visibleOrgIds, type Principal } from '../access.ts'
import { ApiError, errorResponses } from '../errors.ts'
import { iso, ok, okOutput, pageArgs } from '../schemas/common.ts'
import {
  organizationDeleteInput, organizationGetInput, organizationOutput, organizationSetInput, organizationSetOutput,
} from '../schemas/organization.ts'
import { allProcedure, readProcedure, router } from '../trpc.ts'
import type { Context } from '../context.ts'

export const organizationSelect = {
  id: true, created_by: true, created_at: true, updated_at: true, logo: true, name: true, management_email: true, customer_id: true,
} satisfies Prisma.OrganizationSelect

type OrgRow = Prisma.OrganizationGetPayload<{ select: typeof organizationSelect }>

export const toOrganization = (o: OrgRow) => ({ ...o, created_at: iso(o.created_at), updated_at: iso(o.updated_at) })

const tags = ['organization']

type SetInput = z.infer<typeof organizationSetInput>

/** POST and PUT share this: with `orgId` update (role admin), without create (caller becomes super_admin). */
async function setOrganization(ctx: Context & { principal: Principal }, input: SetInput) {
  const p = ctx.principal
  if (input.orgId) {
    await requireWholeOrg(ctx, input.orgId, 'admin')
    const { orgId, ...data } = input
    const org = await ctx.db.organization.update({ where: { id: orgId }, data, select: organizationSelect })
    return { status: 'Organization updated' as const, data: toOrganization(org) }
  }
  // a key limited to some orgs or apps could never see the organization it creates
  if (p.limitedToOrgs.length || p.limitedToApps.length) {
    throw new ApiError('insufficient_permissions', { message: 'A key limited to some organizations or apps cannot create an organization.' })
  }
  const user = await ctx.db.user.findUniqueOrThrow({ where: { id: p.userId }, select: { email: true } })
  const org = await ctx.db.organization.create({
    data: {
      name: input.name!, logo: input.logo ?? null, management_email: input.management_email ?? user.email, created_by: p.userId,
      members: { create: { user_id: p.userId, role: 'super_admin' } },
    },
    select: { id: true },
  })
  return { status: 'Organization created' as const, id: org.id }
}

const SET_ERRORS = errorResponses('no_valid_fields_provided_for_update', 'org_not_found', 'insufficient_role', 'insufficient_permissions')

const setDescription =
  'POST and PUT take the same body. With `orgId`: updates `name`, `logo`, `management_email` (role admin; at least one of them, else 400 `no_valid_fields_provided_for_update`) and answers `{status: "Organization updated", data}`. ' +
  'Without `orgId`: creates an organization named `name` with the caller as super_admin and answers `{status: "Organization created", id}` ' +
  '(a key limited to some organizations or apps cannot create one). Needs key mode all.'

export const organizationRouter = router({
  get: readProcedure
    .meta({
      openapi: {
        method: 'GET', path: '/organization', tags, summary: 'List organizations or get one',
        description: 'With `orgId`: that organization (role read). Without: every organization the key may see, oldest first, 50 a page.',
      },
    })
    .input(organizationGetInput)
    .output(z.union([organizationOutput, z.array(organizationOutput)]))
    .query(async ({ ctx, input }) => {
      if (input.orgId !== undefined) {
        const org = await requireOrg(ctx, input.orgId, 'read')
        return toOrganization(org)
      }
      const rows = await ctx.db.organization.findMany({
        where: { id: { in: visibleOrgIds(ctx.principal) } },
        orderBy: [{ created_at: 'asc' }, { id: 'asc' }],
        select: organizationSelect,
        ...pageArgs(input.page, input.limit),
      })
      return rows.map(toOrganization)
    }),

  set: allProcedure
    .meta({ openapi: { method: 'POST', path: '/organization', tags, summary: 'Create or update an organization', description: setDescription, errorResponses: SET_ERRORS } })
    .input(organizationSetInput)
    .output(organizationSetOutput)
    .mutation(({ ctx, input }) => setOrganization(ctx, input)),

  put: allProcedure
    .meta({ openapi: { method: 'PUT', path: '/organization', tags, summary: 'Create or update an organization', description: setDescription, errorResponses: SET_ERRORS } })
    .input(organizationSetInput)
    .output(organizationSetOutput)
    .mutation(({ ctx, input }) => setOrganization(ctx, input)),

  delete: allProcedure
    .meta({
      openapi: {
        method: 'DELETE', path: '/organization', tags, summary: 'Delete an organization',
        description:
          'Removes the organization with its members, apps and everything below them (channels, bundles, devices, overrides, statistics). ' +
          'API keys limited to it (or to its apps) lose it from their limits; a key left with no organization (or app) in a limit is deleted. Needs role super_admin.',
      },
    })
    .input(organizationDeleteInput)
    .output(okOutput)
    .mutation(async ({ ctx, input }) => {
      await requireWholeOrg(ctx, input.orgId, 'super_admin')
      await ctx.db.$transaction(async (tx) => {
        // write first: locks the organization (PostgreSQL) and takes SQLite's write lock before any read
        await tx.$executeRaw`UPDATE "Organization" SET "name" = "name" WHERE "id" = ${input.orgId}`
        const apps = (await tx.app.findMany({ where: { owner_org: input.orgId }, select: { app_id: true } })).map((a) => a.app_id)
        await tx.organization.delete({ where: { id: input.orgId } })
        await pruneKeyLimits(tx, input.orgId, apps)
      })
      return ok
    }),
})

type Tx = Parameters<Parameters<Context['db']['$transaction']>[0]>[0]

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
      await tx.apiKey.update({ where: { id: k.id }, data: { limited_to_orgs: JSON.stringify(keptOrgs), limited_to_apps: JSON.stringify(keptApps) } })
    }
  }
}
