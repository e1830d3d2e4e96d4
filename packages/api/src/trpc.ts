// tRPC set-up in three parts: context & init (with the error formatter), error mapping,
// and procedures by key mode.
import { initTRPC } from '@trpc/server'
import { authenticate, type KeyMode, requireMode } from './access.ts'
import type { Context } from './context.ts'
import { containsNul } from './domains/common.ts'
import { ApiError, describeError, invalidJsonBody } from './errors.ts'
import type { ProcedureMeta } from './meta.ts'

// ---- init -------------------------------------------------------------------------------
const t = initTRPC
  .context<Context>()
  .meta<ProcedureMeta>()
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

// ---- procedures ---------------------------------------------------------------------------
// Caches are invalidated by the services that change data, next to their writes (see services.ts).
// Each procedure runs at most two middlewares: every one costs a context merge per call.

/**
 * Every procedure: NUL in any string of the input is 400 invalid_characters before anything runs
 * (SQLite would store it and PostgreSQL refuse it, so one rule for both, for lookups as for
 * writes); after the call, unknown failures become catalogue errors (a database outage 503).
 */
const base = t.middleware(async ({ next, getRawInput }) => {
  if (containsNul(await getRawInput().catch(() => undefined))) throw new ApiError('invalid_characters')
  const result = await next()
  if (!result.ok && !(result.error instanceof ApiError) && result.error.code === 'INTERNAL_SERVER_ERROR') {
    const d = describeError(result.error)
    if (d.error !== 'unknown_error') throw new ApiError(d.error, { cause: result.error.cause })
  }
  return result
})

export const publicProcedure = t.procedure.use(base)

/**
 * The device endpoints (no key): an input that fails its schema is 400 `invalid_json_body` with
 * the issues (SPEC section 3, Capgo's code), whichever field is at fault.
 */
export const deviceProcedure = publicProcedure.use(async ({ next }) => {
  const result = await next()
  if (!result.ok && result.error.code === 'BAD_REQUEST') {
    const cause = result.error.cause as { name?: string; issues?: { path?: PropertyKey[]; message: string }[] } | undefined
    if (cause?.name === 'ZodError' && Array.isArray(cause.issues)) throw invalidJsonBody(cause.issues)
  }
  return result
})

/** The caller's key, authenticated, of at least `mode`: the principal joins the context. */
const withMode = (mode: KeyMode) =>
  publicProcedure.use(async ({ ctx, next }) => {
    const principal = await authenticate(ctx.services, ctx.apiKey)
    requireMode(principal, mode)
    return next({ ctx: { principal } })
  })

/** `read` < `upload` < `write` < `all`; each procedure names the weakest mode it accepts. */
export const readProcedure = withMode('read')
export const uploadProcedure = withMode('upload')
export const writeProcedure = withMode('write')
export const allProcedure = withMode('all')
