// Assembles the domain routers; the REST paths come from each procedure's meta.

import { apikeyRouter as apikey } from './domains/apikey/router.ts'
import { appDomainRouter as app } from './domains/app/router.ts'
import { bundleRouter as bundle, versionsRouter as versions } from './domains/bundle/router.ts'
import { channelRouter as channel } from './domains/channel/router.ts'
import { deviceRouter as device } from './domains/device/router.ts'
import { memberRouter as member } from './domains/member/router.ts'
import { organizationRouter as organization } from './domains/organization/router.ts'
import { pluginRouter as plugin } from './domains/plugin/router.ts'
import { statisticsRouter as statistics } from './domains/statistics/router.ts'
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
