// What a route answers for an error thrown while serving it: the catalogue's code and status
// (describeError), with a 5xx logged once, here, for every route that calls procedures itself.
import { describeError, type ErrorCode, envelope, httpStatusOf, messageOf } from '@capgo-api/api'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { redactUrl } from '../log.ts'

export function describeFailure(req: FastifyRequest, e: unknown) {
  const d = describeError(e)
  if (d.status < 500) return d
  // a database outage answers every request alike: one warning line each, not a stack trace each
  if (d.error === 'database_unavailable')
    req.log.warn({ path: redactUrl(req.url), reason: (e as Error | undefined)?.message }, 'database unavailable')
  else req.log.error({ err: e, path: redactUrl(req.url) }, 'request failed')
  return d
}

/** Sends an error in the envelope, with its status. */
export const sendEnvelope = (reply: FastifyReply, d: Parameters<typeof envelope>[0]) =>
  reply.code(d.status).type('application/json; charset=utf-8').send(envelope(d))

/** Sends a catalogue error with its status (and its message, unless another is given). */
export const sendCode = (reply: FastifyReply, code: ErrorCode, message: string = messageOf(code)) =>
  sendEnvelope(reply, { error: code, status: httpStatusOf(code), message })

/** Answers an error thrown while serving `req` (describeFailure) in the envelope. */
export const sendFailure = (req: FastifyRequest, reply: FastifyReply, e: unknown) => sendEnvelope(reply, describeFailure(req, e))
