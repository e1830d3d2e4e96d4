// What a route answers for an error thrown while serving it: the catalogue's code and status
// (describeError), with a 5xx logged once, here, for every route that calls procedures itself.
import { describeError } from '@capgo-api/api'
import type { FastifyRequest } from 'fastify'

export function describeFailure(req: FastifyRequest, e: unknown) {
  const d = describeError(e)
  if (d.status >= 500) req.log.error({ err: e, path: req.url }, 'request failed')
  return d
}
