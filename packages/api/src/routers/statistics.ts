import type { Prisma } from '@capgo-api/db'
import { requireApp, requireOrg, visibleAppsWhere } from '../access.ts'
import { ApiError } from '../errors.ts'
import { daysApart, readDailyStats } from '../lib/stats.ts'
import { MAX_RANGE_DAYS, statsAppInput, statsOrgInput, statsOutput, statsUserInput } from '../schemas/statistics.ts'
import { readProcedure, router } from '../trpc.ts'

const tags = ['statistics']

const COMMON =
  `\`from\` and \`to\` are days (YYYY-MM-DD, or ISO date-times read as their UTC day), inclusive; \`from\` ≤ \`to\` and \`to\` at most ${MAX_RANGE_DAYS} days after \`from\` ` +
  `(so at most ${MAX_RANGE_DAYS + 1} entries), else 400 \`invalid_date_range\`; a malformed date is 400 \`invalid_date\`. ` +
  'Answers one entry per day up to today (UTC), days without data as zeros, days after today left out: `mau` = distinct devices seen in the calendar month up to that day, ' +
  '`storage` = bytes of the bundles not deleted on that day, `bandwidth` = bytes served that day. ' +
  'With `graph=mau|storage|bandwidth` the REST answer is an `image/svg+xml` chart of that metric instead. Needs role read.'

/** 400 unless from ≤ to ≤ from + MAX_RANGE_DAYS. */
function checkRange(from: string, to: string) {
  if (from > to || daysApart(from, to) > MAX_RANGE_DAYS) throw new ApiError('invalid_date_range')
}

export const statisticsRouter = router({
  app: readProcedure
    .meta({ openapi: { method: 'GET', path: '/statistics/app/{app_id}', tags, summary: "An app's daily statistics", description: COMMON } })
    .input(statsAppInput)
    .output(statsOutput)
    .query(async ({ ctx, input }) => {
      await requireApp(ctx, input.app_id, 'read')
      checkRange(input.from, input.to)
      return readDailyStats(ctx.db, { app_id: input.app_id }, input.from, input.to)
    }),

  org: readProcedure
    .meta({
      openapi: {
        method: 'GET', path: '/statistics/org/{org_id}', tags, summary: "An organization's daily statistics",
        description: `Summed over the organization's apps the key may see (a key limited to some apps counts only those; an organization holding none of them is 404 \`org_not_found\`). ${COMMON}`,
      },
    })
    .input(statsOrgInput)
    .output(statsOutput)
    .query(async ({ ctx, input }) => {
      const p = ctx.principal
      await requireOrg(ctx, input.org_id, 'read')
      const apps: Prisma.AppWhereInput = { owner_org: input.org_id, ...(p.limitedToApps.length ? { app_id: { in: p.limitedToApps } } : {}) }
      if (p.limitedToApps.length && !(await ctx.db.app.count({ where: apps }))) throw new ApiError('org_not_found')
      checkRange(input.from, input.to)
      return readDailyStats(ctx.db, { app: apps }, input.from, input.to)
    }),

  user: readProcedure
    .meta({
      openapi: {
        method: 'GET', path: '/statistics/user', tags, summary: 'Daily statistics of every organization the key may see',
        description: `Summed per day over every app the key may see, in every organization where its owner is a member (within the key's limits). ${COMMON}`,
      },
    })
    .input(statsUserInput)
    .output(statsOutput)
    .query(async ({ ctx, input }) => {
      checkRange(input.from, input.to)
      return readDailyStats(ctx.db, { app: visibleAppsWhere(ctx.principal) }, input.from, input.to)
    }),
})
