// What the server logs, and what it never does: key headers, and query parameters that may carry a
// key, a token or a signature, are redacted wherever a request or its URL is logged.
import { randomUUID } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import { type FastifyReply, type FastifyRequest, LogController } from 'fastify'
import pretty from 'pino-pretty'

/** Header names that may carry a key: never logged. */
export const SECRET_HEADERS = ['authorization', 'capgkey', 'x-api-key']

/** Query parameters that may carry a key, a token or a signature (case-insensitive): never logged. */
const SECRET_PARAMS =
  /^(api[-_]?key|capgkey|x-api-key|authorization|key|token|access[-_]token|secret|password|sig|signature|x-amz-(signature|credential|security-token))$/i

/** The URL as logged: the values of query parameters that may carry a secret are redacted. */
export function redactUrl(url: string): string {
  const q = url.indexOf('?')
  if (q < 0) return url
  const pairs = url
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=')
      const raw = eq < 0 ? pair : pair.slice(0, eq)
      let name = raw
      try {
        name = decodeURIComponent(raw.replace(/\+/g, ' '))
      } catch {} // a malformed name is matched as it came
      return SECRET_PARAMS.test(name.trim()) ? `${raw}=[redacted]` : pair
    })
  return `${url.slice(0, q + 1)}${pairs.join('&')}`
}

/**
 * The server's pino options: headers that may carry a key are redacted wherever they are logged,
 * and so are query parameters that may (`?apikey=`) in the logged URL.
 */
export function loggerOptions(level: string, stream?: { write(line: string): unknown }) {
  return {
    level,
    redact: {
      paths: SECRET_HEADERS.flatMap((h) => [`req.headers.${h}`, `req.headers["${h}"]`, `headers.${h}`, `headers["${h}"]`]),
      censor: '[redacted]',
    },
    // Fastify's own request serializer, with the URL redacted (and no accept-version)
    serializers: {
      req: (req: FastifyRequest) => ({
        method: req.method,
        url: redactUrl(req.url),
        host: req.host,
        remoteAddress: req.ip,
        remotePort: req.socket?.remotePort,
      }),
    },
    ...(stream ? { stream } : {}),
  }
}

// ---- request ids and the one line per request ----------------------------------------------------

/** An `x-request-id` a client or proxy sent is kept when it looks like an id; anything else is replaced. */
const REQUEST_ID = /^[\w.:@+=/-]{1,128}$/

/** The request's id: the caller's `x-request-id` when sane (a proxy's, to follow a request through), else a new UUID. */
export function requestIdOf(req: IncomingMessage): string {
  const sent = req.headers['x-request-id']
  return typeof sent === 'string' && REQUEST_ID.test(sent) ? sent : randomUUID()
}

declare module 'fastify' {
  interface FastifyReply {
    /** the envelope's `error` of a 4xx/5xx answer, for the request's log line (set in onSend) */
    errorCode?: string
  }
}

const ERROR_FIELD = /"error":"([a-z0-9_]{1,64})"/

/** Notes the error code of an error answer (the envelope's, or tRPC's under it) for the log line. */
export function noteErrorCode(reply: FastifyReply, payload: unknown, status = reply.statusCode) {
  if (status < 400) return
  const text = typeof payload === 'string' ? payload : Buffer.isBuffer(payload) && payload.length < 65_536 ? payload.toString() : ''
  const m = ERROR_FIELD.exec(text)
  if (m) reply.errorCode = m[1]
}

/** The route pattern (`/app/:app_id`): what a request is logged and counted by; `-` for a URL no route read. */
export const routeOf = (req: FastifyRequest) => req.routeOptions.url ?? '-'

/** Health checks and scrapes, every few seconds: logged at debug when they succeed. */
const QUIET_ROUTES = new Set(['/ok', '/metrics'])

/**
 * Fastify's request log lines, replaced by one line per completed request: method, URL (redacted),
 * route pattern, status, duration, error code and request id.
 */
export class RequestLog extends LogController {
  constructor() {
    super({ requestIdLogLabel: 'reqId' })
  }

  override incomingRequest() {}

  override routeNotFound() {}

  override requestCompleted(err: Error | null | undefined, req: FastifyRequest, reply: FastifyReply) {
    const line = {
      req,
      route: routeOf(req),
      status: reply.statusCode,
      ms: Math.round(reply.elapsedTime * 100) / 100,
      ...(reply.errorCode ? { error: reply.errorCode } : {}),
      ...(err ? { aborted: err.message } : {}),
    }
    if (QUIET_ROUTES.has(line.route) && line.status === 200) reply.log.debug(line, 'request completed')
    else if (line.status >= 500) reply.log.warn(line, 'request completed')
    else reply.log.info(line, 'request completed')
  }
}

// ---- pretty logs (a terminal, `pnpm dev`) --------------------------------------------------------

/** A completed request on one line: `GET /app/com.x.app → 404 app_not_found 3.1 ms [id]`. */
function prettyMessage(log: Record<string, unknown>, messageKey: string) {
  const req = log.req as { method?: string; url?: string } | undefined
  if (log[messageKey] !== 'request completed' || !req) return String(log[messageKey] ?? '')
  const error = log.error ? ` ${log.error}` : ''
  return `${req.method} ${req.url} → ${log.status}${error} ${log.ms} ms [${log.reqId}]`
}

/** Log lines made readable (colored when the terminal supports it), written to `destination`. */
export function prettyLogStream(destination: { write(line: string): unknown }) {
  return pretty({
    destination,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,reqId,req,route,status,ms,error',
    messageFormat: prettyMessage,
    singleLine: true,
  })
}
