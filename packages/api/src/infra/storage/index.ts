// STORAGE_URL → the store. `file:<absolute path>` (env.ts and the tooling make a relative path
// absolute, as for DATABASE_URL) or `s3://<bucket>[/<prefix>]?endpoint=&region=&forcePathStyle=`.
import { DiskStore } from './disk.ts'
import { S3Store } from './s3.ts'
import type { Store } from './store.ts'

export { DiskStore } from './disk.ts'
export { appPrefix, bundleKey, fileKey, uploadKey } from './keys.ts'
export { S3Store, type S3StoreOptions } from './s3.ts'
export * from './store.ts'

export interface StoreOptions {
  /** STORAGE_PUBLIC_URL: a public base URL serving `<base>/<key>` (S3 only) */
  publicUrl?: string
  /** AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, when set */
  credentials?: { accessKeyId: string; secretAccessKey: string }
}

/** Throws a one-line Error naming what is wrong with the URL. */
export function createStore(url: string, opts: StoreOptions = {}): Store {
  if (url.startsWith('file:')) {
    const dir = url.slice('file:'.length).replace(/^\/\/(?=\/)/, '')
    if (!dir.startsWith('/')) throw new Error(`a file: storage URL needs an absolute path here (got ${url})`)
    return new DiskStore(dir)
  }
  if (url.startsWith('s3://')) {
    const u = new URL(url)
    if (!u.hostname) throw new Error('an s3:// storage URL names its bucket: s3://<bucket>?endpoint=…')
    const path = decodeURIComponent(u.pathname).replace(/^\/+|\/+$/g, '')
    const q = u.searchParams
    return new S3Store({
      bucket: decodeURIComponent(u.hostname),
      prefix: path ? `${path}/` : '',
      endpoint: q.get('endpoint') ?? undefined,
      region: q.get('region') ?? undefined,
      forcePathStyle: q.get('forcePathStyle') === 'true',
      credentials: opts.credentials,
      publicUrl: opts.publicUrl,
    })
  }
  throw new Error('must be a file: path or an s3://<bucket> URL')
}
