// GET|HEAD /bundle_files/:app_id/:sha256?b&d&e&s — one file of a hosted bundle (partial updates,
// packages/api/src/domains/bundle/manifest.ts), the `download_url` of a manifest entry on the disk
// store (with S3 the entry is a presigned GET and the bytes never pass here). Signed for the app,
// bundle, file, device and expiry like the bundle URL; content-length, etag (the SHA-256),
// accept-ranges and Range → 206 / 416 (the plugin resumes a cut file with `Range: bytes=<n>-`,
// DownloadService.downloadAndVerify); streamed from the store; the bytes sent count toward the
// app's bandwidth.
import { ApiError, manifest, type Services, storage } from '@capgo-api/api'
import type { FastifyInstance } from 'fastify'
import { sendFailure } from './failure.ts'
import { sendStored } from './ranged.ts'

const num = (v: unknown) => (typeof v === 'string' && /^\d{1,15}$/.test(v) ? Number(v) : Number.NaN)
const str = (v: unknown) => (typeof v === 'string' ? v : '')

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
        return sendFailure(req, reply, e)
      }
      return sendStored(req, reply, {
        size,
        etag: hash,
        type: 'application/octet-stream',
        open: (range) => services.storage.get(storage.fileKey(appId, hash), range),
        onSent: (bytes) => services.bandwidth.add(appId, bytes),
      })
    },
  })
}
