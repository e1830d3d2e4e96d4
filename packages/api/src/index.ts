export { appRouter, type AppRouter } from './root.ts'
export { createCallerFactory } from './trpc.ts'
export { createContextInner, type Context } from './context.ts'
export { ApiError, describeError, envelope, ERRORS, fromZodIssues, isDatabaseUnavailable, messageOf, type ErrorCode } from './errors.ts'
export { readApiKey, hashKey, KEY_MODES, ROLES, type KeyMode, type Role } from './access.ts'
export { bootstrap } from './bootstrap.ts'
export { newApiKey } from './lib/keys.ts'
export { containsNul, errorEnvelope } from './schemas/common.ts'

import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server'
import type { AppRouter } from './root.ts'
export type RouterInputs = inferRouterInputs<AppRouter>
export type RouterOutputs = inferRouterOutputs<AppRouter>
export { errorResponses, isErrorCode, httpStatusOf } from './errors.ts'
export { GRAPHS, toDay, type Graph } from './schemas/statistics.ts'
// the device check-in's schema and function, for the server's dedicated POST /updates route
export { answerUpdates } from './lib/updates.ts'
export { deviceInfo } from './schemas/plugin.ts'
