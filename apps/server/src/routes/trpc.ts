// tRPC over HTTP at /trpc. The stock Fastify adapter converts each IncomingMessage into a WHATWG
// Request (Headers, body stream), and tRPC's resolveResponse builds AbortSignals (AbortSignal.any
// is ~27 µs a call on Node 20) and a Response whose web stream is piped back: measured, about
// 100 µs per call on a trivial procedure, against 4 µs for the call itself (BENCHMARKS.md).
// Plain JSON calls of queries and mutations, single or batched, are answered here with tRPC's
// own pieces (request parsing, error shapes, HTTP status, response transform) and no signal, as
// a server-side caller runs. Everything else goes through resolveResponse (errors in the request
// itself, wrong methods, unknown procedures, streaming and subscriptions) or the stock adapter
// (multipart), so the protocol stays tRPC's.
import type { AnyTRPCRouter } from '@trpc/server'
import { fastifyRequestHandler } from '@trpc/server/adapters/fastify'
import { resolveResponse } from '@trpc/server/http'
import {
  getErrorShape, getHTTPStatusCode, getRequestInfo, getTRPCErrorFromUnknown, transformTRPCResponse, urlPathToProcedurePath,
  type TRPCError,
} from '@trpc/server/unstable-core-do-not-import'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Context } from '@capgo-api/api'

export interface TrpcRouteOptions {
  router: AnyTRPCRouter
  createContext: (o: { req: FastifyRequest }) => Context
  onError: (o: { error: { code: string; cause?: unknown }; path?: string }) => void
}

/** The part of a fetch Request that resolveResponse and its JSON content handler read. */
class JsonRequest {
  readonly url: string
  readonly headers: { get: (name: string) => string | null; has: (name: string) => boolean }
  #signal?: AbortSignal
  constructor(
    private readonly req: FastifyRequest,
    private readonly reply: FastifyReply,
  ) {
    this.url = `http://localhost${req.raw.url}`
    const raw = req.raw.headers
    const get = (name: string) => {
      const v = raw[name.toLowerCase()]
      return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v
    }
    this.headers = { get, has: (name) => get(name) !== null }
  }
  /** made when first read (an AbortController costs ~4 µs on Node 20): the plain path never reads it */
  get signal(): AbortSignal {
    if (!this.#signal) {
      // as the stock adapter: the call is aborted when the client goes away before the answer
      const ac = new AbortController()
      const res = this.reply.raw
      res.once('close', () => {
        if (!res.writableEnded) ac.abort()
      })
      this.#signal = ac.signal
    }
    return this.#signal
  }
  get method() {
    return this.req.method
  }
  async text(): Promise<string> {
    const body = this.req.body
    return typeof body === 'string' ? body : ''
  }
  async json(): Promise<unknown> {
    return JSON.parse(await this.text())
  }
}

const isJsonCall = (req: FastifyRequest) => {
  if (req.method === 'GET') return true
  const type = req.headers['content-type']
  return req.method === 'POST' && (type === undefined || type.split(';', 1)[0]!.trim().toLowerCase() === 'application/json')
}

export async function trpcRoute(app: FastifyInstance, opts: TrpcRouteOptions) {
  // bodies stay strings for tRPC to parse (as the stock plugin sets up); multipart stays a stream
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => done(null, body))
  app.removeContentTypeParser('multipart/form-data')
  app.addContentTypeParser('multipart/form-data', {}, (_req, body, done) => done(null, body))

  app.all('/trpc/:path', async (req, reply) => {
    const path = (req.params as { path: string }).path
    const createContext = async () => opts.createContext({ req })
    if (!isJsonCall(req)) {
      return fastifyRequestHandler({ router: opts.router, req, res: reply, path, createContext, onError: opts.onError })
    }
    const light = new JsonRequest(req, reply)
    const fast = await answerPlainCall(opts, req, light, path, createContext)
    if (fast) return reply.code(fast.status).header('vary', 'trpc-accept, accept').header('content-type', 'application/json').send(fast.body)
    const response = await resolveResponse({
      router: opts.router,
      req: light as unknown as Request,
      path,
      createContext,
      onError: opts.onError,
      error: null,
    })
    const type = response.headers.get('content-type')
    // streamed answers (httpBatchStreamLink, subscriptions) go out as streams
    if (type !== 'application/json' || response.headers.has('transfer-encoding')) return reply.send(response)
    reply.code(response.status)
    for (const [key, value] of response.headers) reply.header(key, value)
    return reply.send(await response.text())
  })
}

const ACCEPTED_METHOD = { query: 'GET', mutation: 'POST' } as Record<string, string | undefined>
/** what getRequestInfo stores as the call's signal on the plain path, which passes no signal on */
const NEVER_ABORTED = new AbortController().signal

/** A plain call answered without resolveResponse, or undefined when resolveResponse must answer it. */
async function answerPlainCall(opts: TrpcRouteOptions, req: FastifyRequest, light: JsonRequest, urlPath: string, createContext: () => Promise<Context>) {
  if (light.headers.get('trpc-accept') !== null || light.headers.get('accept')?.includes('application/jsonl')) return undefined
  const router = opts.router
  const config = router._def._config
  let info: Awaited<ReturnType<typeof getRequestInfo>>
  try {
    const url = new URL(light.url)
    const path = urlPathToProcedurePath(decodeURIComponent(urlPath), config.pathSeparator)
    const infoReq = Object.create(light, { signal: { value: NEVER_ABORTED } }) as Request
    info = await getRequestInfo({ req: infoReq, path, router, searchParams: url.searchParams, headers: light.headers as unknown as Headers, url })
  } catch {
    return undefined // bad encoding, bad JSON, bad batch: resolveResponse answers it
  }
  if (!info.calls.every((c) => c.procedure && ACCEPTED_METHOD[c.procedure._def.type] === req.method)) return undefined
  let ctx: Context
  try {
    ctx = await createContext()
  } catch {
    return undefined // resolveResponse reports it on every call
  }
  const errors: (TRPCError | null)[] = []
  const results = await Promise.all(
    info.calls.map(async (call, index) => {
      const type = call.procedure!._def.type
      try {
        const data = await call.procedure!({ path: call.path, getRawInput: call.getRawInput, ctx, type, signal: undefined, batchIndex: call.batchIndex })
        errors[index] = null
        return { result: { data } }
      } catch (cause) {
        const error = getTRPCErrorFromUnknown(cause)
        errors[index] = error
        const input = call.result()
        opts.onError({ error, path: call.path })
        return { error: getErrorShape({ config, ctx, error, input, path: call.path, type }) }
      }
    }),
  )
  const json = info.isBatchCall ? results : results[0]!
  return { status: getHTTPStatusCode(json as never, errors as never), body: JSON.stringify(transformTRPCResponse(config, json as never)) }
}
