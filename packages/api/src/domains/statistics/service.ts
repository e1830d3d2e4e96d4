// Daily statistics of an app, an organization or everything a key sees, read from DailyStat.

import type { Prisma } from '@capgo-api/db'
import type { z } from 'zod'
import { requireApp, requireOrg, visibleAppsWhere } from '../../access.ts'
import type { AuthedContext } from '../../context.ts'
import { ApiError } from '../../errors.ts'
import { readDailyStats } from '../../infra/daily-stats.ts'
import { daysApart } from '../../infra/days.ts'
import { MAX_RANGE_DAYS, type statsAppInput, type statsOrgInput, type statsUserInput } from './schema.ts'

/** 400 unless from ≤ to ≤ from + MAX_RANGE_DAYS. */
export function checkRange(from: string, to: string) {
  if (from > to || daysApart(from, to) > MAX_RANGE_DAYS) throw new ApiError('invalid_date_range')
}

export async function appStats(ctx: AuthedContext, input: z.infer<typeof statsAppInput>) {
  await requireApp(ctx, input.app_id, 'read')
  checkRange(input.from, input.to)
  return readDailyStats(ctx.services.db, { app_id: input.app_id }, input.from, input.to)
}

export async function orgStats(ctx: AuthedContext, input: z.infer<typeof statsOrgInput>) {
  const p = ctx.principal
  await requireOrg(ctx, input.org_id, 'read')
  const apps: Prisma.AppWhereInput = { owner_org: input.org_id, ...(p.limitedToApps.length ? { app_id: { in: p.limitedToApps } } : {}) }
  if (p.limitedToApps.length && !(await ctx.services.db.app.count({ where: apps }))) throw new ApiError('org_not_found')
  checkRange(input.from, input.to)
  return readDailyStats(ctx.services.db, { app: apps }, input.from, input.to)
}

export async function userStats(ctx: AuthedContext, input: z.infer<typeof statsUserInput>) {
  checkRange(input.from, input.to)
  return readDailyStats(ctx.services.db, { app: visibleAppsWhere(ctx.principal) }, input.from, input.to)
}
