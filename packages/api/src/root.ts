// Assembles the domain routers; the REST paths come from each procedure's meta.
import { appRouter as app } from './routers/app.ts'
import { channelRouter as channel } from './routers/channel.ts'
import { organizationRouter as organization } from './routers/organization.ts'
import { memberRouter as member } from './routers/member.ts'
import { apikeyRouter as apikey } from './routers/apikey.ts'
import { router } from './trpc.ts'

export const appRouter = router({
  app,
  channel,
  organization,
  member,
  apikey,
})

export type AppRouter = typeof appRouter
