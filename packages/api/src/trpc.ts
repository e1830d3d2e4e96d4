// tRPC set-up in three parts: context & init (with the error formatter), error mapping,
// and procedures by key mode.
import { initTRPC } from '@trpc/server'
import type { OpenApiMeta } from 'trpc-to-openapi'
import { authenticate, requireMode, type KeyMode } from './access.ts'
import type { Context } from './context.ts'
import { invalidateAccess } from './lib/access-cache.ts'
import { invalidateApp } from './lib/app-snapshot.ts'
import { forgetCounted } from './lib/checkins.ts'
import { ApiError, describeError } from './errors.ts'
import { containsNul } from './schemas/common.ts'

// ---- init -------------------------------------------------------------------------------
const t = initTRPC
  .context<Context>()
  .meta<OpenApiMeta>()
  .create({
    isDev: false,
    errorFormatter({ shape, error }) {
      const d = describeError(error)
      // the contract's envelope at the top (REST spreads the shape into its body), tRPC's own under data
      return {
        ...shape,
        status: 'KO' as const,
        error: d.error,
        message: d.message,
        ...(d.issues ? { issues: d.issues } : {}),
        data: { code: shape.data.code, httpStatus: d.status, path: shape.data.path, error: d.error, issues: d.issues },
      }
    },
  })

export const router = t.router
export const createCallerFactory = t.createCallerFactory
export const middleware = t.middleware

// ---- errors -----------------------------------------------------------------------------
/** Turns unknown failures into catalogue errors: a database outage becomes 503, the rest 500. */
const mapErrors = t.middleware(async ({ next }) => {
  const result = await next()
  if (!result.ok && !(result.error instanceof ApiError) && result.error.code === 'INTERNAL_SERVER_ERROR') {
    const d = describeError(result.error)
    if (d.error !== 'unknown_error') throw new ApiError(d.error, { cause: result.error.cause })
  }
  return result
})

// ---- procedures ---------------------------------------------------------------------------
/**
 * Mutations of these procedures can change how /updates answers (apps, channels, bundles,
 * overrides): they drop the app's snapshot (every app's when the input names none), done or
 * failed, before the answer goes out. Device endpoints (plugin.*, no key) never do: a flood of
 * them must not make every check-in reload the app (see lib/app-snapshot.ts). Deleting apps also
 * forgets which devices were counted this month (their DeviceMonth rows went with the app).
 */
const SNAPSHOT_DOMAINS = /^(app|channel|bundle|versions|device|organization)\./
const APP_DELETES = /^(app\.delete|organization\.)/

const invalidateSnapshots = t.middleware(async ({ ctx, next, path, type, getRawInput }) => {
  const result = await next()
  if (type === 'mutation' && SNAPSHOT_DOMAINS.test(path)) {
    const input = await getRawInput().catch(() => undefined)
    const appId = (input as { app_id?: unknown } | undefined)?.app_id
    invalidateApp(ctx.db, typeof appId === 'string' && !APP_DELETES.test(path) ? appId : undefined)
    if (APP_DELETES.test(path)) forgetCounted(ctx.db)
  }
  return result
})

/**
 * NUL in any string of the input is 400 invalid_characters before anything runs: SQLite would
 * store it and PostgreSQL refuse it, so one rule for both (and for lookups as for writes).
 */
const refuseNul = t.middleware(async ({ next, getRawInput }) => {
  if (containsNul(await getRawInput().catch(() => undefined))) throw new ApiError('invalid_characters')
  return next()
})

export const publicProcedure = t.procedure.use(mapErrors).use(refuseNul).use(invalidateSnapshots)

/** Mutations of these domains can change who sees what: they clear the access cache. */
const ACCESS_DOMAINS = /^(app|organization|member|apikey)\./

export const authedProcedure = publicProcedure.use(async ({ ctx, next, path, type }) => {
  const principal = await authenticate(ctx.db, ctx.apiKey)
  const result = await next({ ctx: { principal } })
  if (type === 'mutation' && ACCESS_DOMAINS.test(path)) invalidateAccess(ctx.db)
  return result
})

const withMode = (mode: KeyMode) =>
  authedProcedure.use(({ ctx, next }) => {
    requireMode(ctx.principal, mode)
    return next()
  })

/** `read` < `upload` < `write` < `all`; each procedure names the weakest mode it accepts. */
export const readProcedure = withMode('read')
export const uploadProcedure = withMode('upload')
export const writeProcedure = withMode('write')
export const allProcedure = withMode('all')
