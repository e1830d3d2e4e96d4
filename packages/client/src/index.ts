// Typed tRPC client for internal TypeScript apps. Only types come from the api package, so no
// server code reaches a client bundle.
import { createTRPCClient, httpBatchLink, TRPCClientError } from '@trpc/client'
import type { AppRouter, ErrorCode, RouterInputs, RouterOutputs } from '@capgo-api/api'

export type { AppRouter, ErrorCode, RouterInputs, RouterOutputs }

export interface ClientOptions {
  /** server root, e.g. http://127.0.0.1:3000 */
  url: string
  apiKey: string
  /** a fetch implementation (defaults to the global one) */
  fetch?: typeof fetch
  /** extra headers sent with every call */
  headers?: Record<string, string>
}

export function createClient(opts: ClientOptions) {
  return createTRPCClient<AppRouter>({
    links: [
      httpBatchLink({
        url: `${opts.url.replace(/\/+$/, '')}/trpc`,
        headers: () => ({ ...opts.headers, authorization: opts.apiKey }),
        ...(opts.fetch ? { fetch: opts.fetch } : {}),
      }),
    ],
  })
}

export type CapgoClient = ReturnType<typeof createClient>
export type CapgoClientError = TRPCClientError<AppRouter>

/** The contract's error code of a failed call (`app_not_found`, `invalid_apikey`, …), if any. */
export function errorCode(e: unknown): ErrorCode | undefined {
  return e instanceof TRPCClientError ? ((e as CapgoClientError).data?.error as ErrorCode | undefined) : undefined
}

export { TRPCClientError }
