export { appRouter, type AppRouter } from './root.ts'
export { createCallerFactory } from './trpc.ts'
export { createContextInner, type AuthedContext, type Context } from './context.ts'
export { createServices, DEFAULT_CACHE_TTL_MS, type Services, type ServicesConfig } from './services.ts'
export type { ProcedureMeta } from './meta.ts'
export { ApiError, describeError, envelope, ERRORS, fromZodIssues, isDatabaseUnavailable, messageOf, type ErrorCode } from './errors.ts'
export { authenticate, readApiKey, hashKey, KEY_MODES, ROLES, type KeyMode, type Role } from './access.ts'
export { bootstrap } from './bootstrap.ts'
export { newApiKey } from './domains/apikey/keys.ts'
export { putMember } from './domains/member/service.ts'
export { containsNul, errorEnvelope } from './domains/common.ts'

import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server'
import type { AppRouter } from './root.ts'
export type RouterInputs = inferRouterInputs<AppRouter>
export type RouterOutputs = inferRouterOutputs<AppRouter>
export { isErrorCode, httpStatusOf } from './errors.ts'
export { GRAPHS, toDay, type Graph } from './domains/statistics/schema.ts'
// the device check-in's schema and function, for the server's dedicated POST /updates route
export { answerUpdates } from './domains/plugin/service.ts'
export { deviceInfo } from './domains/plugin/schema.ts'
