// Assembles the domain routers; the REST paths come from each procedure's meta.
import { appRouter as app } from './routers/app.ts'
import { channelRouter as channel } from './routers/channel.ts'
import { statisticsRouter as statistics } from './routers/statistics.ts'
import { router } from './trpc.ts'

export const appRouter = router({
  app,
  channel,
  statistics,
})

export type AppRouter = typeof appRouter
