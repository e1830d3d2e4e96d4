// Assembles the domain routers; the REST paths come from each procedure's meta.
import { appRouter as app } from './routers/app.ts'
import { channelRouter as channel } from './routers/channel.ts'
import { bundleRouter as bundle, versionsRouter as versions } from './routers/bundle.ts'
import { deviceRouter as device } from './routers/device.ts'
import { pluginRouter as plugin } from './routers/plugin.ts'
import { statisticsRouter as statistics } from './routers/statistics.ts'
import { organizationRouter as organization } from './routers/organization.ts'
import { memberRouter as member } from './routers/member.ts'
import { apikeyRouter as apikey } from './routers/apikey.ts'
import { router } from './trpc.ts'

export const appRouter = router({
  app,
  channel,
  device,
  bundle,
  versions,
  plugin,
  statistics,
  organization,
  member,
  apikey,
})

export type AppRouter = typeof appRouter
