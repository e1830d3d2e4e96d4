// The bytes of bundles hosted on the disk store go through these two routes (with an S3 store the
// client and the devices talk to the store through presigned URLs instead):
// - PUT /bundle/upload/:app_id/:id?token&expires&sig — the signed, single-use upload URL of
//   POST /bundle: any content type, streamed to the store, 413 as soon as BUNDLE_MAX_BYTES is
//   crossed, cut when the body stalls for the idle timeout (however long the whole upload takes);
// - GET|HEAD /bundle/download/:app_id/:id.zip?device_id&expires&sig — the URL POST /updates hands a
//   device: content-length, etag (the SHA-256), accept-ranges, Range → 206 / 416, streamed from the
//   store; the bytes sent count toward the app's bandwidth.
import { PassThrough, type Readable, Transform } from 'node:stream'
import { ApiError, receiveUpload, type Services, verifyDownload } from '@capgo-api/api'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { BodyTimeoutError } from '../plugins/body-timeout.ts'
import { sendCode, sendFailure } from './failure.ts'
import { sendStored } from './ranged.ts'

export interface BundleFilesOptions {
  services: Services
  /** an upload whose body sends nothing for this long is cut (408) */
  uploadIdleMs: number
}

const num = (v: unknown) => (typeof v === 'string' && /^\d{1,15}$/.test(v) ? Number(v) : Number.NaN)
const str = (v: unknown) => (typeof v === 'string' ? v : '')

interface UploadRoute {
  Params: { app_id: string; id: string }
  Querystring: Record<string, string | undefined>
}

export async function bundleFiles(app: FastifyInstance, opts: BundleFilesOptions) {
  const { services } = opts

  // the body is the zip, whatever content type the client names (curl -T sends none): handed over unread
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', (_req, payload, done) => done(null, payload))

  app.put<UploadRoute>('/bundle/upload/:app_id/:id', { config: { bodyTimeoutMs: false } }, async (req, reply) => {
    const length = req.headers['content-length']
    // declared too large: refused before a byte is read (curl waits for this with Expect: 100-continue)
    if (length !== undefined && Number(length) > services.hosting.maxBytes) {
      closeAfterAnswer(req, reply)
      return sendCode(reply, 'payload_too_large')
    }
    const raw = (req.body as Readable | undefined) ?? req.raw
    // an upload may take long, but may not stall: each chunk restarts the idle timer
    const body = new PassThrough()
    const idle = setTimeout(() => body.destroy(new BodyTimeoutError()), opts.uploadIdleMs)
    raw.on('error', (e) => body.destroy(e)).on('aborted', () => body.destroy(Object.assign(new Error('aborted'), { code: 'ECONNRESET' })))
    raw
      .pipe(
        new Transform({
          transform(chunk, _enc, done) {
            idle.refresh()
            done(null, chunk)
          },
        }),
      )
      .pipe(body)
    try {
      await receiveUpload(
        services,
        {
          appId: req.params.app_id,
          bundleId: num(req.params.id),
          token: str(req.query.token),
          expires: num(req.query.expires),
          sig: str(req.query.sig),
        },
        body,
      )
      return { status: 'ok' }
    } catch (e) {
      // the rest of a refused or cut body is not read: the connection goes with the answer
      if (!req.raw.complete) closeAfterAnswer(req, reply)
      if (e instanceof BodyTimeoutError) return sendCode(reply, 'request_timeout')
      return sendFailure(req, reply, e)
    } finally {
      clearTimeout(idle)
    }
  })

  app.route<{ Params: { app_id: string; file: string }; Querystring: Record<string, string | undefined> }>({
    method: ['GET', 'HEAD'],
    url: '/bundle/download/:app_id/:file',
    exposeHeadRoute: false,
    handler: async (req, reply) => {
      const m = /^(\d{1,15})\.zip$/.exec(req.params.file)
      let bundle: Awaited<ReturnType<typeof verifyDownload>>
      try {
        if (!m) throw new ApiError('invalid_signature')
        bundle = await verifyDownload(services, {
          appId: req.params.app_id,
          bundleId: Number(m[1]),
          deviceId: str(req.query.device_id),
          expires: num(req.query.expires),
          sig: str(req.query.sig),
        })
      } catch (e) {
        return sendFailure(req, reply, e)
      }
      return sendStored(req, reply, {
        size: bundle.size,
        etag: `${bundle.storage_checksum ?? bundle.checksum ?? bundle.id}`,
        type: 'application/zip',
        open: (range) => services.storage.get(bundle.r2_path!, range),
        onSent: (bytes) => {
          services.bandwidth.add(req.params.app_id, bytes)
          services.metrics.bundleDownload(bytes)
        },
      })
    },
  })
}

/** Answers, then closes the connection instead of reading the rest of an unwanted body. */
function closeAfterAnswer(req: FastifyRequest, reply: FastifyReply) {
  reply.header('connection', 'close')
  reply.raw.once('finish', () => {
    const socket = req.raw.socket
    socket.end()
    // the client may still be sending: it gets the answer first, then the connection goes
    setTimeout(() => socket.destroy(), 1000).unref()
  })
}
