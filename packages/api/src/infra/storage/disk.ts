// The embedded store: one file per key under a root folder (STORAGE_URL `file:./data/bundles`).
// Writes go to a temporary file in the same file system, then a rename: a reader sees the old
// object or the whole new one, and a failed or cut upload leaves nothing behind.
import { randomBytes } from 'node:crypto'
import type fs from 'node:fs'
import fsp from 'node:fs/promises'
import path from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { assertKey, assertPrefix, type ByteRange, meteredPut, ObjectNotFoundError, type PutOptions, type Store } from './store.ts'

const isMissing = (e: unknown) => (e as NodeJS.ErrnoException)?.code === 'ENOENT'

export class DiskStore implements Store {
  readonly provider = 'disk' as const
  private readonly tmpDir: string

  constructor(readonly root: string) {
    this.tmpDir = path.join(root, '.tmp')
  }

  private pathOf(key: string) {
    assertKey(key)
    return path.join(this.root, ...key.split('/'))
  }

  async put(key: string, body: NodeJS.ReadableStream | Buffer, opts: PutOptions = {}) {
    const file = this.pathOf(key)
    await fsp.mkdir(this.tmpDir, { recursive: true })
    const tmp = path.join(this.tmpDir, `${randomBytes(12).toString('hex')}.part`)
    return meteredPut(opts, async (meter) => {
      try {
        const source = Buffer.isBuffer(body) ? Readable.from([body]) : body
        // opened before the copy starts: a copy refused at once (too large) must not race the file's
        // creation, which would leave a .part behind the rm below
        const out = await fsp.open(tmp, 'wx')
        await pipeline(source, meter, out.createWriteStream())
        await fsp.mkdir(path.dirname(file), { recursive: true })
        await fsp.rename(tmp, file)
      } catch (e) {
        await fsp.rm(tmp, { force: true })
        throw e
      }
    })
  }

  async get(key: string, range?: ByteRange): Promise<NodeJS.ReadableStream> {
    let handle: fsp.FileHandle
    try {
      handle = await fsp.open(this.pathOf(key), 'r')
    } catch (e) {
      if (isMissing(e)) throw new ObjectNotFoundError(key)
      throw e
    }
    // a 64 KiB read size: fewer, larger writes to the socket than the default 16 KiB
    return handle.createReadStream({ start: range?.start, end: range?.end, highWaterMark: 64 * 1024 })
  }

  async head(key: string) {
    try {
      const st = await fsp.stat(this.pathOf(key))
      return st.isFile() ? { size: st.size } : null
    } catch (e) {
      if (isMissing(e)) return null
      throw e
    }
  }

  async delete(key: string) {
    await fsp.rm(this.pathOf(key), { force: true })
  }

  async list(prefix: string) {
    assertPrefix(prefix)
    const dir = path.join(this.root, ...prefix.slice(0, -1).split('/'))
    let entries: fs.Dirent[]
    try {
      entries = await fsp.readdir(dir, { recursive: true, withFileTypes: true })
    } catch (e) {
      if (isMissing(e)) return []
      throw e
    }
    return entries
      .filter((d) => d.isFile())
      .map((d) => prefix + path.relative(dir, path.join(d.parentPath, d.name)).split(path.sep).join('/'))
      .sort()
  }

  async deletePrefix(prefix: string) {
    assertPrefix(prefix)
    await fsp.rm(path.join(this.root, ...prefix.slice(0, -1).split('/')), { recursive: true, force: true })
  }

  async move(from: string, to: string) {
    const target = this.pathOf(to)
    await fsp.mkdir(path.dirname(target), { recursive: true })
    try {
      await fsp.rename(this.pathOf(from), target)
    } catch (e) {
      if (isMissing(e)) throw new ObjectNotFoundError(from)
      throw e
    }
  }

  async presignPut() {
    return null
  }

  async presignGet() {
    return null
  }
}
