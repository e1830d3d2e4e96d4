// GET|HEAD of a stored object for the routes that serve hosted bytes (bundle-files.ts,
// manifest-files.ts): accept-ranges, etag, cache-control, Range → 206 / 416, no body for HEAD or
// an empty object, and the bytes actually sent counted once the connection is done with them.
import type { Readable } from 'node:stream'
import type { storage } from '@capgo-api/api'
import type { FastifyReply, FastifyRequest } from 'fastify'
import rangeParser from 'range-parser'
import { sendCode, sendFailure } from './failure.ts'

export interface StoredObject {
  size: number
  /** the entity tag, unquoted: the bytes never change under it, so caches may keep them */
  etag: string
  type: string
  /** the object's bytes from the store, or the range of them */
  open(range?: storage.ByteRange): Promise<NodeJS.ReadableStream>
  /** told the bytes sent, when the answer is over (a download cut short counts the bytes read for it) */
  onSent(bytes: number): void
}

export async function sendStored(req: FastifyRequest, reply: FastifyReply, obj: StoredObject) {
  const { size } = obj
  reply.header('accept-ranges', 'bytes').header('etag', `"${obj.etag}"`).header('cache-control', 'private, max-age=86400')
  reply.type(obj.type)
  let range: storage.ByteRange | undefined
  const asked = req.headers.range
  if (asked !== undefined) {
    const r = rangeParser(size, asked, { combine: true })
    if (r === -1) {
      reply.header('content-range', `bytes */${size}`)
      return sendCode(reply, 'range_not_satisfiable')
    }
    // a malformed header is ignored, as HTTP says; several ranges get the whole file
    if (r !== -2 && r.type === 'bytes' && r.length === 1) range = r[0]!
  }
  const length = range ? range.end - range.start + 1 : size
  if (range) reply.code(206).header('content-range', `bytes ${range.start}-${range.end}/${size}`)
  reply.header('content-length', length)
  if (req.method === 'HEAD' || length === 0) return reply.send()
  let stream: Readable
  try {
    stream = (await obj.open(range)) as Readable
  } catch (e) {
    reply.removeHeader('content-length').removeHeader('content-range').removeHeader('etag')
    return sendFailure(req, reply, e)
  }
  reply.raw.once('close', () => obj.onSent(reply.raw.writableFinished ? length : ((stream as { bytesRead?: number }).bytesRead ?? 0)))
  return reply.send(stream)
}
