// `bundle upload`: zip (or take a .zip), check index.html, encrypt when asked, then either register
// an external URL or host the bytes here: POST /bundle → one PUT of the bytes to `upload.url` →
// POST /bundle/finalize; then, with --channel, put the bundle on that channel.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { Readable, Transform } from 'node:stream'
import type { CapgoClient, RouterOutputs } from '@capgo-api/client'
import { type Encrypted, encryptBundle } from './crypto.ts'
import { CliError, readEnvelope } from './errors.ts'
import { formatBytes, type Output } from './output.ts'
import { checkZip, type Progress, sha256File, zipFolder } from './zip.ts'

export interface UploadOptions {
  app: string
  version: string
  channel?: string
  encrypt?: boolean
  key?: string
  externalUrl?: string
  checksum?: string
  minUpdateVersion?: string
}

type Bundle = RouterOutputs['bundle']['create']['bundle']

export interface UploadResult {
  status: 'ok'
  bundle: Bundle
  channel?: RouterOutputs['channel']['upsert']
}

/** The zip to send: a given .zip as is, or the folder zipped into a temporary file. */
async function prepareZip(input: string, tmp: string, out: Output): Promise<string> {
  let st: fs.Stats
  try {
    st = fs.statSync(input)
  } catch {
    throw new CliError('path_not_found', `${input} does not exist: give the folder of your web build (e.g. ./dist) or a .zip.`)
  }
  if (st.isFile()) {
    await checkZip(input)
    return input
  }
  if (!st.isDirectory()) throw new CliError('path_not_found', `${input} is neither a folder nor a .zip file.`)
  const zipFile = path.join(tmp, 'bundle.zip')
  const bar = out.progress('zip', 'bytes')
  try {
    await zipFolder(input, zipFile, bar.update)
  } finally {
    bar.stop()
  }
  return zipFile
}

/** PUTs the file to the signed upload URL (no API key: the URL is the credential). */
async function putFile(url: string, file: string, size: number, onProgress: Progress): Promise<void> {
  let sent = 0
  const counter = new Transform({
    transform(chunk: Buffer, _enc, next) {
      sent += chunk.length
      onProgress(sent, size)
      next(null, chunk)
    },
  })
  const body = Readable.toWeb(fs.createReadStream(file).pipe(counter)) as ReadableStream<Uint8Array>
  let res: Response
  try {
    res = await fetch(url, {
      method: 'PUT',
      body,
      // a length, not chunked: S3 presigned PUTs refuse a body without one
      headers: { 'content-type': 'application/zip', 'content-length': String(size) },
      duplex: 'half',
    } as RequestInit)
  } catch (e) {
    const cause = (e as Error).cause instanceof Error ? ((e as Error).cause as Error).message : (e as Error).message
    throw new CliError('upload_failed', `the upload to ${new URL(url).origin} failed: ${cause}`)
  }
  if (res.ok) {
    await res.body?.cancel()
    return
  }
  const text = await res.text()
  const envelope = readEnvelope(text)
  if (envelope.error !== undefined) throw new CliError(envelope.error, envelope.message ?? `HTTP ${res.status}`)
  throw new CliError('upload_failed', `the upload answered HTTP ${res.status}: ${text.slice(0, 200).replace(/\s+/g, ' ')}`)
}

export async function uploadBundle(capgo: CapgoClient, input: string | undefined, o: UploadOptions, out: Output): Promise<UploadResult> {
  if (o.encrypt && !o.key)
    throw new CliError('missing_key', '--encrypt needs --key <private key file> (the .capgo_key_v2 of capgo-api key create).')
  if (o.key && !o.encrypt)
    throw new CliError('missing_encrypt', '--key is the encryption key: add --encrypt to encrypt the bundle with it.')
  if (o.externalUrl && o.encrypt)
    throw new CliError('invalid_arguments', '--encrypt applies to bundles hosted by the server, not to --external-url.')
  if (o.externalUrl && !input && !o.checksum)
    throw new CliError('missing_checksum', '--external-url needs --checksum <sha256> of the zip, or the zip (or its folder) as the path.')
  if (!o.externalUrl && !input) throw new CliError('missing_path', 'give the folder of your web build (e.g. ./dist) or a .zip to upload.')
  if (o.checksum && !o.externalUrl)
    throw new CliError('invalid_arguments', '--checksum goes with --external-url (for an uploaded bundle the server computes it).')

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'capgo-api-'))
  try {
    const common = {
      app_id: o.app,
      version: o.version,
      ...(o.minUpdateVersion ? { minUpdateVersion: o.minUpdateVersion } : {}),
    }
    let bundle: Bundle
    if (o.externalUrl) {
      let checksum = o.checksum
      let size: number | undefined
      if (input) {
        const zip = await prepareZip(input, tmp, out)
        const h = await sha256File(zip)
        checksum = h.digest.toString('hex')
        size = h.size
      }
      const res = await capgo.bundle.create.mutate({
        ...common,
        external_url: o.externalUrl,
        checksum: checksum!,
        ...(size !== undefined ? { size } : {}),
      })
      bundle = res.bundle
    } else {
      const zip = await prepareZip(input!, tmp, out)
      const plain = await sha256File(zip)
      let file = zip
      let enc: Encrypted | undefined
      if (o.encrypt) {
        file = path.join(tmp, 'bundle.zip.enc')
        enc = await encryptBundle(zip, file, plain.digest, o.key!)
      }
      const size = fs.statSync(file).size
      // key_id: the key the bundle was encrypted for (devices reporting another get key_id_mismatch)
      const created = await capgo.bundle.create.mutate({
        ...common,
        size,
        ...(enc
          ? { checksum: enc.checksum, session_key: enc.session_key, key_id: enc.key_id }
          : { checksum: plain.digest.toString('hex') }),
      })
      if (!created.upload)
        throw new CliError('unexpected_answer', 'the server did not answer an upload URL: is it older than the bundle-hosting release?')
      out.note(`uploading ${o.app}@${o.version} (${formatBytes(size)}${enc ? ', encrypted' : ''})`)
      const bar = out.progress('upload', 'bytes')
      try {
        await putFile(created.upload.url, file, size, bar.update)
      } finally {
        bar.stop()
      }
      bundle = (await capgo.bundle.finalize.mutate({ app_id: o.app, version: o.version })).bundle
    }
    const result: UploadResult = { status: 'ok', bundle }
    if (o.channel) result.channel = await capgo.channel.upsert.mutate({ app_id: o.app, channel: o.channel, version: o.version })
    return result
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true })
  }
}
