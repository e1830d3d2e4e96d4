// tRPC's Fastify adapter answers a WHATWG Response, which Fastify sends as a web stream: chunked,
// a read loop, and the last chunk in a write of its own. A plain JSON answer (not jsonl, not SSE)
// is read here into a string instead, so it leaves like any other route's: one write with a
// content-length. Streaming answers are left to Fastify.
import type { FastifyReply } from 'fastify'

/** A Response whose whole body is one JSON document (tRPC's non-streamed answers). */
export const isPlainJsonResponse = (payload: unknown): payload is Response =>
  payload instanceof Response &&
  payload.body !== null &&
  !payload.headers.has('transfer-encoding') &&
  (payload.headers.get('content-type') ?? '').startsWith('application/json')

/** Moves the Response's status and headers onto the reply and resolves to its body. */
export async function unwrapResponse(reply: FastifyReply, response: Response): Promise<string> {
  const body = await response.text()
  reply.code(response.status)
  for (const [name, value] of response.headers) {
    // CORS has already said `vary: Origin`: tRPC's vary adds to it
    const before = name === 'vary' ? reply.getHeader('vary') : undefined
    reply.header(name, before ? `${before}, ${value}` : value)
  }
  return body
}
