// GET|HEAD /bundle_files/:app_id/:sha256?b&d&e&s — one file of a hosted bundle (partial updates,
// packages/api/src/domains/bundle/manifest.ts), the `download_url` of a manifest entry on the disk
// store (with S3 the entry is a presigned GET and the bytes never pass here). Signed for the app,
// bundle, file, device and expiry like the bundle URL; content-length, etag (the SHA-256),
// accept-ranges and Range → 206 / 416 (the plugin resumes a cut file with `Range: bytes=<n>-`,
// DownloadService.downloadAndVerify); streamed from the store; the bytes sent count toward the
// app's bandwidth.
import type { Readable } from 'node:stream'
import { ApiError, envelope, manifest, messageOf, type Services, storage } from '@capgo-api/api'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import rangeParser from 'range-parser'
import { describeFailure } from './failure.ts'

const num = (v: unknown) => (typeof v === 'string' && /^\d{1,15}$/.test(v) ? Number(v) : Number.NaN)
const str = (v: unknown) => (typeof v === 'string' ? v : '')

const fail = (req: FastifyRequest, reply: FastifyReply, e: unknown) => {
  const d = describeFailure(req, e)
  return reply.code(d.status).type('application/json; charset=utf-8').send(envelope(d))
}

interface FileRoute {
  Params: { app_id: string; hash: string }
  Querystring: Record<string, string | undefined>
}

export async function manifestFiles(app: FastifyInstance, opts: { services: Services }) {
  const { services } = opts
  app.route<FileRoute>({
    method: ['GET', 'HEAD'],
    url: '/bundle_files/:app_id/:hash',
    exposeHeadRoute: false,
    handler: async (req, reply) => {
      const { app_id: appId, hash } = req.params
      const bundleId = num(req.query.b)
      const expires = num(req.query.e)
      let size: number
      try {
        const valid =
          /^[0-9a-f]{64}$/.test(hash) &&
          expires >= Math.floor(Date.now() / 1000) &&
          (await services.signer.verify(str(req.query.s), ...manifest.fileUrlParts(appId, bundleId, hash, str(req.query.d), expires)))
        if (!valid) throw new ApiError('invalid_signature')
        const head = await services.storage.head(storage.fileKey(appId, hash))
        if (!head) throw new ApiError('version_not_found', { message: 'This file is no longer stored: its bundle was deleted.' })
        size = head.size
      } catch (e) {
        return fail(req, reply, e)
      }
      // a file's bytes never change under its hash: caches may keep it
      reply.header('accept-ranges', 'bytes').header('etag', `"${hash}"`).header('cache-control', 'private, max-age=86400')
      reply.type('application/octet-stream')
      let range: { start: number; end: number } | undefined
      const asked = req.headers.range
      if (asked !== undefined) {
        const r = rangeParser(size, asked, { combine: true })
        if (r === -1) {
          reply.code(416).header('content-range', `bytes */${size}`)
          return reply
            .type('application/json; charset=utf-8')
            .send(envelope({ error: 'range_not_satisfiable', status: 416, message: messageOf('range_not_satisfiable') }))
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
        stream = (await services.storage.get(storage.fileKey(appId, hash), range)) as Readable
      } catch (e) {
        reply.removeHeader('content-length').removeHeader('content-range').removeHeader('etag').code(200)
        return fail(req, reply, e)
      }
      // bandwidth: what was sent (a download cut short counts the bytes read for it)
      reply.raw.once('close', () =>
        services.bandwidth.add(appId, reply.raw.writableFinished ? length : ((stream as { bytesRead?: number }).bytesRead ?? 0)),
      )
      return reply.send(stream)
    },
  })
}
