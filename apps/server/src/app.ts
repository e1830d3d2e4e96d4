// Builds the Fastify app: tRPC at /trpc, REST at /, /openapi.json, /docs, /ok.
// Tests build it without listening; main.ts listens.

import { timingSafeEqual } from 'node:crypto'
import { STATUS_CODES } from 'node:http'
import type { Duplex } from 'node:stream'
import {
  ApiError,
  type AppRouter,
  appRouter,
  authenticate,
  type Context,
  createContextInner,
  describeError,
  type ErrorCode,
  envelope,
  httpStatusOf,
  messageOf,
  readApiKey,
  type Services,
  sweepPendingBundles,
} from '@capgo-api/api'
import cors from '@fastify/cors'
import { type FastifyTRPCPluginOptions, fastifyTRPCPlugin } from '@trpc/server/adapters/fastify'
import Fastify, {
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type FastifyServerOptions,
} from 'fastify'
import { registerDocs } from './docs.ts'
import { bundleFiles } from './http/bundle-files.ts'
import { sendCode } from './http/failure.ts'
import { manifestFiles } from './http/manifest-files.ts'
import { restRoutes } from './http/rest.ts'
import { statisticsCharts } from './http/statistics-charts.ts'
import { updatesRoute } from './http/updates.ts'
import { isPlainJsonResponse, unwrapResponse } from './http/web-response.ts'
import { BODY_TIMEOUT_MS_DEFAULT } from './limits.ts'
import { noteErrorCode, RequestLog, requestIdOf, routeOf } from './log.ts'
import { buildOpenApiDocument } from './openapi.ts'
import { registerBodyTimeout } from './plugins/body-timeout.ts'
import { type RateLimitOptions, registerRateLimit } from './plugins/rate-limit.ts'

export { loggerOptions, redactUrl, SECRET_HEADERS } from './log.ts'

export interface AppOptions {
  /** the database, caches and check-in writer of this app (createServices), made once */
  services: Services
  logger?: FastifyServerOptions['logger']
  /** how long /ok waits for the database before answering 503 */
  healthTimeoutMs?: number
  /** shared rate-limit state for several servers (else in memory) */
  redisUrl?: string
  /** rate-limit settings (generous defaults), or false to turn limits off */
  rateLimit?: RateLimitOptions | false
  /** Fastify's trustProxy: whose X-Forwarded-For to believe (off by default) */
  trustProxy?: boolean | number | string[]
  /** a request body still arriving after this long is cut with 408 (default 30 s; a route may opt out) */
  bodyTimeoutMs?: number
  /** serves GET /metrics to scrapers sending `authorization: Bearer <token>` (services made with `metrics: true`) */
  metricsToken?: string
}

export const BODY_LIMIT = 1024 * 1024

/**
 * Errors Node's HTTP parser finds before Fastify sees a request (malformed request line or
 * headers, headers too large, a request that took too long): the envelope, written on the socket.
 */
function clientErrorHandler(err: Error & { code?: string }, socket: Duplex) {
  if (err.code === 'ECONNRESET' || socket.destroyed) return
  const code: ErrorCode =
    err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 'request_timeout' : err.code === 'HPE_HEADER_OVERFLOW' ? 'headers_too_large' : 'bad_request'
  const status = httpStatusOf(code)
  const body = JSON.stringify(envelope({ error: code, status, message: messageOf(code) }))
  if (!socket.writable) return void socket.destroy()
  const head = `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n`
  socket.end(head + body, () => socket.destroy())
}

export async function buildApp(opts: AppOptions): Promise<FastifyInstance> {
  const { services } = opts
  const app = Fastify({
    logger: opts.logger ?? false,
    bodyLimit: BODY_LIMIT,
    forceCloseConnections: 'idle',
    trustProxy: trustProxyOf(opts.trustProxy),
    // one line per completed request (log.ts); the id is the caller's x-request-id when sane, else a UUID
    logController: new RequestLog(),
    genReqId: requestIdOf,
    // long /trpc batch paths; /channel/ is /channel (clients add the slash)
    routerOptions: { maxParamLength: 5000, ignoreTrailingSlash: true },
    clientErrorHandler,
    // a URL the router cannot read (bad percent-encoding, a path segment over maxParamLength)
    frameworkErrors: (err, _req, reply) => {
      if (err.code === 'FST_ERR_BAD_URL' || err.code === 'FST_ERR_MAX_PARAM_LENGTH')
        return sendCode(reply, 'invalid_url', 'The request URL is malformed: check its percent-encoding and length.')
      return sendCode(reply, 'unknown_error')
    },
  })

  const createContext = ({ req }: { req: FastifyRequest }): Context =>
    createContextInner({ services, apiKey: readApiKey(req.headers), ip: req.ip })

  // a preflight without the headers CORS requires is refused in the envelope (before @fastify/cors,
  // whose strict mode would answer plain text)
  app.addHook('onRequest', async (req, reply) => {
    if (req.method === 'OPTIONS' && (!req.headers.origin || !req.headers['access-control-request-method']))
      return sendCode(reply, 'invalid_preflight')
  })
  await app.register(cors, {
    origin: true,
    methods: ['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS'],
    allowedHeaders: ['authorization', 'capgkey', 'x-api-key', 'content-type', 'x-request-id'],
    exposedHeaders: ['x-request-id', 'retry-after', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset'],
    maxAge: 86400,
  })

  // before any route: the limiter attaches itself to routes as they are added
  if (opts.rateLimit !== false) {
    // a key is checked here only for an IP over its failed-authentication budget
    const isValidKey = (key: string) =>
      authenticate(services, key).then(
        () => true,
        (e: unknown) => (e instanceof ApiError ? false : Promise.reject(e)),
      )
    await registerRateLimit(app, { isValidKey, ...opts.rateLimit }, opts.redisUrl)
  }
  registerBodyTimeout(app, opts.bodyTimeoutMs ?? BODY_TIMEOUT_MS_DEFAULT)

  // JSON bodies: an empty body (some clients send one with DELETE) is no body.
  const parseJson = app.getDefaultJsonParser('error', 'error')
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    if (body === '' || (typeof body === 'string' && !body.trim())) return done(null, undefined)
    parseJson(req, body as string, done)
  })

  // Fastify-level failures (bad JSON, body too large, wrong media type) and anything unexpected.
  app.setErrorHandler((err: FastifyError, req, reply) => {
    const status = err.statusCode ?? 500
    if (status >= 500) {
      const d = describeError(err)
      if (d.status >= 500 && d.error === 'unknown_error') req.log.error({ err }, 'request failed')
      return reply.code(d.status).type('application/json').send(envelope(d))
    }
    const code: ErrorCode =
      status === 413
        ? 'payload_too_large'
        : status === 415
          ? 'unsupported_media_type'
          : status === 429
            ? 'too_many_requests'
            : status === 408
              ? 'request_timeout'
              : status === 404
                ? 'not_found'
                : err instanceof SyntaxError || /JSON/.test(err.code ?? '')
                  ? 'invalid_json'
                  : 'invalid_input'
    if (status === 408) reply.header('connection', 'close') // the rest of the body is not read
    return reply
      .code(status)
      .type('application/json')
      .send(envelope({ error: code, status, message: messageOf(code) }))
  })
  app.setNotFoundHandler((_req, reply) => {
    sendCode(reply, 'not_found')
  })

  // Every answer carries its request id. A 503 (database away or busy) tells the client when to try
  // again, whichever route answered it. An error's code is noted for the request's log line.
  const markError = (reply: FastifyReply, payload: unknown) => {
    if (reply.statusCode === 503 && !reply.hasHeader('retry-after')) reply.header('retry-after', '1')
    noteErrorCode(reply, payload)
  }
  app.addHook('onSend', (req, reply, payload, done) => {
    reply.header('x-request-id', req.id)
    if (isPlainJsonResponse(payload)) {
      // tRPC's answers, sent as a string (see http/web-response.ts)
      return void unwrapResponse(reply, payload).then(
        (text) => {
          if (reply.statusCode >= 400) markError(reply, text)
          done(null, text)
        },
        (err: Error) => done(err),
      )
    }
    if (reply.statusCode >= 400) markError(reply, payload)
    done(null, payload)
  })
  if (services.metrics.enabled)
    app.addHook('onResponse', (req, reply, done) => {
      services.metrics.request(req.method, routeOf(req), reply.statusCode, reply.elapsedTime / 1000)
      done()
    })

  // ---- health -------------------------------------------------------------------------------
  app.get('/ok', async (_req, reply) => {
    try {
      await withTimeout(services.db.$queryRawUnsafe('SELECT 1'), opts.healthTimeoutMs ?? 3000)
      return { status: 'ok' }
    } catch {
      return sendCode(reply, 'database_unavailable')
    }
  })

  // ---- metrics (Prometheus text), when a token is set ------------------------------------------
  const metricsToken = opts.metricsToken
  if (metricsToken && services.metrics.enabled) {
    const expected = Buffer.from(`Bearer ${metricsToken}`)
    app.get('/metrics', async (req, reply) => {
      const sent = Buffer.from(req.headers.authorization ?? '')
      if (sent.length !== expected.length || !timingSafeEqual(sent, expected)) return sendCode(reply, 'invalid_metrics_token')
      const { contentType, body } = await services.metrics.exposition()
      return reply.type(contentType).send(body)
    })
  }

  // ---- docs ---------------------------------------------------------------------------------
  const document = buildOpenApiDocument('/', { rateLimited: opts.rateLimit !== false })
  app.get('/openapi.json', { logLevel: 'warn' }, async () => document)
  await registerDocs(app, document) // Scalar, served from here (see docs.ts)

  // ---- tRPC ---------------------------------------------------------------------------------
  // the stock adapter, as documented; it parses JSON bodies itself inside its own plugin scope
  await app.register(fastifyTRPCPlugin, {
    prefix: '/trpc',
    trpcOptions: {
      router: appRouter,
      createContext,
      onError: ({ error, path }) => {
        if (error.code === 'INTERNAL_SERVER_ERROR') app.log.error({ err: error.cause ?? error, path }, 'procedure failed')
      },
    },
  } satisfies FastifyTRPCPluginOptions<AppRouter>)

  // ---- REST ---------------------------------------------------------------------------------
  await app.register(statisticsCharts, { createContext }) // JSON or SVG: before the generic REST routes
  await app.register(updatesRoute, { services }) // the hot device check-in, see http/updates.ts
  // uploads and downloads of bundles hosted on the disk store, see http/bundle-files.ts
  await app.register(bundleFiles, { services, uploadIdleMs: opts.bodyTimeoutMs ?? BODY_TIMEOUT_MS_DEFAULT })
  await app.register(manifestFiles, { services }) // the files of partial updates on the disk store, see http/manifest-files.ts
  await app.register(restRoutes, { createContext }) // every other operation of the router, see http/rest.ts

  // pending bundles nobody finalized go after 24 h, with their bytes: hourly (main.ts also once at start)
  const sweeper = setInterval(() => void sweepPending(app, services), 3_600_000).unref()
  app.addHook('onClose', async () => {
    clearInterval(sweeper)
    await services.bandwidth.settled() // the bytes of the last downloads
  })

  return app
}

/** Removes pending bundles older than 24 h; a failure is logged (the next sweep tries again). */
export async function sweepPending(app: FastifyInstance, services: Services) {
  try {
    const n = await sweepPendingBundles(services)
    if (n) app.log.info({ removed: n }, 'removed pending bundles older than 24 h')
  } catch (err) {
    app.log.warn({ err }, 'sweeping pending bundles failed')
  }
}

/** A hop count trusts that many nearest hops, whatever their address (Fastify itself no longer takes a number). */
function trustProxyOf(v: AppOptions['trustProxy']) {
  return typeof v === 'number' ? (_address: string, hop: number) => hop < v : (v ?? false)
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timeout')), ms)
    p.then(
      (v) => {
        clearTimeout(timer)
        resolve(v)
      },
      (e) => {
        clearTimeout(timer)
        reject(e)
      },
    )
  })
}
