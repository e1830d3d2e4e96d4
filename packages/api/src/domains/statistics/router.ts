import { readProcedure, router } from '../../trpc.ts'
import { MAX_RANGE_DAYS, statsAppInput, statsOrgInput, statsOutput, statsUserInput } from './schema.ts'
import { appStats, orgStats, userStats } from './service.ts'

const tags = ['statistics']

const COMMON =
  `\`from\` and \`to\` are days (YYYY-MM-DD, or ISO date-times read as their UTC day), inclusive; \`from\` ≤ \`to\` and \`to\` at most ${MAX_RANGE_DAYS} days after \`from\` ` +
  `(so at most ${MAX_RANGE_DAYS + 1} entries), else 400 \`invalid_date_range\`; a malformed date is 400 \`invalid_date\`. ` +
  'Answers one entry per day up to today (UTC), days without data as zeros, days after today left out: `mau` = distinct devices seen in the calendar month up to that day, ' +
  '`storage` = bytes of the bundles not deleted on that day, `bandwidth` = bytes served that day. ' +
  'With `graph=mau|storage|bandwidth` the REST answer is an `image/svg+xml` chart of that metric instead. Needs role read.'

export const statisticsRouter = router({
  app: readProcedure
    .meta({
      errors: ['invalid_app_id', 'invalid_date', 'invalid_date_range', 'app_not_found'],
      openapi: { method: 'GET', path: '/statistics/app/{app_id}', tags, summary: "An app's daily statistics", description: COMMON },
    })
    .input(statsAppInput)
    .output(statsOutput)
    .query(({ ctx, input }) => appStats(ctx, input)),

  org: readProcedure
    .meta({
      errors: ['invalid_date', 'invalid_date_range', 'org_not_found'],
      openapi: {
        method: 'GET',
        path: '/statistics/org/{org_id}',
        tags,
        summary: "An organization's daily statistics",
        description: `Summed over the organization's apps the key may see (a key limited to some apps counts only those; an organization holding none of them is 404 \`org_not_found\`). ${COMMON}`,
      },
    })
    .input(statsOrgInput)
    .output(statsOutput)
    .query(({ ctx, input }) => orgStats(ctx, input)),

  user: readProcedure
    .meta({
      errors: ['invalid_date', 'invalid_date_range'],
      openapi: {
        method: 'GET',
        path: '/statistics/user',
        tags,
        summary: 'Daily statistics of every organization the key may see',
        description: `Summed per day over every app the key may see, in every organization where its owner is a member (within the key's limits). ${COMMON}`,
      },
    })
    .input(statsUserInput)
    .output(statsOutput)
    .query(({ ctx, input }) => userStats(ctx, input)),
})
