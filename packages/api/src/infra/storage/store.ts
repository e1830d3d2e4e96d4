// Where hosted bundles' bytes live: one small interface, two stores (disk.ts, s3.ts), chosen from
// STORAGE_URL by createStore (index.ts). Keys are `/`-separated paths (keys.ts builds them); the
// server never buffers a whole object: bodies go in and out as streams.
import { createHash } from 'node:crypto'
import { Transform, type TransformCallback } from 'node:stream'

export type StoreProvider = 'disk' | 's3'

/** A byte range, both ends inclusive (as in HTTP `Range`). */
export interface ByteRange {
  start: number
  end: number
}

export interface PutOptions {
  /** the body may hold at most this many bytes: past it the put fails with ObjectTooLargeError and nothing is kept */
  maxBytes?: number
}

/** What a put wrote: the byte count and the lowercase hex SHA-256 of the bytes. */
export interface PutResult {
  size: number
  sha256: string
}

export interface Store {
  readonly provider: StoreProvider
  /** Writes `body` at `key`, replacing what was there; readers see the old object or the new one, never a part. */
  put(key: string, body: NodeJS.ReadableStream | Buffer, opts?: PutOptions): Promise<PutResult>
  /** The object's bytes (or the range of them); ObjectNotFoundError when there is none. */
  get(key: string, range?: ByteRange): Promise<NodeJS.ReadableStream>
  /** The object's size, or null when there is none. */
  head(key: string): Promise<{ size: number } | null>
  /** Removes the object; a missing one is not an error. */
  delete(key: string): Promise<void>
  /** The keys under `prefix` (which ends with `/`), sorted. */
  list(prefix: string): Promise<string[]>
  /** Removes every object whose key starts with `prefix` (which ends with `/`). */
  deletePrefix(prefix: string): Promise<void>
  /** Moves an object to another key (the source is gone after); ObjectNotFoundError when there is none. */
  move(from: string, to: string): Promise<void>
  /** A URL that takes the object's bytes with one PUT, valid `expiresInSec`; null when uploads must go through this server. */
  presignPut(key: string, expiresInSec: number): Promise<string | null>
  /** A URL that serves the object with GET, valid `expiresInSec`; null when downloads go through this server. */
  presignGet(key: string, expiresInSec: number): Promise<string | null>
}

export class ObjectNotFoundError extends Error {
  constructor(readonly key: string) {
    super(`no stored object at ${key}`)
  }
}

export class ObjectTooLargeError extends Error {
  constructor(readonly maxBytes: number) {
    super(`the object is larger than ${maxBytes} bytes`)
  }
}

/** A key may hold letters, digits and `._-` in `/`-separated segments, none of them `.` or `..`. */
export function assertKey(key: string) {
  if (!/^[\w.-]+(\/[\w.-]+)*$/.test(key) || key.split('/').some((s) => s === '.' || s === '..'))
    throw new Error(`invalid storage key: ${key}`)
}

export function assertPrefix(prefix: string) {
  if (!prefix.endsWith('/')) throw new Error(`a storage prefix ends with "/": ${prefix}`)
  assertKey(prefix.slice(0, -1))
}

/**
 * Passes bytes through while counting and hashing them (SHA-256); fails with ObjectTooLargeError
 * as soon as more than `maxBytes` went by.
 */
export class Meter extends Transform {
  bytes = 0
  private readonly hash = createHash('sha256')

  constructor(private readonly maxBytes = Number.POSITIVE_INFINITY) {
    super()
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback) {
    this.bytes += chunk.length
    if (this.bytes > this.maxBytes) return done(new ObjectTooLargeError(this.maxBytes))
    this.hash.update(chunk)
    done(null, chunk)
  }

  /** The hex SHA-256 of what went through (call once, after the end). */
  digest() {
    return this.hash.digest('hex')
  }
}

/** Runs `write` with a Meter the body's bytes go through (limited to `opts.maxBytes`); answers what went through. */
export async function meteredPut(opts: PutOptions, write: (meter: Meter) => Promise<unknown>): Promise<PutResult> {
  const meter = new Meter(opts.maxBytes)
  await write(meter)
  return { size: meter.bytes, sha256: meter.digest() }
}
