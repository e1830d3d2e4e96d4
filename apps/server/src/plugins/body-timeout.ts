// A request body that trickles in is cut after a deadline: 408 `request_timeout` in the envelope,
// and the connection is closed. Node's own `requestTimeout` would do it for the whole server, with
// no exception for a route and an answer outside the envelope; this preParsing hook reads the
// route's `config.bodyTimeoutMs` instead: a number, or false for a route that times its body
// itself (uploads: an idle-based timeout, however long the whole upload takes).
import { PassThrough } from 'node:stream'
import { messageOf } from '@capgo-api/api'
import type { FastifyInstance } from 'fastify'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** how long this route's body may take to arrive (ms), or false when the route times it itself */
    bodyTimeoutMs?: number | false
  }
}

export class BodyTimeoutError extends Error {
  readonly statusCode = 408
  readonly code = 'CAPGO_BODY_TIMEOUT'
  constructor() {
    super(messageOf('request_timeout'))
  }
}

export function registerBodyTimeout(app: FastifyInstance, defaultMs: number) {
  app.addHook('preParsing', (req, reply, payload, done) => {
    const ms = req.routeOptions.config?.bodyTimeoutMs ?? defaultMs
    const length = req.headers['content-length']
    const hasBody = req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0')
    // the usual cases: no body, or it came with the headers; nothing to wait for
    if (ms === false || !hasBody || req.raw.complete) return done(null, payload)
    const body = new PassThrough()
    const timer = setTimeout(() => {
      payload.unpipe(body)
      reply.header('connection', 'close')
      body.destroy(new BodyTimeoutError())
    }, ms)
    const stop = () => clearTimeout(timer)
    payload.once('end', stop)
    // a client that goes away mid-body ends the body too, as it would without this stream
    payload.once('close', () => {
      stop()
      if (!payload.readableEnded) body.destroy(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }))
    })
    body.once('close', stop)
    // answered without reading the body (415, 413, an early refusal): nothing left to time
    reply.raw.once('finish', stop).once('close', stop)
    // Fastify listens while it reads the body; a body it never reads must not throw when cut
    body.on('error', () => {})
    done(null, payload.pipe(body))
  })
}
