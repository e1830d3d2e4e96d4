// tRPC over HTTP at /trpc. The protocol (batching, methods, errors, status codes) is tRPC's own
// `resolveResponse`; this route only hands it the request and writes its answer. The stock
// Fastify adapter converts each IncomingMessage into a WHATWG Request (Headers, body stream) and
// pipes the Response's web stream back through Fastify: measured with `--cpu-prof`, that glue cost
// more than the procedure call itself on a small query (BENCHMARKS.md). Here a JSON call reads the
// body Fastify already has and sends the answer as a string. Anything else (multipart, streamed
// answers) takes the stock path.
import type { AnyTRPCRouter } from '@trpc/server'
import { fastifyRequestHandler } from '@trpc/server/adapters/fastify'
import { resolveResponse } from '@trpc/server/http'
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
  readonly signal: AbortSignal
  constructor(
    private readonly req: FastifyRequest,
    reply: FastifyReply,
  ) {
    this.url = `http://localhost${req.raw.url}`
    const raw = req.raw.headers
    const get = (name: string) => {
      const v = raw[name.toLowerCase()]
      return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v
    }
    this.headers = { get, has: (name) => get(name) !== null }
    // as the stock adapter: the call is aborted when the client goes away before the answer
    const ac = new AbortController()
    reply.raw.once('close', () => {
      if (!reply.raw.writableEnded) ac.abort()
    })
    this.signal = ac.signal
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
    const response = await resolveResponse({
      router: opts.router,
      req: new JsonRequest(req, reply) as unknown as Request,
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
