// Any S3-compatible object store (AWS S3, Cloudflare R2, MinIO…): STORAGE_URL
// `s3://<bucket>[/<key prefix>]?endpoint=<url>&region=<r>&forcePathStyle=true`. Uploads and
// downloads use presigned URLs (the bytes go between the client and the store, not through this
// server); put/get here serve the server's own reads (finalize) and writes.

import { pipeline, type Readable } from 'node:stream'
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3'
import { Upload } from '@aws-sdk/lib-storage'
import { getSignedUrl } from '@aws-sdk/s3-request-presigner'
import { assertKey, assertPrefix, type ByteRange, meteredPut, ObjectNotFoundError, type PutOptions, type Store } from './store.ts'

export interface S3StoreOptions {
  bucket: string
  /** prepended to every key (the path of the STORAGE_URL), '' or ending with '/' */
  prefix?: string
  endpoint?: string
  region?: string
  forcePathStyle?: boolean
  /** else the SDK's usual chain (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, profiles, roles) */
  credentials?: { accessKeyId: string; secretAccessKey: string }
  /** a public base URL (a CDN or a public bucket) that serves `<base>/<key>`: downloads then use it instead of presigned GETs */
  publicUrl?: string
}

const isNotFound = (e: unknown) => {
  const err = e as { name?: string; $metadata?: { httpStatusCode?: number } }
  return err?.name === 'NoSuchKey' || err?.name === 'NotFound' || err?.$metadata?.httpStatusCode === 404
}

export class S3Store implements Store {
  readonly provider = 's3' as const
  readonly client: S3Client
  private readonly bucket: string
  private readonly prefix: string
  private readonly publicUrl: string | undefined

  constructor(opts: S3StoreOptions) {
    this.bucket = opts.bucket
    this.prefix = opts.prefix ?? ''
    this.publicUrl = opts.publicUrl?.replace(/\/+$/, '')
    const config: S3ClientConfig = {
      region: opts.region ?? 'us-east-1',
      forcePathStyle: opts.forcePathStyle ?? false,
      // plain PUTs with Content-Length, which every S3-compatible store takes (R2, MinIO, older
      // servers), rather than the SDK's default streaming checksums
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
      ...(opts.credentials ? { credentials: opts.credentials } : {}),
    }
    this.client = new S3Client(config)
  }

  private keyOf(key: string) {
    assertKey(key)
    return this.prefix + key
  }

  async put(key: string, body: NodeJS.ReadableStream | Buffer, opts: PutOptions = {}) {
    const Key = this.keyOf(key)
    return meteredPut(opts, async (meter) => {
      if (Buffer.isBuffer(body)) {
        meter.end(body)
        for await (const _ of meter); // counts, hashes and applies the limit
        await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key, Body: body, ContentLength: body.length }))
        return
      }
      // multipart for large bodies; an error of the source or the limit aborts the upload (nothing kept)
      const metered = pipeline(body as Readable, meter, () => {})
      await new Upload({ client: this.client, params: { Bucket: this.bucket, Key, Body: metered }, queueSize: 2 }).done()
    })
  }

  async get(key: string, range?: ByteRange): Promise<NodeJS.ReadableStream> {
    try {
      const out = await this.client.send(
        new GetObjectCommand({
          Bucket: this.bucket,
          Key: this.keyOf(key),
          ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}),
        }),
      )
      return out.Body as Readable
    } catch (e) {
      if (isNotFound(e)) throw new ObjectNotFoundError(key)
      throw e
    }
  }

  async head(key: string) {
    try {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.keyOf(key) }))
      return { size: out.ContentLength ?? 0 }
    } catch (e) {
      if (isNotFound(e)) return null
      throw e
    }
  }

  async delete(key: string) {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.keyOf(key) }))
  }

  async list(prefix: string) {
    const keys: string[] = []
    for await (const page of this.pages(prefix)) keys.push(...page)
    return keys.sort()
  }

  /** The keys under `prefix` (without this store's own prefix), a page at a time. */
  private async *pages(prefix: string): AsyncGenerator<string[]> {
    assertPrefix(prefix)
    let token: string | undefined
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.prefix + prefix, ContinuationToken: token }),
      )
      yield (page.Contents ?? []).map((o) => o.Key!.slice(this.prefix.length)).filter(Boolean)
      token = page.IsTruncated ? page.NextContinuationToken : undefined
    } while (token)
  }

  async deletePrefix(prefix: string) {
    // one DeleteObject per key, a few at a time: DeleteObjects needs Content-MD5, which not every
    // S3-compatible store handles alike
    for await (const keys of this.pages(prefix))
      for (let i = 0; i < keys.length; i += 16) await Promise.all(keys.slice(i, i + 16).map((key) => this.delete(key)))
  }

  async move(from: string, to: string) {
    const source = this.keyOf(from)
    try {
      await this.client.send(
        new CopyObjectCommand({
          Bucket: this.bucket,
          Key: this.keyOf(to),
          CopySource: `${this.bucket}/${source.split('/').map(encodeURIComponent).join('/')}`,
        }),
      )
    } catch (e) {
      if (isNotFound(e)) throw new ObjectNotFoundError(from)
      throw e
    }
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: source }))
  }

  presignPut(key: string, expiresInSec: number) {
    return getSignedUrl(this.client, new PutObjectCommand({ Bucket: this.bucket, Key: this.keyOf(key) }), { expiresIn: expiresInSec })
  }

  async presignGet(key: string, expiresInSec: number) {
    if (this.publicUrl) return `${this.publicUrl}/${this.keyOf(key)}`
    return getSignedUrl(this.client, new GetObjectCommand({ Bucket: this.bucket, Key: this.keyOf(key) }), { expiresIn: expiresInSec })
  }
}
