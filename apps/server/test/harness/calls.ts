// Calling the API as a client would: REST through app.inject, tRPC through a caller with a key.
import { appRouter, createCallerFactory, createContextInner, describeError } from '@capgo-api/api'
import type { FastifyInstance, InjectOptions } from 'fastify'
import { getApp } from './app.ts'

export interface RestResponse<T = any> {
  status: number
  body: T
  headers: Record<string, unknown>
}

export interface RestOptions {
  key?: string
  query?: Record<string, string | number | boolean | undefined>
  body?: unknown
  headers?: Record<string, string | undefined>
}

/** REST call through app.inject: `rest('GET', '/channel', { key, query })`. */
export async function rest<T = any>(method: InjectOptions['method'], url: string, opts: RestOptions = {}): Promise<RestResponse<T>> {
  return restOn((await getApp()).app, method, url, opts)
}

/** `rest()` against another app instance (one built with `buildTestApp`). */
export async function restOn<T = any>(
  app: FastifyInstance,
  method: InjectOptions['method'],
  url: string,
  opts: RestOptions = {},
): Promise<RestResponse<T>> {
  const res = await app.inject({
    method,
    url,
    query: opts.query
      ? Object.fromEntries(
          Object.entries(opts.query)
            .filter(([, v]) => v !== undefined)
            .map(([k, v]) => [k, String(v)]),
        )
      : undefined,
    headers: {
      ...(opts.key ? { authorization: opts.key } : {}),
      ...(Object.fromEntries(Object.entries(opts.headers ?? {}).filter(([, v]) => v !== undefined)) as Record<string, string>),
    },
    ...(opts.body !== undefined ? { payload: opts.body as InjectOptions['payload'] } : {}),
  })
  let body: any = res.body
  try {
    body = JSON.parse(res.body)
  } catch {}
  return { status: res.statusCode, body, headers: res.headers }
}

const createCaller = createCallerFactory(appRouter)

/** A tRPC caller acting with `key`. */
export async function trpc(key?: string) {
  const { services } = await getApp()
  return createCaller(createContextInner({ services, apiKey: key }))
}

/** Runs `fn` and returns the tRPC error it throws, or fails. */
export async function trpcError(fn: () => Promise<unknown>) {
  try {
    await fn()
  } catch (e: any) {
    const d = describeError(e)
    return { code: e.code as string, error: d.error, status: d.status, message: d.message }
  }
  throw new Error('expected the call to throw')
}
