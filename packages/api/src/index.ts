export { authenticate, hashKey, KEY_MODES, type KeyMode, ROLES, type Role, readApiKey } from './access.ts'
export { bootstrap } from './bootstrap.ts'
export { type AuthedContext, type Context, createContextInner } from './context.ts'
export { newApiKey } from './domains/apikey/keys.ts'
export { receiveUpload, sweepPendingBundles, verifyDownload } from './domains/bundle/hosting.ts'
export * as manifest from './domains/bundle/manifest.ts'
export { containsNul, errorEnvelope } from './domains/common.ts'
export { putMember } from './domains/member/service.ts'
export {
  ApiError,
  describeError,
  ERRORS,
  type ErrorCode,
  envelope,
  fromZodIssues,
  invalidJsonBody,
  isDatabaseUnavailable,
  messageOf,
} from './errors.ts'
export { Metrics } from './infra/metrics.ts'
export * as storage from './infra/storage/index.ts'
export type { ProcedureMeta } from './meta.ts'
export { type AppRouter, appRouter } from './root.ts'
export { createServices, DEFAULT_BUNDLE_MAX_BYTES, DEFAULT_CACHE_TTL_MS, type Services, type ServicesConfig } from './services.ts'
export { createCallerFactory } from './trpc.ts'

import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server'
import type { AppRouter } from './root.ts'
export type RouterInputs = inferRouterInputs<AppRouter>
export type RouterOutputs = inferRouterOutputs<AppRouter>
export { deviceInfo, statsInput } from './domains/plugin/schema.ts'
// the device check-in's and events' schemas and functions, for the server's dedicated POST /updates and /stats routes
export { answerUpdates, recordEvents } from './domains/plugin/service.ts'
export { GRAPHS, type Graph, toDay } from './domains/statistics/schema.ts'
export { httpStatusOf, isErrorCode } from './errors.ts'
