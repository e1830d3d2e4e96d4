// What a route answers for an error thrown while serving it: the catalogue's code and status
// (describeError), with a 5xx logged once, here, for every route that calls procedures itself.
import { describeError } from '@capgo-api/api'
import type { FastifyRequest } from 'fastify'
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
