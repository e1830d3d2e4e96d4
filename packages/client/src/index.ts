// Typed tRPC client for internal TypeScript apps. Only types come from the api package (`import type`),
// so no server code reaches a client bundle; the runtime is @trpc/client alone. The router's type is
// the client's view of it (ClientRouter: procedures, inputs, outputs; no server context), so the
// built declarations (dist/index.d.ts, scripts/build.mjs) hold no server or database types.

import type { ClientRouter, ErrorCode } from '@capgo-api/api/client'
import { createTRPCClient, httpBatchLink, httpLink, TRPCClientError, type TRPCLink } from '@trpc/client'
import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server'
import { observable } from '@trpc/server/observable'

/** The server's router as a client sees it. */
export type AppRouter = ClientRouter
export type RouterInputs = inferRouterInputs<AppRouter>
export type RouterOutputs = inferRouterOutputs<AppRouter>
export type { ErrorCode }

export interface ClientOptions {
  /** server root, e.g. http://127.0.0.1:3000 (the client calls `<url>/trpc`) */
  url: string
  /** an API key; sent in the `authorization` header */
  apiKey: string
  /** a fetch implementation (defaults to the global one) */
  fetch?: typeof fetch
  /** extra headers sent with every call */
  headers?: Record<string, string>
  /** calls made in the same tick share one HTTP request (default true) */
  batch?: boolean
  /** longest URL a batched GET may have before it is split (default 2048) */
  maxURLLength?: number
}

/** A field-level problem of a validation error. */
export interface Issue {
  path: string
  message: string
}

/**
 * What every failed call throws: a TRPCClientError that also carries the contract's error code
 * (`e.code === 'app_not_found'`), the HTTP status and, for validation errors, the issues.
 * `code` is undefined when no answer came from the server (network failure).
 */
export class CapgoError extends TRPCClientError<AppRouter> {
  /** the contract's snake_case code, as in the REST body's `error` field */
  readonly code: ErrorCode | undefined
  /** the HTTP status the same failure has over REST */
  readonly httpStatus: number | undefined
  readonly issues: Issue[] | undefined

  constructor(e: TRPCClientError<AppRouter>) {
    super(e.message, { result: e.shape ? { error: e.shape } : undefined, cause: e.cause, meta: e.meta })
    Object.setPrototypeOf(this, CapgoError.prototype) // TRPCClientError resets the prototype
    this.name = 'CapgoError'
    const data = e.data as { error?: ErrorCode; httpStatus?: number; issues?: Issue[] } | null | undefined
    this.code = data?.error
    this.httpStatus = data?.httpStatus
    this.issues = data?.issues
  }
}

/** Turns every failure into a CapgoError. */
const capgoErrors: TRPCLink<AppRouter> =
  () =>
  ({ next, op }) =>
    observable((observer) => {
      const sub = next(op).subscribe({
        next: (v) => observer.next(v),
        error: (err) => observer.error(err instanceof CapgoError ? err : new CapgoError(err)),
        complete: () => observer.complete(),
      })
      return () => sub.unsubscribe()
    })

export function createClient(opts: ClientOptions) {
  const transport = {
    url: `${opts.url.replace(/\/+$/, '')}/trpc`,
    headers: () => ({ ...opts.headers, authorization: opts.apiKey }),
    ...(opts.fetch ? { fetch: opts.fetch } : {}),
  }
  return createTRPCClient<AppRouter>({
    links: [
      capgoErrors,
      opts.batch === false ? httpLink(transport) : httpBatchLink({ ...transport, maxURLLength: opts.maxURLLength ?? 2048 }),
    ],
  })
}

export type CapgoClient = ReturnType<typeof createClient>
/** @deprecated use CapgoError */
export type CapgoClientError = CapgoError

export const isCapgoError = (e: unknown): e is CapgoError => e instanceof CapgoError

/** The contract's error code of a failed call (`app_not_found`, `invalid_apikey`, …), if any. */
export function errorCode(e: unknown): ErrorCode | undefined {
  if (e instanceof CapgoError) return e.code
  return e instanceof TRPCClientError ? ((e as TRPCClientError<AppRouter>).data as { error?: ErrorCode } | undefined)?.error : undefined
}

export { TRPCClientError }
